import { checkInteger } from "../codec/arguments.js";
import { allocBytes, copyBytes, inputBytes } from "../codec/bytes.js";
import type { BytesInput } from "../codec/packet.js";
import type { PairsView } from "../pairs/pairs-view.js";
import { FastcgiError } from "./errors.js";
import { decodeParamsAt, type ParamsDecodeOptions, paramsOptions } from "./params.js";
import {
  contentLengthAt,
  FCGI_VERSION,
  FcgiType,
  KEEP_CONN,
  RECORD_HEADER_SIZE,
  requestIdAt,
} from "./record.js";

/** A request decoded from one buffer: params as a lazy view, body as views of the STDIN records. */
export interface FcgiRequest {
  readonly requestId: number;
  readonly role: number;
  readonly keepConn: boolean;
  readonly params: PairsView;
  /** The STDIN records' contents, in order: views of the input (no copy). */
  readonly body: Uint8Array[];
  readonly bodyLength: number;
  /** Offset just past the empty STDIN record. */
  readonly end: number;
}

const BEGIN_SIZE = RECORD_HEADER_SIZE + 8;

function truncated(at: number, needed: number, what: string): FastcgiError {
  return new FastcgiError(
    "TRUNCATED",
    at,
    what,
    `the input ends ${needed} byte${needed === 1 ? "" : "s"} before the end of ${what}`,
    needed,
  );
}

function header(buf: Uint8Array, p: number, what: string): void {
  if (buf.length - p < RECORD_HEADER_SIZE) {
    throw truncated(p, RECORD_HEADER_SIZE - (buf.length - p), `the header of ${what}`);
  }
  if (buf[p] !== FCGI_VERSION) {
    throw new FastcgiError("BAD_VERSION", p, "version 1", `a record with version ${buf[p]}`);
  }
}

function unexpected(p: number, what: string, type: number, id: number): FastcgiError {
  return new FastcgiError(
    "UNEXPECTED_RECORD",
    p,
    what,
    `a record of type ${type} for request ${id}`,
  );
}

/** Checks the record at `p` is `type` for `id` and whole in `buf`; returns its content length. */
function recordAt(buf: Uint8Array, p: number, type: number, id: number): number {
  header(buf, p, `a record of type ${type}`);
  const rid = requestIdAt(buf, p);
  if (buf[p + 1] !== type || rid !== id)
    throw unexpected(p, `a record of type ${type}`, buf[p + 1]!, rid);
  const c = contentLengthAt(buf, p);
  const size = RECORD_HEADER_SIZE + c + buf[p + 6]!;
  if (buf.length - p < size) throw truncated(p, size - (buf.length - p), `a ${size}-byte record`);
  return c;
}

/** The contents of the (checked) records in `buf[from, to)`, joined into one buffer. */
function joinStream(buf: Uint8Array, from: number, to: number): Uint8Array {
  let total = 0;
  for (let p = from; p < to; p += RECORD_HEADER_SIZE + contentLengthAt(buf, p) + buf[p + 6]!) {
    total += contentLengthAt(buf, p);
  }
  const out = allocBytes(total);
  let q = 0;
  for (let p = from; p < to; ) {
    const c = contentLengthAt(buf, p);
    copyBytes(buf, p + RECORD_HEADER_SIZE, p + RECORD_HEADER_SIZE + c, out, q);
    q += c;
    p += RECORD_HEADER_SIZE + c + buf[p + 6]!;
  }
  return out;
}

/**
 * Decodes a whole request from `buf` at `offset`: BEGIN_REQUEST, the PARAMS stream, the STDIN
 * stream. The params are a view of the PARAMS record when there is one (nginx always sends one);
 * several records are joined into one copy first, since a pair may straddle them. Throws a
 * `FastcgiError` with the offset of the bad record.
 */
export function decodeFcgiRequest(
  buf: BytesInput,
  offset = 0,
  options?: ParamsDecodeOptions,
): FcgiRequest {
  const src = inputBytes("buf", buf);
  let p = checkInteger("offset", offset, 0, src.length);
  const o = paramsOptions(options, "decodeFcgiRequest()");
  header(src, p, "a BEGIN_REQUEST record");
  const id = requestIdAt(src, p);
  if (src[p + 1] !== FcgiType.BEGIN_REQUEST || id === 0 || contentLengthAt(src, p) !== 8) {
    throw unexpected(p, "a BEGIN_REQUEST with 8 bytes of content", src[p + 1]!, id);
  }
  const beginSize = BEGIN_SIZE + src[p + 6]!;
  if (src.length - p < beginSize) {
    throw truncated(p, beginSize - (src.length - p), "the BEGIN_REQUEST record");
  }
  const role = (src[p + 8]! << 8) | src[p + 9]!;
  const keepConn = (src[p + 10]! & KEEP_CONN) !== 0;
  p += beginSize;
  let first = -1;
  let firstLength = 0;
  let records = 0;
  const paramsStart = p;
  for (;;) {
    const c = recordAt(src, p, FcgiType.PARAMS, id);
    if (c === 0) break;
    if (records++ === 0) {
      first = p + RECORD_HEADER_SIZE;
      firstLength = c;
    }
    p += RECORD_HEADER_SIZE + c + src[p + 6]!;
  }
  const paramsEnd = p;
  p += RECORD_HEADER_SIZE + src[p + 6]!;
  let params: PairsView;
  if (records <= 1) {
    const start = first < 0 ? p : first;
    params = decodeParamsAt(src, start, start + firstLength, o, 0);
  } else {
    const joined = joinStream(src, paramsStart, paramsEnd);
    params = decodeParamsAt(joined, 0, joined.length, o, 0);
  }
  // STDIN stream: views, no copy.
  const body: Uint8Array[] = [];
  let bodyLength = 0;
  for (;;) {
    const c = recordAt(src, p, FcgiType.STDIN, id);
    const padding = src[p + 6]!;
    p += RECORD_HEADER_SIZE;
    if (c === 0) {
      p += padding;
      break;
    }
    body.push(src.subarray(p, p + c));
    bodyLength += c;
    p += c + padding;
  }
  return { requestId: id, role, keepConn, params, body, bodyLength, end: p };
}
