// SCGI (Schemenauer, 2008): a netstring of NUL-terminated names and values, CONTENT_LENGTH first
// and SCGI=1 present, then the body as it is.
import { invalidArgType } from "../codec/arguments.js";
import { allocBytes } from "../codec/bytes.js";
import { type TextEncoding, textEncoding, writeString } from "../codec/text.js";
import { checkPairs, type Pairs, textByteLength } from "../pairs/pairs-input.js";
import { ScgiError } from "./errors.js";

const COLON = 0x3a;
const COMMA = 0x2c;

/** Decimal digits of `n` (a non-negative integer). */
export function digitCount(n: number): number {
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

function fieldBytes(s: string, encoding: TextEncoding, name: string, at: number): number {
  const n = textByteLength(s, encoding);
  if (n < 0 || s.includes("\0")) {
    throw new ScgiError(
      "UNENCODABLE_STRING",
      at,
      n < 0 ? `${encoding} text` : "no NUL",
      n < 0
        ? `header ${JSON.stringify(name.slice(0, 40))} has no ${encoding} encoding`
        : `header ${JSON.stringify(name.slice(0, 40))} holds a NUL, which ends SCGI names and values`,
    );
  }
  return n;
}

/** Size of the netstring's content for these headers and body length. */
function blockSize(headers: Pairs, bodyLength: number, encoding: TextEncoding): number {
  // "CONTENT_LENGTH\0<n>\0SCGI\01\0"
  let n = 15 + digitCount(bodyLength) + 1 + 7;
  for (const [name, value] of headers) {
    if (!sent(name)) continue;
    n += fieldBytes(name, encoding, name, n) + 1;
    n += fieldBytes(value, encoding, name, n) + 1;
  }
  return n;
}

function checkArgs(headers: unknown, encoding: unknown): [Pairs, TextEncoding] {
  return [checkPairs("headers", headers), textEncoding("encoding", encoding)];
}

function checkBody(body: unknown): Uint8Array | undefined {
  if (body !== undefined && !(body instanceof Uint8Array)) {
    throw invalidArgType("body", "a Uint8Array", body);
  }
  return body;
}

/** Exact bytes {@link encodeScgiRequest} produces. */
export function scgiRequestByteLength(
  headers: Pairs,
  body?: Uint8Array,
  encoding: TextEncoding = "latin1",
): number {
  const [list, enc] = checkArgs(headers, encoding);
  const bodyLength = checkBody(body)?.length ?? 0;
  const block = blockSize(list, bodyLength, enc);
  return digitCount(block) + 1 + block + 1 + bodyLength;
}

/**
 * Encodes the netstring that goes before a body of `bodyLength` bytes (the body is sent as it is):
 * what {@link encodeScgiRequest} writes before the body. Sized once, written once.
 */
export function encodeScgiHead(
  headers: Pairs,
  bodyLength: number,
  encoding: TextEncoding = "latin1",
): Uint8Array {
  const [list, enc] = checkArgs(headers, encoding);
  if (!Number.isSafeInteger(bodyLength) || bodyLength < 0) {
    throw invalidArgType("bodyLength", "a non-negative integer", bodyLength);
  }
  const block = blockSize(list, bodyLength, enc);
  const buf = allocBytes(digitCount(block) + 1 + block + 1);
  writeHead(buf, list, block, bodyLength, enc);
  return buf;
}

function writeHead(
  buf: Uint8Array,
  headers: Pairs,
  block: number,
  bodyLength: number,
  encoding: TextEncoding,
): number {
  let p = writeString(buf, String(block), 0, "latin1");
  buf[p++] = COLON;
  p += writeString(buf, "CONTENT_LENGTH\0", p, "latin1");
  p += writeString(buf, String(bodyLength), p, "latin1");
  buf[p++] = 0;
  p += writeString(buf, "SCGI\x001\0", p, "latin1");
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
 * (an input CONTENT_LENGTH or SCGI is replaced), then the body. Sized once, written once. Throws
 * an `ScgiError` `UNENCODABLE_STRING` for a NUL or a char the encoding cannot carry.
 */
export function encodeScgiRequest(
  headers: Pairs,
  body?: Uint8Array,
  encoding: TextEncoding = "latin1",
): Uint8Array {
  const [list, enc] = checkArgs(headers, encoding);
  const bytes = checkBody(body);
  const bodyLength = bytes?.length ?? 0;
  const block = blockSize(list, bodyLength, enc);
  const buf = allocBytes(digitCount(block) + 1 + block + 1 + bodyLength);
  const p = writeHead(buf, list, block, bodyLength, enc);
  if (bytes !== undefined) buf.set(bytes, p);
  return buf;
}
