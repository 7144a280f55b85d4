import type { TextEncoding } from "../../src/codec/text.js";
import { BaselineError } from "../baseline/errors.js";
import type { PairsView } from "../baseline/pairs-view.js";
import {
  decodeParams,
  type Pairs,
  type ParamsDecodeOptions,
  pairByteLength,
  writePair,
} from "./params.js";
import {
  FCGI_VERSION,
  FcgiRole,
  FcgiType,
  KEEP_CONN,
  MAX_CONTENT,
  NGINX_STDIN_RECORD,
  paddingOf,
  RECORD_HEADER_SIZE,
  writeRecordHeader,
} from "./record.js";

/** A responder request as a web server sends it. */
export interface FcgiRequestInit {
  readonly params: Pairs;
  readonly body?: Uint8Array;
  /** Default 1 (what nginx always uses). */
  readonly requestId?: number;
  /** Default RESPONDER. */
  readonly role?: number;
  readonly keepConn?: boolean;
  readonly encoding?: TextEncoding;
  /**
   * Most content in one PARAMS record (default 65535). Pairs are kept whole inside a record
   * when they fit (php-fpm parses each PARAMS record on its own); a longer pair straddles.
   */
  readonly paramsRecord?: number;
  /** Most content in one STDIN record (default 32768, as nginx sends). */
  readonly stdinRecord?: number;
}

const BEGIN_SIZE = RECORD_HEADER_SIZE + 8;

function recordsSize(length: number, perRecord: number): number {
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

function pairSizes(init: FcgiRequestInit): number[] {
  const encoding = init.encoding ?? "latin1";
  const sizes = new Array<number>(init.params.length);
  for (let i = 0; i < sizes.length; i++) sizes[i] = pairByteLength(init.params[i]!, encoding);
  return sizes;
}

/** Exact bytes {@link encodeFcgiRequest} produces. */
export function fcgiRequestByteLength(init: FcgiRequestInit): number {
  const bodyLength = init.body?.length ?? 0;
  return (
    BEGIN_SIZE +
    paramsRecordsSize(pairSizes(init), init.paramsRecord ?? MAX_CONTENT) +
    RECORD_HEADER_SIZE +
    recordsSize(bodyLength, init.stdinRecord ?? NGINX_STDIN_RECORD) +
    RECORD_HEADER_SIZE
  );
}

/** Encodes a whole request (BEGIN_REQUEST, PARAMS, STDIN) into one buffer: sized once, written once. */
export function encodeFcgiRequest(init: FcgiRequestInit): Buffer {
  const sizes = pairSizes(init);
  const paramsRecord = init.paramsRecord ?? MAX_CONTENT;
  const stdinRecord = init.stdinRecord ?? NGINX_STDIN_RECORD;
  const body = init.body;
  const bodyLength = body?.length ?? 0;
  const total =
    BEGIN_SIZE +
    paramsRecordsSize(sizes, paramsRecord) +
    RECORD_HEADER_SIZE +
    recordsSize(bodyLength, stdinRecord) +
    RECORD_HEADER_SIZE;
  const buf = Buffer.allocUnsafe(total);
  const id = init.requestId ?? 1;
  const encoding = init.encoding ?? "latin1";
  let p = writeBegin(buf, init, id);
  p = writeParamsRecords(buf, p, init.params, sizes, paramsRecord, id, encoding);
  p = writeRecordHeader(buf, p, FcgiType.PARAMS, id, 0, 0);
  if (body !== undefined) p = writeStream(buf, p, FcgiType.STDIN, id, body, stdinRecord);
  p = writeRecordHeader(buf, p, FcgiType.STDIN, id, 0, 0);
  if (p !== total) throw new Error(`fastcgi encoder sized ${total} bytes, wrote ${p}`);
  return buf;
}

/**
 * Encodes a request for a gathered write (`socket.cork()` + writes, or `writev`) without copying
 * the body: the BEGIN_REQUEST and PARAMS records, then for each STDIN record its header (after
 * the previous record's padding) followed by a view of the body, then the empty STDIN record.
 * Every framing byte lives in one buffer of its exact size; the parts are views of it and of
 * `body`. This is FastCGI's best case: uwsgi and SCGI send a body as it is, with no framing.
 */
export function encodeFcgiRequestParts(init: FcgiRequestInit): Buffer[] {
  const sizes = pairSizes(init);
  const paramsRecord = init.paramsRecord ?? MAX_CONTENT;
  const stdinRecord = init.stdinRecord ?? NGINX_STDIN_RECORD;
  const body = init.body;
  const bodyLength = body?.length ?? 0;
  const records = Math.ceil(bodyLength / stdinRecord);
  const headSize = BEGIN_SIZE + paramsRecordsSize(sizes, paramsRecord) + RECORD_HEADER_SIZE;
  // Each STDIN record adds a header and at most 7 bytes of padding; then the empty record.
  const framing = Buffer.allocUnsafe(
    headSize + records * (RECORD_HEADER_SIZE + 7) + RECORD_HEADER_SIZE,
  );
  const id = init.requestId ?? 1;
  let p = writeBegin(framing, init, id);
  p = writeParamsRecords(
    framing,
    p,
    init.params,
    sizes,
    paramsRecord,
    id,
    init.encoding ?? "latin1",
  );
  p = writeRecordHeader(framing, p, FcgiType.PARAMS, id, 0, 0);
  const parts: Buffer[] = [];
  let from = 0;
  for (let at = 0; at < bodyLength; at += stdinRecord) {
    const c = Math.min(stdinRecord, bodyLength - at);
    const padding = paddingOf(c);
    // The header goes out with the framing before it; padding zeroes are written after it.
    writeRecordHeader(framing, p, FcgiType.STDIN, id, c, 0);
    framing[p + 6] = padding;
    p += RECORD_HEADER_SIZE;
    parts.push(framing.subarray(from, p), asView(body!, at, at + c));
    framing.fill(0, p, p + padding);
    from = p;
    p += padding;
  }
  p = writeRecordHeader(framing, p, FcgiType.STDIN, id, 0, 0);
  parts.push(framing.subarray(from, p));
  return parts;
}

function asView(body: Uint8Array, start: number, end: number): Buffer {
  return Buffer.from(body.buffer, body.byteOffset + start, end - start);
}

function writeBegin(buf: Buffer, init: FcgiRequestInit, id: number): number {
  const p = writeRecordHeader(buf, 0, FcgiType.BEGIN_REQUEST, id, 8, 0);
  const role = init.role ?? FcgiRole.RESPONDER;
  buf[p] = role >>> 8;
  buf[p + 1] = role & 0xff;
  buf[p + 2] = init.keepConn === true ? KEEP_CONN : 0;
  buf.fill(0, p + 3, p + 8);
  return p + 8;
}

function writeParamsRecords(
  buf: Buffer,
  p: number,
  params: Pairs,
  sizes: readonly number[],
  max: number,
  id: number,
  encoding: TextEncoding,
): number {
  let head = -1;
  let content = 0;
  for (let i = 0; i < sizes.length; i++) {
    const s = sizes[i]!;
    if (content > 0 && content + s > max) {
      p = closeRecord(buf, head, id, content);
      content = 0;
    }
    if (s > max) {
      // A pair longer than a record straddles several: the only case that needs a scratch copy.
      const scratch = Buffer.allocUnsafe(s);
      writePair(scratch, 0, params[i]!, encoding);
      p = writeStream(buf, p, FcgiType.PARAMS, id, scratch, max);
      continue;
    }
    if (content === 0) {
      head = p;
      p += RECORD_HEADER_SIZE;
    }
    p = writePair(buf, p, params[i]!, encoding);
    content += s;
  }
  if (content > 0) p = closeRecord(buf, head, id, content);
  return p;
}

function closeRecord(buf: Buffer, head: number, id: number, content: number): number {
  const padding = paddingOf(content);
  writeRecordHeader(buf, head, FcgiType.PARAMS, id, content, padding);
  return head + RECORD_HEADER_SIZE + content + padding;
}

/** Writes `data` as records of `type` with at most `max` content each; returns the end. */
export function writeStream(
  buf: Buffer,
  p: number,
  type: number,
  id: number,
  data: Uint8Array,
  max: number,
): number {
  for (let at = 0; at < data.length; at += max) {
    const c = Math.min(max, data.length - at);
    const padding = paddingOf(c);
    p = writeRecordHeader(buf, p, type, id, c, padding);
    buf.set(data.subarray(at, at + c), p);
    p += c + padding;
  }
  return p;
}

/** A request decoded from one buffer: params as a lazy view, body as views of the STDIN records. */
export interface FcgiRequest {
  readonly requestId: number;
  readonly role: number;
  readonly keepConn: boolean;
  readonly params: PairsView;
  readonly body: Buffer[];
  readonly bodyLength: number;
  /** Offset just past the empty STDIN record. */
  readonly end: number;
}

function header(buf: Buffer, p: number, end: number, what: string): void {
  if (end - p < RECORD_HEADER_SIZE) {
    throw new BaselineError(
      "fastcgi",
      "TRUNCATED",
      p,
      what,
      "the input ends inside a record header",
    );
  }
  if (buf[p] !== FCGI_VERSION) {
    throw new BaselineError("fastcgi", "BAD_VERSION", p, "version 1", `version ${buf[p]}`);
  }
}

function unexpected(p: number, what: string, type: number, id: number): BaselineError {
  return new BaselineError(
    "fastcgi",
    "UNEXPECTED_RECORD",
    p,
    what,
    `record type ${type} for request ${id}`,
  );
}

/**
 * Decodes a whole request from `buf` at `offset`. The params are a view of the PARAMS record when
 * there is one (nginx always sends one); several records are joined into one copy first, since
 * a pair may straddle them.
 */
export function decodeFcgiRequest(
  buf: Buffer,
  offset = 0,
  options?: ParamsDecodeOptions,
): FcgiRequest {
  const end = buf.length;
  let p = offset;
  header(buf, p, end, "a BEGIN_REQUEST record");
  const id = (buf[p + 2]! << 8) | buf[p + 3]!;
  if (buf[p + 1] !== FcgiType.BEGIN_REQUEST || id === 0 || buf[p + 5] !== 8 || buf[p + 4] !== 0) {
    throw unexpected(p, "BEGIN_REQUEST with 8 bytes of content", buf[p + 1]!, id);
  }
  if (end - p < BEGIN_SIZE + buf[p + 6]!) {
    throw new BaselineError("fastcgi", "TRUNCATED", p, "a BEGIN_REQUEST body", "input ends");
  }
  const role = (buf[p + 8]! << 8) | buf[p + 9]!;
  const keepConn = (buf[p + 10]! & KEEP_CONN) !== 0;
  p += BEGIN_SIZE + buf[p + 6]!;
  // PARAMS stream.
  let first = -1;
  let firstLength = 0;
  let records = 0;
  const paramsStart = p;
  for (;;) {
    const c = recordAt(buf, p, end, FcgiType.PARAMS, id);
    if (c === 0) break;
    if (records++ === 0) {
      first = p + RECORD_HEADER_SIZE;
      firstLength = c;
    }
    p += RECORD_HEADER_SIZE + c + buf[p + 6]!;
  }
  const paramsEnd = p;
  p += RECORD_HEADER_SIZE + buf[p + 6]!;
  let params: PairsView;
  if (records <= 1) {
    params = decodeParams(buf, first < 0 ? p : first, first < 0 ? p : first + firstLength, options);
  } else {
    const joined = joinStream(buf, paramsStart, paramsEnd);
    params = decodeParams(joined, 0, joined.length, options);
  }
  // STDIN stream: views, no copy.
  const body: Buffer[] = [];
  let bodyLength = 0;
  for (;;) {
    const c = recordAt(buf, p, end, FcgiType.STDIN, id);
    p += RECORD_HEADER_SIZE;
    if (c === 0) {
      p += buf[p - 2]!;
      break;
    }
    body.push(buf.subarray(p, p + c));
    bodyLength += c;
    p += c + buf[p - 2]!;
  }
  return { requestId: id, role, keepConn, params, body, bodyLength, end: p };
}

/** Checks the record at `p` is `type` for `id` and complete in `buf`; returns its content length. */
function recordAt(buf: Buffer, p: number, end: number, type: number, id: number): number {
  header(buf, p, end, `a record of type ${type}`);
  const rid = (buf[p + 2]! << 8) | buf[p + 3]!;
  if (buf[p + 1] !== type || rid !== id) throw unexpected(p, `type ${type}`, buf[p + 1]!, rid);
  const c = (buf[p + 4]! << 8) | buf[p + 5]!;
  if (end - p - RECORD_HEADER_SIZE < c + buf[p + 6]!) {
    throw new BaselineError("fastcgi", "TRUNCATED", p, `${c} bytes of content`, "input ends");
  }
  return c;
}

/** The contents of the records in `buf[from, to)`, checked already, joined into one buffer. */
function joinStream(buf: Buffer, from: number, to: number): Buffer {
  let total = 0;
  for (
    let p = from;
    p < to;
    p += RECORD_HEADER_SIZE + ((buf[p + 4]! << 8) | buf[p + 5]!) + buf[p + 6]!
  ) {
    total += (buf[p + 4]! << 8) | buf[p + 5]!;
  }
  const out = Buffer.allocUnsafe(total);
  let q = 0;
  for (let p = from; p < to; ) {
    const c = (buf[p + 4]! << 8) | buf[p + 5]!;
    q += buf.copy(out, q, p + RECORD_HEADER_SIZE, p + RECORD_HEADER_SIZE + c);
    p += RECORD_HEADER_SIZE + c + buf[p + 6]!;
  }
  return out;
}

/** What an application answers: STDOUT (a CGI response), optional STDERR, then END_REQUEST. */
export interface FcgiResponseInit {
  readonly requestId?: number;
  readonly stdout: Uint8Array;
  readonly stderr?: Uint8Array;
  readonly appStatus?: number;
  readonly protocolStatus?: number;
}

/** Encodes a whole response into one buffer. */
export function encodeFcgiResponse(init: FcgiResponseInit): Buffer {
  const id = init.requestId ?? 1;
  const stderr = init.stderr ?? new Uint8Array(0);
  const total =
    recordsSize(init.stdout.length, MAX_CONTENT - 7) +
    RECORD_HEADER_SIZE +
    (stderr.length > 0 ? recordsSize(stderr.length, MAX_CONTENT - 7) + RECORD_HEADER_SIZE : 0) +
    RECORD_HEADER_SIZE +
    8;
  const buf = Buffer.allocUnsafe(total);
  // 65528 keeps every record 8-aligned without padding.
  let p = writeStream(buf, 0, FcgiType.STDOUT, id, init.stdout, MAX_CONTENT - 7);
  p = writeRecordHeader(buf, p, FcgiType.STDOUT, id, 0, 0);
  if (stderr.length > 0) {
    p = writeStream(buf, p, FcgiType.STDERR, id, stderr, MAX_CONTENT - 7);
    p = writeRecordHeader(buf, p, FcgiType.STDERR, id, 0, 0);
  }
  p = writeRecordHeader(buf, p, FcgiType.END_REQUEST, id, 8, 0);
  buf.writeUInt32BE(init.appStatus ?? 0, p);
  buf[p + 4] = init.protocolStatus ?? 0;
  buf.fill(0, p + 5, p + 8);
  return buf;
}
