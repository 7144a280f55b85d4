import { checkInteger, checkOptions, invalidArgType } from "../codec/arguments.js";
import { allocBytes } from "../codec/bytes.js";
import { FcgiType, MAX_CONTENT_LENGTH, RECORD_HEADER_SIZE, writeRecordHeader } from "./record.js";
import { recordsSize, writeStream } from "./request-encode.js";

/** What an application answers: STDOUT (a CGI response), optional STDERR, then END_REQUEST. */
export interface FcgiResponseInit {
  /** 1-65535. Defaults to 1. */
  readonly requestId?: number;
  /** The CGI response: headers (`Status:` among them), a blank line, the body. */
  readonly stdout: Uint8Array;
  /** Defaults to none (no STDERR stream at all). */
  readonly stderr?: Uint8Array;
  /** u32. Defaults to 0. */
  readonly appStatus?: number;
  /** Defaults to `REQUEST_COMPLETE` (0). */
  readonly protocolStatus?: number;
}

// 65528 keeps every record 8-aligned without padding.
const PER_RECORD = MAX_CONTENT_LENGTH - 7;

/** Encodes a whole response into one buffer: sized once, written once. */
export function encodeFcgiResponse(init: FcgiResponseInit): Uint8Array {
  if (init === null || typeof init !== "object")
    throw invalidArgType("init", "of type object", init);
  checkOptions("encodeFcgiResponse()", init, [
    "requestId",
    "stdout",
    "stderr",
    "appStatus",
    "protocolStatus",
  ]);
  if (!(init.stdout instanceof Uint8Array)) {
    throw invalidArgType("init.stdout", "a Uint8Array", init.stdout);
  }
  if (init.stderr !== undefined && !(init.stderr instanceof Uint8Array)) {
    throw invalidArgType("init.stderr", "a Uint8Array", init.stderr);
  }
  const id =
    init.requestId === undefined ? 1 : checkInteger("init.requestId", init.requestId, 1, 65535);
  const appStatus =
    init.appStatus === undefined
      ? 0
      : checkInteger("init.appStatus", init.appStatus, 0, 0xffffffff);
  const protocolStatus =
    init.protocolStatus === undefined
      ? 0
      : checkInteger("init.protocolStatus", init.protocolStatus, 0, 255);
  const stderr = init.stderr ?? new Uint8Array(0);
  const total =
    recordsSize(init.stdout.length, PER_RECORD) +
    RECORD_HEADER_SIZE +
    (stderr.length > 0 ? recordsSize(stderr.length, PER_RECORD) + RECORD_HEADER_SIZE : 0) +
    RECORD_HEADER_SIZE +
    8;
  const buf = allocBytes(total);
  let p = writeStream(buf, 0, FcgiType.STDOUT, id, init.stdout, PER_RECORD);
  p = writeRecordHeader(buf, p, FcgiType.STDOUT, id, 0, 0);
  if (stderr.length > 0) {
    p = writeStream(buf, p, FcgiType.STDERR, id, stderr, PER_RECORD);
    p = writeRecordHeader(buf, p, FcgiType.STDERR, id, 0, 0);
  }
  p = writeRecordHeader(buf, p, FcgiType.END_REQUEST, id, 8, 0);
  buf[p] = appStatus >>> 24;
  buf[p + 1] = (appStatus >>> 16) & 0xff;
  buf[p + 2] = (appStatus >>> 8) & 0xff;
  buf[p + 3] = appStatus & 0xff;
  buf[p + 4] = protocolStatus;
  buf.fill(0, p + 5, p + 8);
  return buf;
}
