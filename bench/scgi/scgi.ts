// SCGI (Schemenauer, 2008): a netstring of NUL-terminated names and values, CONTENT_LENGTH first
// and SCGI=1 present, then the body.
import { stringByteLength, type TextEncoding, writeString } from "../../src/codec/text.js";
import { gatherBuffer } from "../../src/parser/gather-slab.js";
import { BaselineError } from "../baseline/errors.js";
import { commitTable, reservedBase, reserveTable } from "../baseline/offsets.js";
import { PairsView } from "../baseline/pairs-view.js";

/** Headers as strings, in order (CONTENT_LENGTH and SCGI are placed by the encoder). */
export type Headers = readonly (readonly [string, string])[];

const COLON = 0x3a;
const COMMA = 0x2c;
/** Digits of the longest length prefix accepted (1 GB). */
const MAX_DIGITS = 10;

function bytes(s: string, encoding: TextEncoding): number {
  let n: number;
  try {
    n = stringByteLength(s, encoding, 0);
  } catch (err) {
    throw new BaselineError("scgi", "UNENCODABLE", 0, `${encoding} text`, String(err));
  }
  if (s.includes("\0")) {
    throw new BaselineError("scgi", "UNENCODABLE", 0, "no NUL", "SCGI names and values end at NUL");
  }
  return n;
}

function digits(n: number): number {
  let d = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    d++;
  }
  return d;
}

/** Which input pairs are sent: all but CONTENT_LENGTH and SCGI, which the encoder writes first. */
function sent(name: string): boolean {
  return name !== "CONTENT_LENGTH" && name !== "SCGI";
}

/** Size of the netstring's content for these headers and body length. */
function blockSize(headers: Headers, bodyLength: number, encoding: TextEncoding): number {
  // "CONTENT_LENGTH\0<n>\0SCGI\01\0"
  let n = 15 + digits(bodyLength) + 1 + 7;
  for (const [name, value] of headers) {
    if (sent(name)) n += bytes(name, encoding) + 1 + bytes(value, encoding) + 1;
  }
  return n;
}

/** Exact bytes {@link encodeScgiRequest} produces. */
export function scgiRequestByteLength(
  headers: Headers,
  body?: Uint8Array,
  encoding: TextEncoding = "latin1",
): number {
  const bodyLength = body?.length ?? 0;
  const block = blockSize(headers, bodyLength, encoding);
  return digits(block) + 1 + block + 1 + bodyLength;
}

/**
 * Encodes the netstring that goes before a body of `bodyLength` bytes (the body is sent as it is):
 * what {@link encodeScgiRequest} writes before the body. Sized once, written once.
 */
export function encodeScgiHead(
  headers: Headers,
  bodyLength: number,
  encoding: TextEncoding = "latin1",
): Buffer {
  const block = blockSize(headers, bodyLength, encoding);
  const buf = Buffer.allocUnsafe(digits(block) + 1 + block + 1);
  writeHead(buf, headers, block, bodyLength, encoding);
  return buf;
}

function writeHead(
  buf: Buffer,
  headers: Headers,
  block: number,
  bodyLength: number,
  encoding: TextEncoding,
): number {
  let p = buf.write(String(block), 0, "latin1");
  buf[p++] = COLON;
  p += buf.write("CONTENT_LENGTH\0", p, "latin1");
  p += buf.write(String(bodyLength), p, "latin1");
  buf[p++] = 0;
  p += buf.write("SCGI\x001\0", p, "latin1");
  for (const [name, value] of headers) {
    if (!sent(name)) continue;
    p += writeString(buf, name, p, encoding);
    buf[p++] = 0;
    p += writeString(buf, value, p, encoding);
    buf[p++] = 0;
  }
  buf[p++] = COMMA;
  return p;
}

/**
 * Encodes a request: CONTENT_LENGTH (from the body) and SCGI=1 first, then the headers in order
 * (an input CONTENT_LENGTH or SCGI is replaced), then the body. Sized once, written once.
 */
export function encodeScgiRequest(
  headers: Headers,
  body?: Uint8Array,
  encoding: TextEncoding = "latin1",
): Buffer {
  const bodyLength = body?.length ?? 0;
  const block = blockSize(headers, bodyLength, encoding);
  const prefix = digits(block);
  const buf = Buffer.allocUnsafe(prefix + 1 + block + 1 + bodyLength);
  const p = writeHead(buf, headers, block, bodyLength, encoding);
  if (body !== undefined) buf.set(body, p);
  return buf;
}

/** A request decoded from one buffer. */
export interface ScgiRequest {
  readonly headers: PairsView;
  readonly contentLength: number;
  /** A view of the body. */
  readonly body: Buffer;
  readonly end: number;
}

/** Options for the SCGI decoders. */
export interface ScgiDecodeOptions {
  readonly maxPairs?: number;
  readonly encoding?: TextEncoding;
  /** Longest header netstring a streaming parser gathers (default 1 MiB). */
  readonly maxHeaderLength?: number;
}

/** Reads the length prefix at `p`; returns [length, offset of the block] or throws. */
function readPrefix(buf: Buffer, p: number, end: number): [number, number] {
  let n = 0;
  let q = p;
  while (q < end && buf[q] !== COLON) {
    const d = buf[q]! - 0x30;
    if (d < 0 || d > 9 || q - p === MAX_DIGITS || (q > p && n === 0)) {
      throw new BaselineError("scgi", "BAD_NETSTRING", q, "digits then ':'", `byte ${buf[q]}`);
    }
    n = n * 10 + d;
    q++;
  }
  if (q === end) throw new BaselineError("scgi", "TRUNCATED", q, "':'", "input ends in the length");
  if (q === p) throw new BaselineError("scgi", "BAD_NETSTRING", q, "a length", "no digits");
  return [n, q + 1];
}

/**
 * Decodes the headers block `buf[start, end)` (the netstring's content) in one pass into a lazy
 * view. Names and values end at NUL; a long one is scanned natively.
 */
export function decodeScgiHeaders(
  buf: Buffer,
  start: number,
  end: number,
  options?: ScgiDecodeOptions,
): PairsView {
  const maxPairs = options?.maxPairs ?? 1024;
  const table = reserveTable(Math.min(maxPairs, (end - start) >>> 1) * 4 + 4);
  const base = reservedBase();
  let count = 0;
  let p = start;
  while (p < end) {
    const nameEnd = nul(buf, p, end);
    const valueEnd = nameEnd < 0 ? -1 : nul(buf, nameEnd + 1, end);
    if (valueEnd < 0) {
      throw new BaselineError(
        "scgi",
        "PAIR_OVERRUNS",
        p,
        "a NUL-terminated name and value",
        "block ends",
      );
    }
    if (count === maxPairs) {
      throw new BaselineError(
        "scgi",
        "TOO_MANY_PAIRS",
        p,
        `at most ${maxPairs} headers`,
        "too many",
      );
    }
    const at = base + count * 4;
    table[at] = p;
    table[at + 1] = nameEnd;
    table[at + 2] = nameEnd + 1;
    table[at + 3] = valueEnd;
    count++;
    p = valueEnd + 1;
  }
  return new PairsView(buf, commitTable(table, count * 4), options?.encoding ?? "latin1");
}

/** Index of the next NUL in `buf[p, end)`, or -1: a byte loop for short fields, then memchr. */
function nul(buf: Buffer, p: number, end: number): number {
  const stop = p + 24 < end ? p + 24 : end;
  for (; p < stop; p++) if (buf[p] === 0) return p;
  if (p === end) return -1;
  const i = buf.indexOf(0, p);
  return i < 0 || i >= end ? -1 : i;
}

/** CONTENT_LENGTH from the first header, which the protocol requires: plain digits. */
export function contentLengthOf(headers: PairsView, at: number): number {
  const value =
    headers.size > 0 && headers.keyAt(0) === "CONTENT_LENGTH" ? headers.valueAt(0) : undefined;
  let ok = value !== undefined && value.length > 0 && value.length <= 15;
  let n = 0;
  for (let i = 0; ok && i < value!.length; i++) {
    const d = value!.charCodeAt(i) - 0x30;
    ok = d >= 0 && d <= 9;
    n = n * 10 + d;
  }
  if (!ok) {
    throw new BaselineError(
      "scgi",
      "MISSING_CONTENT_LENGTH",
      at,
      "CONTENT_LENGTH first, in digits",
      `first header is ${headers.size > 0 ? JSON.stringify(headers.keyAt(0)) : "missing"}`,
    );
  }
  return n;
}

/** Decodes a whole request (netstring, then CONTENT_LENGTH bytes of body) from one buffer. */
export function decodeScgiRequest(
  buf: Buffer,
  offset = 0,
  options?: ScgiDecodeOptions,
): ScgiRequest {
  const end = buf.length;
  const [length, start] = readPrefix(buf, offset, end);
  if (end - start < length + 1) {
    throw new BaselineError(
      "scgi",
      "TRUNCATED",
      start,
      `${length + 1} bytes of netstring`,
      "input ends",
    );
  }
  if (buf[start + length] !== COMMA) {
    throw new BaselineError(
      "scgi",
      "BAD_NETSTRING",
      start + length,
      "','",
      `byte ${buf[start + length]}`,
    );
  }
  const headers = decodeScgiHeaders(buf, start, start + length, options);
  const contentLength = contentLengthOf(headers, start);
  const bodyStart = start + length + 1;
  if (end - bodyStart < contentLength) {
    throw new BaselineError(
      "scgi",
      "TRUNCATED",
      end,
      `${contentLength} bytes of body`,
      "input ends",
    );
  }
  return {
    headers,
    contentLength,
    body: buf.subarray(bodyStart, bodyStart + contentLength),
    end: bodyStart + contentLength,
  };
}

/** What a streaming SCGI parser reports. */
export interface ScgiHandler {
  onHeaders(headers: PairsView, contentLength: number): void;
  onBody(piece: Buffer): void;
  onBodyEnd(): void;
}

const PREFIX = 0;
const BLOCK = 1;
const BODY = 2;
const DONE = 3;
const FAILED = 4;

/**
 * Streaming SCGI request parser, split anywhere: the length prefix digit by digit, the netstring
 * as a view when it arrives whole in one chunk (else one copy of its exact size), then the body
 * as views. One request per connection, as the protocol has it.
 */
export class ScgiParser {
  readonly #handler: ScgiHandler;
  readonly #options: ScgiDecodeOptions | undefined;
  #state = PREFIX;
  #length = 0;
  #digits = 0;
  #block: Buffer | undefined;
  #fill = 0;
  #bodyLeft = 0;
  #offset = 0;

  constructor(handler: ScgiHandler, options?: ScgiDecodeOptions) {
    this.#handler = handler;
    this.#options = options;
  }

  push(chunk: Buffer): void {
    if (this.#state === FAILED || this.#state === DONE) {
      throw new BaselineError(
        "scgi",
        "PARSER_FAILED",
        this.#offset,
        "no more input",
        "request over",
      );
    }
    try {
      this.#push(chunk);
    } catch (err) {
      this.#state = FAILED;
      throw err;
    }
  }

  #push(chunk: Buffer): void {
    const n = chunk.length;
    let p = 0;
    while (p < n) {
      if (this.#state === PREFIX) {
        const c = chunk[p++]!;
        this.#offset++;
        if (c === COLON && this.#digits > 0) {
          const max = this.#options?.maxHeaderLength ?? 1024 * 1024;
          if (this.#length > max) {
            // Checked before anything is gathered: the prefix alone may announce gigabytes.
            throw new BaselineError(
              "scgi",
              "PARAMS_TOO_LARGE",
              this.#offset - 1,
              `a header netstring of at most ${max} bytes`,
              `the prefix announces ${this.#length}`,
            );
          }
          this.#state = BLOCK;
          // The whole netstring (content and comma) in this chunk: decode it in place.
          if (n - p > this.#length) {
            this.#blockDone(chunk, p);
            p += this.#length + 1;
            this.#offset += this.#length + 1;
          }
          continue;
        }
        const d = c - 0x30;
        if (
          d < 0 ||
          d > 9 ||
          this.#digits === MAX_DIGITS ||
          (this.#digits > 0 && this.#length === 0)
        ) {
          throw new BaselineError(
            "scgi",
            "BAD_NETSTRING",
            this.#offset - 1,
            "digits then ':'",
            `byte ${c}`,
          );
        }
        this.#length = this.#length * 10 + d;
        this.#digits++;
      } else if (this.#state === BLOCK) {
        if (this.#block === undefined) this.#block = gatherBuffer(this.#length + 1) as Buffer; // a Buffer under Node
        const block = this.#block;
        const take = Math.min(block.length - this.#fill, n - p);
        chunk.copy(block, this.#fill, p, p + take);
        this.#fill += take;
        p += take;
        this.#offset += take;
        if (this.#fill === block.length) this.#blockDone(block, 0);
      } else if (this.#state === BODY) {
        const take = this.#bodyLeft < n - p ? this.#bodyLeft : n - p;
        this.#handler.onBody(chunk.subarray(p, p + take));
        p += take;
        this.#offset += take;
        this.#bodyLeft -= take;
        if (this.#bodyLeft === 0) this.#finish();
      } else {
        throw new BaselineError(
          "scgi",
          "BODY_LENGTH_MISMATCH",
          this.#offset,
          "the end of input",
          `${n - p} bytes after the body`,
        );
      }
    }
  }

  #blockDone(buf: Buffer, start: number): void {
    const end = start + this.#length;
    if (buf[end] !== COMMA) {
      throw new BaselineError(
        "scgi",
        "BAD_NETSTRING",
        this.#offset + this.#length,
        "','",
        `byte ${buf[end]}`,
      );
    }
    const headers = decodeScgiHeaders(buf, start, end, this.#options);
    this.#bodyLeft = contentLengthOf(headers, this.#offset);
    this.#state = BODY;
    this.#handler.onHeaders(headers, this.#bodyLeft);
    if (this.#bodyLeft === 0) this.#finish();
  }

  #finish(): void {
    this.#state = DONE;
    this.#handler.onBodyEnd();
  }

  /** Says the input is over; throws TRUNCATED before the body's end. */
  end(): void {
    if (this.#state === DONE || this.#state === FAILED) return;
    this.#state = FAILED;
    throw new BaselineError("scgi", "TRUNCATED", this.#offset, "the rest of the request", "end");
  }
}
