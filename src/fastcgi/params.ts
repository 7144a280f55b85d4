import { checkInteger, checkOptions } from "../codec/arguments.js";
import { allocBytes, inputBytes, utf8ByteLength } from "../codec/bytes.js";
import type { BytesInput } from "../codec/packet.js";
import { type TextEncoding, textEncoding, writeString } from "../codec/text.js";
import { PAIR_SLAB } from "../pairs/pair-table.js";
import { checkPairs, type Pairs, textByteLength } from "../pairs/pairs-input.js";
import { PairsView } from "../pairs/pairs-view.js";
import { FastcgiError } from "./errors.js";

/** Options of the PARAMS decoders. */
export interface ParamsDecodeOptions {
  /** Most pairs accepted. Defaults to 1024. */
  readonly maxPairs?: number;
  /** How names and values become strings. Defaults to `"latin1"`, as for uwsgi. */
  readonly encoding?: TextEncoding;
  /** Most bytes of PARAMS a streaming parser gathers for one request. Defaults to 1 MiB. */
  readonly maxParamsLength?: number;
}

/** Defaults of {@link ParamsDecodeOptions}. */
export const DEFAULT_PARAMS_OPTIONS: Readonly<Required<ParamsDecodeOptions>> = Object.freeze({
  maxPairs: 1024,
  encoding: "latin1",
  maxParamsLength: 1024 * 1024,
});

/** @internal Checked options, defaults in. */
export function paramsOptions(options: unknown, where: string): Required<ParamsDecodeOptions> {
  if (options === undefined) return DEFAULT_PARAMS_OPTIONS;
  checkOptions(where, options, ["maxPairs", "encoding", "maxParamsLength"]);
  const o = options as ParamsDecodeOptions;
  const d = DEFAULT_PARAMS_OPTIONS;
  return {
    maxPairs:
      o.maxPairs === undefined
        ? d.maxPairs
        : checkInteger("options.maxPairs", o.maxPairs, 0, 2 ** 30),
    encoding: o.encoding === undefined ? d.encoding : textEncoding("options.encoding", o.encoding),
    maxParamsLength:
      o.maxParamsLength === undefined
        ? d.maxParamsLength
        : checkInteger("options.maxParamsLength", o.maxParamsLength, 0, 2 ** 31 - 1),
  };
}

/** Bytes a length takes: 1 up to 127, else 4 (spec section 3.4). */
function lengthSize(n: number): number {
  return n > 127 ? 4 : 1;
}

/** Encoded size of one pair whose name and value are `n` and `v` bytes. */
export function pairSize(n: number, v: number): number {
  return lengthSize(n) + lengthSize(v) + n + v;
}

/** Bytes of one pair; `offset` (where it goes) only places the error for an unencodable string. */
export function pairByteLength(
  pair: readonly [string, string],
  encoding: TextEncoding,
  offset: number,
): number {
  const n = textByteLength(pair[0], encoding);
  const v = textByteLength(pair[1], encoding);
  if (n < 0 || v < 0) {
    throw new FastcgiError(
      "UNENCODABLE_STRING",
      offset,
      encoding === "latin1" ? "chars U+0000-U+00FF for latin1" : "a well-formed UTF-16 string",
      `the ${n < 0 ? "name" : "value"} of param ${JSON.stringify(pair[0].slice(0, 40))} has no ${encoding} encoding`,
    );
  }
  return pairSize(n, v);
}

function writeLength(buf: Uint8Array, p: number, n: number): number {
  if (n <= 127) {
    buf[p] = n;
    return p + 1;
  }
  buf[p] = (n >>> 24) | 0x80;
  buf[p + 1] = (n >>> 16) & 0xff;
  buf[p + 2] = (n >>> 8) & 0xff;
  buf[p + 3] = n & 0xff;
  return p + 4;
}

/** Writes one pair at `p` (checked before by {@link pairByteLength}); returns the end. */
export function writePair(
  buf: Uint8Array,
  p: number,
  pair: readonly [string, string],
  encoding: TextEncoding,
): number {
  const [name, value] = pair;
  const n = encoding === "latin1" ? name.length : utf8ByteLength(name);
  const v = encoding === "latin1" ? value.length : utf8ByteLength(value);
  p = writeLength(buf, p, n);
  p = writeLength(buf, p, v);
  p += writeString(buf, name, p, encoding);
  return p + writeString(buf, value, p, encoding);
}

/**
 * @internal Decodes PARAMS bytes `buf[start, end)` in one validating pass into a lazy view; no
 * strings are made. Lengths may take 1 or 4 bytes each. `base` is added to error offsets.
 */
export function decodeParamsAt(
  buf: Uint8Array,
  start: number,
  end: number,
  o: Required<ParamsDecodeOptions>,
  base: number,
): PairsView {
  const maxPairs = o.maxPairs;
  // A pair takes at least 2 bytes.
  const table = PAIR_SLAB.reserve(Math.min(maxPairs, (end - start) >>> 1) * 4 + 4);
  const at0 = PAIR_SLAB.base;
  let count = 0;
  let p = start;
  while (p < end) {
    let n = buf[p]!;
    if (n > 127) {
      if (end - p < 4) throw truncated(base + p, 4 - (end - p), "a 4-byte name length");
      n = ((n & 0x7f) << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
      p += 4;
    } else p += 1;
    if (p >= end) throw truncated(base + p, 1, "a value length");
    let v = buf[p]!;
    if (v > 127) {
      if (end - p < 4) throw truncated(base + p, 4 - (end - p), "a 4-byte value length");
      v = ((v & 0x7f) << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
      p += 4;
    } else p += 1;
    if (n + v > end - p) {
      throw new FastcgiError(
        "PAIR_OVERRUNS",
        base + p,
        `a name and value within the ${end - p} bytes left`,
        `name ${n} + value ${v} bytes run past the end of the params`,
      );
    }
    if (count === maxPairs) {
      throw new FastcgiError(
        "TOO_MANY_PAIRS",
        base + p,
        `at most ${maxPairs} pairs (option maxPairs)`,
        `more than ${maxPairs} params`,
      );
    }
    const at = at0 + count * 4;
    table[at] = p;
    table[at + 1] = p + n;
    table[at + 2] = p + n;
    table[at + 3] = p + n + v;
    count++;
    p += n + v;
  }
  PAIR_SLAB.commit(count * 4);
  return new PairsView(buf, table, at0, count, o.encoding, FastcgiError);
}

function truncated(offset: number, needed: number, what: string): FastcgiError {
  return new FastcgiError(
    "TRUNCATED",
    offset,
    what,
    `the params end ${needed} byte${needed === 1 ? "" : "s"} before the end of ${what}`,
    needed,
  );
}

/**
 * Decodes a whole PARAMS stream's content (the records' contents joined, as a `GET_VALUES` body or
 * one PARAMS record holds it) into a lazy view of its pairs; no strings are made until asked.
 * Throws a `FastcgiError` (`TRUNCATED`, `PAIR_OVERRUNS`, `TOO_MANY_PAIRS`).
 */
export function decodeParams(buf: BytesInput, options?: ParamsDecodeOptions): PairsView {
  const src = inputBytes("buf", buf);
  return decodeParamsAt(src, 0, src.length, paramsOptions(options, "decodeParams()"), 0);
}

/** Encodes pairs as a PARAMS stream's content (no record framing): sized once, written once. */
export function encodeParams(pairs: Pairs, encoding: TextEncoding = "latin1"): Uint8Array {
  const enc = textEncoding("encoding", encoding);
  const list = checkPairs("pairs", pairs);
  let size = 0;
  for (const pair of list) size += pairByteLength(pair, enc, size);
  const out = allocBytes(size);
  let p = 0;
  for (const pair of list) p = writePair(out, p, pair, enc);
  return out;
}
