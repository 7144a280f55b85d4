import { stringByteLength, type TextEncoding, writeString } from "../../src/codec/text.js";
import { BaselineError } from "../baseline/errors.js";
import { commitTable, reservedBase, reserveTable } from "../baseline/offsets.js";
import { PairsView } from "../baseline/pairs-view.js";

/** Name-value pairs as strings (the same input the uwsgi encoder takes). */
export type Pairs = readonly (readonly [string, string])[];

/** Bytes a length takes: 1 up to 127, else 4 (spec section 3.4). */
function lengthSize(n: number): number {
  return n > 127 ? 4 : 1;
}

/** Encoded size of one pair whose name and value are `n` and `v` bytes. */
export function pairSize(n: number, v: number): number {
  return lengthSize(n) + lengthSize(v) + n + v;
}

/** Bytes of one pair, checking that the strings are encodable. */
export function pairByteLength(pair: readonly [string, string], encoding: TextEncoding): number {
  const n = byteLength(pair[0], encoding);
  const v = byteLength(pair[1], encoding);
  return pairSize(n, v);
}

function byteLength(s: string, encoding: TextEncoding): number {
  try {
    return stringByteLength(s, encoding, 0);
  } catch (err) {
    throw new BaselineError("fastcgi", "UNENCODABLE", 0, `${encoding} text`, String(err));
  }
}

function writeLength(buf: Buffer, p: number, n: number): number {
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

/** Writes one pair at `p` (sized before by {@link pairByteLength}); returns the end. */
export function writePair(
  buf: Buffer,
  p: number,
  pair: readonly [string, string],
  encoding: TextEncoding,
): number {
  const [name, value] = pair;
  const n = encoding === "latin1" ? name.length : Buffer.byteLength(name, "utf8");
  const v = encoding === "latin1" ? value.length : Buffer.byteLength(value, "utf8");
  p = writeLength(buf, p, n);
  p = writeLength(buf, p, v);
  p += writeString(buf, name, p, encoding);
  return p + writeString(buf, value, p, encoding);
}

/** Options for {@link decodeParams}. */
export interface ParamsDecodeOptions {
  /** Most pairs accepted (default 1024). */
  readonly maxPairs?: number;
  /** How strings are made (default latin1, as for uwsgi). */
  readonly encoding?: TextEncoding;
  /** Most bytes of PARAMS a streaming parser gathers for one request (default 1 MiB). */
  readonly maxParamsLength?: number;
}

/**
 * Decodes a PARAMS stream's bytes `buf[start, end)` in one validating pass into a lazy view; no
 * strings are made. Lengths may take 1 or 4 bytes each.
 */
export function decodeParams(
  buf: Buffer,
  start: number,
  end: number,
  options?: ParamsDecodeOptions,
): PairsView {
  const maxPairs = options?.maxPairs ?? 1024;
  // A pair takes at least 2 bytes.
  const table = reserveTable(Math.min(maxPairs, (end - start) >>> 1) * 4 + 4);
  const base = reservedBase();
  let count = 0;
  let p = start;
  while (p < end) {
    let n = buf[p]!;
    if (n > 127) {
      if (end - p < 4) throw truncated(p, "a 4-byte name length");
      n = ((n & 0x7f) << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
      p += 4;
    } else p += 1;
    if (p >= end) throw truncated(p, "a value length");
    let v = buf[p]!;
    if (v > 127) {
      if (end - p < 4) throw truncated(p, "a 4-byte value length");
      v = ((v & 0x7f) << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!;
      p += 4;
    } else p += 1;
    if (n + v > end - p) {
      throw new BaselineError(
        "fastcgi",
        "PAIR_OVERRUNS",
        p,
        `a name and value within the ${end - p} bytes left`,
        `name ${n} + value ${v} bytes run past the end of the params`,
      );
    }
    if (count === maxPairs) {
      throw new BaselineError(
        "fastcgi",
        "TOO_MANY_PAIRS",
        p,
        `at most ${maxPairs} pairs`,
        "too many params",
      );
    }
    const at = base + count * 4;
    table[at] = p;
    table[at + 1] = p + n;
    table[at + 2] = p + n;
    table[at + 3] = p + n + v;
    count++;
    p += n + v;
  }
  return new PairsView(buf, commitTable(table, count * 4), options?.encoding ?? "latin1");
}

function truncated(p: number, what: string): BaselineError {
  return new BaselineError("fastcgi", "TRUNCATED", p, what, "the params end inside a length");
}
