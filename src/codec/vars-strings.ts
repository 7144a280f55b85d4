// How a vars block's keys and values become strings, the slow path of VarsView: the block's text
// (latin1, one native call) made once and kept for small blocks, the test that says whether every
// field may be cut from it, and the native UTF-8 decoder for the fields that may not.
import { latin1Slice, utf8ByteLength } from "./bytes.js";
import { LENGTH_SIZE } from "./constants.js";
import { decodeString, isAsciiBytes, type TextEncoding } from "./text.js";

/**
 * Largest block whose text is made at once and kept by the view (uWSGI's default buffer size): a
 * key or value string you keep may keep alive the text of its whole block, never more than this.
 * Bigger blocks make each string on its own.
 */
export const TEXT_MAX = 4096;

// Up to this many bytes, a JS scan for non-ASCII bytes then a substring beats the native UTF-8
// decoder's fixed cost (Node 20.20).
const ASCII_SCAN_MAX = 64;

/**
 * @internal The text of the block `buf[start, end)` if a view keeps it
 * (TEXT_MAX bytes at most).
 */
export function blockText(buf: Uint8Array, start: number, end: number): string | undefined {
  return end - start <= TEXT_MAX ? latin1Slice(buf, start, end) : undefined;
}

/**
 * @internal True when every key and value of the block whose text is `text` is ASCII, the
 * block's `count` vars being at `table[base..]` (VarsView's layout). Only the length bytes (4 a
 * var) may then be high, and each char over 0x7f takes one more UTF-8 byte: one native sizing and
 * a look at the length fields, instead of a scan of every byte (1.5 us on browser-get).
 */
export function fieldsAllAscii(
  buf: Uint8Array,
  start: number,
  table: Uint16Array,
  base: number,
  count: number,
  text: string,
): boolean {
  let high = 0;
  for (let i = 0; i < count; i++) {
    const p = start + table[base + 2 * i]!;
    const v = start + table[base + 2 * i + 1]!;
    high += (buf[p]! >>> 7) + (buf[p + 1]! >>> 7) + (buf[v]! >>> 7) + (buf[v + 1]! >>> 7);
  }
  return utf8ByteLength(text) - text.length === high;
}

/**
 * @internal The string of the field whose length field is at `buf[p]`, in a block starting at
 * `start` whose text is `text` (or undefined: a big block). Under utf8 a non-ASCII field goes
 * through the decoder and throws `INVALID_UTF8` as `decodeString` does.
 */
export function fieldString(
  buf: Uint8Array,
  start: number,
  p: number,
  encoding: TextEncoding,
  text: string | undefined,
): string {
  const from = p + LENGTH_SIZE;
  const to = from + (buf[p]! | (buf[p + 1]! << 8));
  // Under utf8, ASCII bytes read the same as latin1; anything else goes through the decoder, and
  // so does a long field (the native decoder's own ASCII path beats a JS scan on long input: a
  // 58 KiB value took 4x as long scanned first).
  if (encoding === "utf8" && (to - from > ASCII_SCAN_MAX || !isAsciiBytes(buf, from, to))) {
    return decodeString(buf, from, to, "utf8");
  }
  return text === undefined ? latin1Slice(buf, from, to) : text.substring(from - start, to - start);
}
