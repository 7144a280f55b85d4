// Decoding a vars block: the one validating pass over its length fields, which records where each
// var starts in the offset slab and hands that table to a VarsView (which makes the strings).
import { blockArguments, type DecodeOptions } from "./limits.js";
import { commitOffsets, reservedBase, reserveOffsets } from "./offset-pool.js";
import type { TextEncoding } from "./text.js";
import {
  emptyKey,
  lengthOverrun,
  tooManyVars,
  trailingBytes,
  valueOverrun,
} from "./vars-errors.js";
import { VarsView } from "./vars-view.js";

/**
 * Decodes the vars block `buf[start, end)` (a Uint8Array, ArrayBuffer or any ArrayBufferView) in
 * one validating pass that records where each var starts; no strings and no views are made.
 * Throws a `UwsgiError` for any malformed block: `TRAILING_BYTES`, `KEY_OVERRUNS_DATASIZE`,
 * `VALUE_OVERRUNS_DATASIZE`, `EMPTY_KEY` (unless allowed), `TOO_MANY_VARS`, `DATASIZE_OVER_LIMIT`
 * (over 65535 bytes, or over `maxDatasize` when given). `options` may stand in place of `start`
 * or `end`.
 *
 * Stricter than uWSGI's request parser in one place: a key length that runs past the block is an
 * error here, where uWSGI skips the two bytes and reads on. Two parsers that disagree on where a
 * var starts are how requests get smuggled.
 */
export function decodeVars(
  buf: Uint8Array | ArrayBufferLike | ArrayBufferView,
  start?: number | DecodeOptions,
  end?: number | DecodeOptions,
  options?: DecodeOptions,
): VarsView {
  const a = blockArguments("decodeVars", "vars block", buf, start, end, options);
  const o = a.settings;
  return walkVars(a.src, a.start, a.end, o.maxVars, o.allowEmptyKeys, o.encoding);
}

// "CONTENT_LENGTH" (14 bytes) at buf[p]: compared byte by byte against constants, which V8 turns
// into a few loads and compares (a loop over a string's char codes cost 8% of a decode).
function isContentLength(buf: Uint8Array, p: number): boolean {
  return (
    buf[p] === 0x43 && // C
    buf[p + 7] === 0x5f && // _
    buf[p + 8] === 0x4c && // L
    buf[p + 1] === 0x4f && // O
    buf[p + 2] === 0x4e && // N
    buf[p + 3] === 0x54 && // T
    buf[p + 4] === 0x45 && // E
    buf[p + 5] === 0x4e && // N
    buf[p + 6] === 0x54 && // T
    buf[p + 9] === 0x45 && // E
    buf[p + 10] === 0x4e && // N
    buf[p + 11] === 0x47 && // G
    buf[p + 12] === 0x54 && // T
    buf[p + 13] === 0x48 // H
  );
}

/**
 * @internal The validating pass of {@link decodeVars}, for callers that have checked the bounds
 * and options already (`decodePacket`): the same errors, without checking the arguments again.
 */
export function walkVars(
  src: Uint8Array,
  start: number,
  end: number,
  maxVars: number,
  allowEmptyKeys: boolean,
  encoding: TextEncoding,
): VarsView {
  // A var takes at least 4 bytes, so the block bounds the count: a limit at or over that bound
  // is never reached, and the loop compares small integers even when maxVars is Infinity.
  const fit = (end - start) >>> 2;
  const limit = maxVars < fit ? maxVars : fit;
  // The slab makes the table one view.
  const table = reserveOffsets(2 * limit + 2);
  const base = reservedBase();
  // The next entry of the table, and the one the var over the limit would take.
  let t = base;
  const full = base + 2 * limit;
  let contentLengthField = -1;
  let p = start;
  // Each length's high byte is tested on its own: it is nearly always 0, and a predicted branch
  // takes its load off the chain of loads from one var to the next (nginx-get's 17 vars: 47 ns
  // against 77 ns for `lo | hi << 8`, Node 20.20). 2 is a length field's size, written as a
  // literal: an imported constant is read through a cell and checked on every use.
  while (p < end) {
    if (end - p < 4) throw trailingBytes(p, end - p);
    let keyLen = src[p]!;
    const keyHigh = src[p + 1]!;
    if (keyHigh !== 0) keyLen += keyHigh << 8;
    if (keyLen === 0 && !allowEmptyKeys) throw emptyKey(p);
    const valField = p + 2 + keyLen;
    // One test for both overruns; the cold path tells them apart.
    if (end - valField < 2) throw lengthOverrun(p, keyLen, valField, end);
    let valLen = src[valField]!;
    const valHigh = src[valField + 1]!;
    if (valHigh !== 0) valLen += valHigh << 8;
    const next = valField + 2 + valLen;
    if (next > end) throw valueOverrun(valField, valLen, end);
    if (t === full) throw tooManyVars(p, maxVars);
    // Every request needs its body length: note where CONTENT_LENGTH is while passing by.
    if (keyLen === 14 && isContentLength(src, p + 2)) contentLengthField = valField - start;
    table[t] = p - start;
    table[t + 1] = valField - start;
    t += 2;
    p = next;
  }
  table[t] = end - start;
  commitOffsets(t - base + 1);
  return new VarsView(src, start, end, table, base, (t - base) >>> 1, encoding, contentLengthField);
}
