// Name-value pairs as the FastCGI and SCGI encoders take them: the argument check and the byte
// length of a name or value in the chosen encoding (the protocol's encoder throws its own error
// when a string has none).
import { invalidArgType } from "../codec/arguments.js";
import { utf8ByteLength } from "../codec/bytes.js";
import { isAscii, type TextEncoding } from "../codec/text.js";

/** Name-value pairs as strings, in order (the same input the uwsgi encoder takes as pairs). */
export type Pairs = readonly (readonly [string, string])[];

/** @internal Bytes of `s` in `encoding`, or -1 when the encoding cannot represent it. */
export function textByteLength(s: string, encoding: TextEncoding): number {
  if (encoding === "utf8") return s.isWellFormed() ? utf8ByteLength(s) : -1;
  if (!isAscii(s)) for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return -1;
  return s.length;
}

/** @internal Checks a list of `[name, value]` string pairs; returns it. */
export function checkPairs(name: string, pairs: unknown): Pairs {
  if (!Array.isArray(pairs)) throw invalidArgType(name, "an array of [name, value] pairs", pairs);
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i] as unknown;
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      typeof pair[0] !== "string" ||
      typeof pair[1] !== "string"
    ) {
      throw invalidArgType(`${name}[${i}]`, "a [name, value] pair of strings", pair);
    }
  }
  return pairs as Pairs;
}
