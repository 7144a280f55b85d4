import { HEADER_SIZE } from "../codec/constants.js";
import type { PacketHeader } from "../codec/header.js";
import { Modifier1, modifierInfo, payloadKindOf } from "../codec/modifiers.js";

/** Answers of {@link looksLikeUwsgi}. */
export const Verdict = { NEED_MORE: -1, NO: 0, YES: 1 } as const;

/**
 * @internal What {@link headerVerdict} leaves to a full check: the packet is all there, and its
 * vars block (or array) must be walked to the end. `end` of the block is `off + 4 + datasize`.
 */
export const Check = { VARS: 2, ARRAY: 3 } as const;

/** @internal Most items a request's array may have (the decode limit the heuristic uses). */
export const MAX_ITEMS = 16384;

/**
 * Could these header fields start a uwsgi request? modifier1 is one uWSGI assigns, other than 72
 * ('H' of "HTTP") and 255 (an answer); packets that carry nothing have datasize 0, the others
 * some data; opaque payloads are accepted only for the cache (a key).
 */
export function plausibleHeader({ modifier1, datasize, modifier2 }: PacketHeader): boolean {
  return plausible(modifier1, datasize, modifier2);
}

function plausible(m1: number, datasize: number, m2: number): boolean {
  if (m1 === Modifier1.RAW_HTTP || m1 === Modifier1.RESPONSE || !modifierInfo(m1).known) {
    return false;
  }
  const kind = payloadKindOf(m1, m2);
  if (kind === "empty") return datasize === 0;
  // Of the raw forms only the cache's get, del, get-stream and dump (a key or a name) pass.
  if (
    kind === "raw" &&
    !(m1 === Modifier1.CACHE && (m2 === 0 || m2 === 2 || m2 === 5 || m2 === 6))
  ) {
    return false;
  }
  if (kind === "raw" && datasize > 255) return false;
  return datasize > 0;
}

/**
 * @internal Everything {@link looksLikeUwsgi} decides without walking the packet's data: a
 * `Verdict`, or a `Check` when the whole packet is there and its vars or items must be walked.
 * Costs O(1), or O(datasize) for the cache's raw keys (at most 255 bytes, which end at the first
 * byte that is not printable).
 */
export function headerVerdict(buf: Uint8Array, off: number, end: number): number {
  if (end - off < HEADER_SIZE) return Verdict.NEED_MORE;
  // Read in place: this runs at every offset of a search.
  const m1 = buf[off]!;
  const datasize = buf[off + 1]! | (buf[off + 2]! << 8);
  const m2 = buf[off + 3]!;
  if (!plausible(m1, datasize, m2)) return Verdict.NO;
  const kind = payloadKindOf(m1, m2);
  if (kind === "empty") return Verdict.YES;
  // Prefilter before any decode: the first field's length must fit inside the packet.
  if (datasize < 2 || (end - off > 5 && (buf[off + 4]! | (buf[off + 5]! << 8)) > datasize - 2)) {
    if (kind !== "raw") return Verdict.NO;
  }
  if (end - off < HEADER_SIZE + datasize) return Verdict.NEED_MORE;
  if (kind === "raw") return printable(buf, off + HEADER_SIZE, off + HEADER_SIZE + datasize);
  return kind === "vars" ? Check.VARS : Check.ARRAY;
}

/**
 * Does a uwsgi request start at `buf[off]`? Strict, to tell uwsgi from other TCP traffic: the
 * modifier1 is one uWSGI assigns (not 72 'H' of "HTTP" nor 255, an answer), and the whole packet
 * decodes as `decodePacket` reads it without empty keys: a vars block that parses to the byte
 * with at least one var and every key printable ASCII; an array (at most 16384 items) whose
 * first item (a function name, a key) is printable ASCII; nothing for ping-like packets; for the
 * cache's raw forms (get, del, get-stream, dump) a key of 1-255 printable ASCII bytes. Returns
 * `Verdict.NEED_MORE` when the packet is not all in `buf[off..end]`. Costs O(datasize), walking
 * the lengths in place (no decode, no error made for a "no"); searching many offsets with it is
 * what `RequestFinder` bounds.
 */
export function looksLikeUwsgi(buf: Uint8Array, off: number, end: number): number {
  const first = headerVerdict(buf, off, end);
  if (first !== Check.VARS && first !== Check.ARRAY) return first;
  const start = off + HEADER_SIZE;
  const stop = start + (buf[off + 1]! | (buf[off + 2]! << 8));
  return first === Check.VARS ? varsVerdict(buf, start, stop) : arrayVerdict(buf, start, stop);
}

/** A vars block `buf[p, end)` of one var or more, each key printable, to the byte. */
function varsVerdict(buf: Uint8Array, p: number, end: number): number {
  while (p < end) {
    if (end - p < 4) return Verdict.NO;
    const keyLength = buf[p]! | (buf[p + 1]! << 8);
    const key = p + 2;
    const valueField = key + keyLength;
    if (keyLength === 0 || end - valueField < 2) return Verdict.NO;
    const next = valueField + 2 + (buf[valueField]! | (buf[valueField + 1]! << 8));
    if (next > end || printable(buf, key, valueField) === Verdict.NO) return Verdict.NO;
    p = next;
  }
  return Verdict.YES;
}

/** An array `buf[p, end)` of at most MAX_ITEMS items, to the byte; the first printable, not empty. */
function arrayVerdict(buf: Uint8Array, p: number, end: number): number {
  const firstLength = end - p < 2 ? 0 : buf[p]! | (buf[p + 1]! << 8);
  if (
    firstLength === 0 ||
    printable(buf, p + 2, Math.min(end, p + 2 + firstLength)) === Verdict.NO
  ) {
    return Verdict.NO;
  }
  let items = 0;
  while (p < end) {
    if (end - p < 2 || items === MAX_ITEMS) return Verdict.NO;
    p += 2 + (buf[p]! | (buf[p + 1]! << 8));
    items++;
  }
  return p === end ? Verdict.YES : Verdict.NO;
}

/** YES when every byte of `buf[start..end]` is printable ASCII other than space. */
function printable(buf: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x21 || c > 0x7e) return Verdict.NO;
  }
  return Verdict.YES;
}
