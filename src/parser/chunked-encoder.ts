import { checkInteger } from "../codec/arguments.js";
import type { BytesInput } from "../codec/packet.js";
import { chunkBytes } from "./chunk-argument.js";

// The sending side of HTTP/1.1 chunked framing (RFC 9112 section 7.1), for a body whose length
// is not known when it starts: each piece goes out as `chunkHead(n)`, the n bytes, `chunkTail()`,
// and `lastChunk()` ends the body. The data itself is never copied unless `encodeChunk` is asked.

/** Largest chunk size accepted: what a double holds exactly (the decoder's own bound). */
const MAX_CHUNK = Number.MAX_SAFE_INTEGER;

/**
 * The bytes that go before `size` data bytes: the size in lower-case hex, then CRLF. A size of 0
 * is refused: it is the last chunk, which ends the body (use {@link lastChunk}).
 */
export function chunkHead(size: number): Uint8Array {
  checkInteger("size", size, 1, MAX_CHUNK);
  const hex = size.toString(16);
  const out = new Uint8Array(hex.length + 2);
  for (let i = 0; i < hex.length; i++) out[i] = hex.charCodeAt(i);
  out[hex.length] = 0x0d;
  out[hex.length + 1] = 0x0a;
  return out;
}

/** The bytes that go after each chunk's data: CRLF. */
export function chunkTail(): Uint8Array {
  return Uint8Array.of(0x0d, 0x0a);
}

/** The bytes that end a chunked body: the last chunk (size 0), no trailers, the final CRLF. */
export function lastChunk(): Uint8Array {
  return Uint8Array.of(0x30, 0x0d, 0x0a, 0x0d, 0x0a);
}

/**
 * One chunk, framing included, in one new buffer (a copy of `data`): simple for small pieces;
 * for large ones write `chunkHead`, the data and `chunkTail` instead (no copy). Empty data gives
 * no bytes at all, since an empty chunk would end the body.
 */
export function encodeChunk(data: BytesInput): Uint8Array {
  const bytes = chunkBytes(data, "data");
  if (bytes.length === 0) return new Uint8Array(0);
  const head = chunkHead(bytes.length);
  const out = new Uint8Array(head.length + bytes.length + 2);
  out.set(head, 0);
  out.set(bytes, head.length);
  out[out.length - 2] = 0x0d;
  out[out.length - 1] = 0x0a;
  return out;
}
