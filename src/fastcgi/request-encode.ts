import { checkBoolean, checkInteger, checkOptions, invalidArgType } from "../codec/arguments.js";
import { allocBytes } from "../codec/bytes.js";
import { type TextEncoding, textEncoding } from "../codec/text.js";
import { checkPairs, type Pairs } from "../pairs/pairs-input.js";
import { pairByteLength, writePair } from "./params.js";
import {
  FcgiRole,
  FcgiType,
  KEEP_CONN,
  MAX_CONTENT_LENGTH,
  NGINX_STDIN_RECORD,
  paddingOf,
  RECORD_HEADER_SIZE,
  writeRecordHeader,
} from "./record.js";

/** A responder request as a web server sends it. */
export interface FcgiRequestInit {
  /** The CGI params, in order. */
  readonly params: Pairs;
  /** The body, sent as STDIN records. Defaults to none. */
  readonly body?: Uint8Array;
  /** 1-65535. Defaults to 1 (what nginx always uses). */
  readonly requestId?: number;
  /** Defaults to `FcgiRole.RESPONDER`. */
  readonly role?: number;
  /** Ask the application to keep the connection after END_REQUEST. Defaults to false. */
  readonly keepConn?: boolean;
  /** How params become bytes. Defaults to `"latin1"`. */
  readonly encoding?: TextEncoding;
  /**
   * Most content in one PARAMS record. Defaults to 65535. Pairs are kept whole inside a record
   * when they fit (php-fpm parses each PARAMS record on its own); a longer pair straddles.
   */
  readonly paramsRecord?: number;
  /** Most content in one STDIN record. Defaults to 32768, as nginx sends. */
  readonly stdinRecord?: number;
}

const INIT_KEYS = [
  "params",
  "body",
  "requestId",
  "role",
  "keepConn",
  "encoding",
  "paramsRecord",
  "stdinRecord",
];

/** A request init, checked, with the defaults in. */
interface Plan {
  readonly params: Pairs;
  readonly sizes: number[];
  readonly body: Uint8Array | undefined;
  readonly id: number;
  readonly role: number;
  readonly keepConn: boolean;
  readonly encoding: TextEncoding;
  readonly paramsRecord: number;
  readonly stdinRecord: number;
}

const BEGIN_SIZE = RECORD_HEADER_SIZE + 8;

function plan(init: unknown, where: string): Plan {
  if (init === null || typeof init !== "object")
    throw invalidArgType("init", "of type object", init);
  checkOptions(where, init, INIT_KEYS);
  const i = init as FcgiRequestInit;
  const params = checkPairs("init.params", i.params);
  if (i.body !== undefined && !(i.body instanceof Uint8Array)) {
    throw invalidArgType("init.body", "a Uint8Array", i.body);
  }
  const encoding = i.encoding === undefined ? "latin1" : textEncoding("init.encoding", i.encoding);
  const sizes = new Array<number>(params.length);
  let at = 0;
  for (let k = 0; k < sizes.length; k++) {
    sizes[k] = pairByteLength(params[k]!, encoding, at);
    at += sizes[k]!;
  }
  const record = (name: string, value: unknown, fallback: number) =>
    value === undefined ? fallback : checkInteger(name, value, 1, MAX_CONTENT_LENGTH);
  return {
    params,
    sizes,
    body: i.body,
    id: i.requestId === undefined ? 1 : checkInteger("init.requestId", i.requestId, 1, 65535),
    role: i.role === undefined ? FcgiRole.RESPONDER : checkInteger("init.role", i.role, 0, 65535),
    keepConn: i.keepConn === undefined ? false : checkBoolean("init.keepConn", i.keepConn),
    encoding,
    paramsRecord: record("init.paramsRecord", i.paramsRecord, MAX_CONTENT_LENGTH),
    stdinRecord: record("init.stdinRecord", i.stdinRecord, NGINX_STDIN_RECORD),
  };
}

/** @internal Bytes of `length` content in records of at most `perRecord`, padded to 8. */
export function recordsSize(length: number, perRecord: number): number {
  let n = 0;
  for (let left = length; left > 0; left -= perRecord) {
    const c = left < perRecord ? left : perRecord;
    n += RECORD_HEADER_SIZE + c + paddingOf(c);
  }
  return n;
}

/** Size of the PARAMS records (not the empty closing one) for pairs of the given sizes. */
function paramsRecordsSize(sizes: readonly number[], max: number): number {
  let total = 0;
  let content = 0;
  for (const s of sizes) {
    if (content > 0 && content + s > max) {
      total += RECORD_HEADER_SIZE + content + paddingOf(content);
      content = 0;
    }
    if (s > max) total += recordsSize(s, max);
    else content += s;
  }
  if (content > 0) total += RECORD_HEADER_SIZE + content + paddingOf(content);
  return total;
}

function totalSize(p: Plan): number {
  return (
    BEGIN_SIZE +
    paramsRecordsSize(p.sizes, p.paramsRecord) +
    RECORD_HEADER_SIZE +
    recordsSize(p.body?.length ?? 0, p.stdinRecord) +
    RECORD_HEADER_SIZE
  );
}

/** Exact bytes {@link encodeFcgiRequest} produces for `init`. */
export function fcgiRequestByteLength(init: FcgiRequestInit): number {
  return totalSize(plan(init, "fcgiRequestByteLength()"));
}

/**
 * Encodes a whole request (BEGIN_REQUEST, PARAMS records and the empty one, STDIN records and the
 * empty one) into one buffer: sized once, written once. Throws a `FastcgiError`
 * `UNENCODABLE_STRING` for a param the encoding cannot carry, before writing anything.
 */
export function encodeFcgiRequest(init: FcgiRequestInit): Uint8Array {
  const p = plan(init, "encodeFcgiRequest()");
  const total = totalSize(p);
  const buf = allocBytes(total);
  let at = writeBegin(buf, p);
  at = writeParamsRecords(buf, at, p);
  at = writeRecordHeader(buf, at, FcgiType.PARAMS, p.id, 0, 0);
  if (p.body !== undefined) at = writeStream(buf, at, FcgiType.STDIN, p.id, p.body, p.stdinRecord);
  writeRecordHeader(buf, at, FcgiType.STDIN, p.id, 0, 0);
  return buf;
}

/**
 * Encodes a request for a gathered write (`socket.cork()` + writes, or `writev`) without copying
 * the body: the BEGIN_REQUEST and PARAMS records, then for each STDIN record its header (after
 * the previous record's padding) followed by a view of the body, then the empty STDIN record.
 * Every framing byte lives in one buffer of its exact size; the parts are views of it and of
 * `body`. This is FastCGI's best case: uwsgi and SCGI send a body as it is, with no framing.
 */
export function encodeFcgiRequestParts(init: FcgiRequestInit): Uint8Array[] {
  const p = plan(init, "encodeFcgiRequestParts()");
  const body = p.body;
  const bodyLength = body?.length ?? 0;
  const records = Math.ceil(bodyLength / p.stdinRecord);
  const headSize = BEGIN_SIZE + paramsRecordsSize(p.sizes, p.paramsRecord) + RECORD_HEADER_SIZE;
  let padding = 0;
  for (let at = 0; at < bodyLength; at += p.stdinRecord) {
    padding += paddingOf(Math.min(p.stdinRecord, bodyLength - at));
  }
  const framing = allocBytes(
    headSize + records * RECORD_HEADER_SIZE + padding + RECORD_HEADER_SIZE,
  );
  let at = writeBegin(framing, p);
  at = writeParamsRecords(framing, at, p);
  at = writeRecordHeader(framing, at, FcgiType.PARAMS, p.id, 0, 0);
  const parts: Uint8Array[] = [];
  let from = 0;
  for (let b = 0; b < bodyLength; b += p.stdinRecord) {
    const c = Math.min(p.stdinRecord, bodyLength - b);
    const pad = paddingOf(c);
    // The header goes out with the framing before it; the padding after the body piece.
    writeRecordHeader(framing, at, FcgiType.STDIN, p.id, c, 0);
    framing[at + 6] = pad;
    at += RECORD_HEADER_SIZE;
    parts.push(framing.subarray(from, at), body!.subarray(b, b + c));
    framing.fill(0, at, at + pad);
    from = at;
    at += pad;
  }
  at = writeRecordHeader(framing, at, FcgiType.STDIN, p.id, 0, 0);
  parts.push(framing.subarray(from, at));
  return parts;
}

function writeBegin(buf: Uint8Array, p: Plan): number {
  const at = writeRecordHeader(buf, 0, FcgiType.BEGIN_REQUEST, p.id, 8, 0);
  buf[at] = p.role >>> 8;
  buf[at + 1] = p.role & 0xff;
  buf[at + 2] = p.keepConn ? KEEP_CONN : 0;
  buf.fill(0, at + 3, at + 8);
  return at + 8;
}

function writeParamsRecords(buf: Uint8Array, at: number, p: Plan): number {
  const { sizes, params, paramsRecord: max, id, encoding } = p;
  let head = -1;
  let content = 0;
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i]!;
    if (content > 0 && content + s > max) {
      at = closeRecord(buf, head, id, content);
      content = 0;
    }
    if (s > max) {
      // A pair longer than a record straddles several: the only case that needs a scratch copy.
      const scratch = allocBytes(s);
      writePair(scratch, 0, params[i]!, encoding);
      at = writeStream(buf, at, FcgiType.PARAMS, id, scratch, max);
      continue;
    }
    if (content === 0) {
      head = at;
      at += RECORD_HEADER_SIZE;
    }
    at = writePair(buf, at, params[i]!, encoding);
    content += s;
  }
  if (content > 0) at = closeRecord(buf, head, id, content);
  return at;
}

function closeRecord(buf: Uint8Array, head: number, id: number, content: number): number {
  const padding = paddingOf(content);
  writeRecordHeader(buf, head, FcgiType.PARAMS, id, content, padding);
  return head + RECORD_HEADER_SIZE + content + padding;
}

/** @internal Writes `data` as records of `type` with at most `max` content each; returns the end. */
export function writeStream(
  buf: Uint8Array,
  at: number,
  type: number,
  id: number,
  data: Uint8Array,
  max: number,
): number {
  for (let b = 0; b < data.length; b += max) {
    const c = Math.min(max, data.length - b);
    const padding = paddingOf(c);
    at = writeRecordHeader(buf, at, type, id, c, padding);
    buf.set(data.subarray(b, b + c), at);
    at += c + padding;
  }
  return at;
}
