import { LENGTH_SIZE } from "./constants.js";
import { UwsgiError } from "./errors.js";
import { checkDatasize, checkRoom, fieldLength, type VarBytes, writeField } from "./fields.js";
import { type EncodeOptions, encodingOf } from "./limits.js";
import { asBuffer, type TextEncoding } from "./text.js";

export type { VarBytes } from "./fields.js";

/**
 * Vars to encode: a plain object, a `Map`, or any iterable of `[key, value]` pairs. Order and
 * duplicates are kept exactly as given (a plain object cannot hold duplicates).
 */
export type VarsInput =
  | Iterable<readonly [VarBytes, VarBytes]>
  | ReadonlyMap<VarBytes, VarBytes>
  | { readonly [key: string]: VarBytes };

/** Pairs in a form that can be walked twice (sizing, then writing). */
export type VarsSource =
  | { readonly kind: "pairs"; readonly pairs: Iterable<readonly [VarBytes, VarBytes]> }
  | {
      readonly kind: "object";
      readonly object: { readonly [key: string]: VarBytes };
      readonly keys: readonly string[];
    };

/** Turns any accepted input into something walkable twice; a one-shot iterable is read once. */
export function varsSource(vars: VarsInput): VarsSource {
  if (typeof vars !== "object" || vars === null) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      "an object, a Map or an iterable of pairs",
      `vars is ${vars === null ? "null" : typeof vars}`,
    );
  }
  if (Array.isArray(vars) || vars instanceof Map) return { kind: "pairs", pairs: vars };
  if (typeof (vars as Iterable<unknown>)[Symbol.iterator] === "function") {
    return { kind: "pairs", pairs: Array.from(vars as Iterable<readonly [VarBytes, VarBytes]>) };
  }
  const object = vars as { readonly [key: string]: VarBytes };
  return { kind: "object", object, keys: Object.keys(object) };
}

function pairLength(key: VarBytes, value: VarBytes, encoding: TextEncoding, at: number): number {
  const k = fieldLength(key, encoding, at, "key");
  const v = fieldLength(value, encoding, at + LENGTH_SIZE + k, "value");
  return LENGTH_SIZE + k + LENGTH_SIZE + v;
}

/** Exact encoded size of a vars source; checks every field, refuses nothing else. */
export function sourceByteLength(src: VarsSource, encoding: TextEncoding, base = 0): number {
  // `base` is where the block will start in the output, so errors name the output offset.
  let n = 0;
  if (src.kind === "object") {
    for (const key of src.keys) n += pairLength(key, src.object[key]!, encoding, base + n);
  } else {
    for (const pair of src.pairs) {
      if (!Array.isArray(pair)) {
        throw new UwsgiError(
          "INVALID_ARGUMENT",
          base + n,
          "a [key, value] pair",
          "a var is not a pair",
        );
      }
      n += pairLength(pair[0], pair[1], encoding, base + n);
    }
  }
  return n;
}

/** Writes a source already sized by sourceByteLength; returns the end offset. */
export function writeSource(
  buf: Buffer,
  p: number,
  src: VarsSource,
  encoding: TextEncoding,
): number {
  if (src.kind === "object") {
    for (const key of src.keys) {
      p = writeField(buf, p, key, encoding);
      p = writeField(buf, p, src.object[key]!, encoding);
    }
  } else {
    for (const pair of src.pairs) {
      p = writeField(buf, p, pair[0], encoding);
      p = writeField(buf, p, pair[1], encoding);
    }
  }
  return p;
}

/**
 * Exact number of bytes {@link encodeVars} would produce, without encoding anything.
 * Throws `FIELD_TOO_LONG` or `UNENCODABLE_STRING` as encoding would.
 */
export function varsByteLength(vars: VarsInput, options?: EncodeOptions): number {
  return sourceByteLength(varsSource(vars), encodingOf(options));
}

/**
 * Encodes a vars block into a new Buffer: sized once, allocated once, written once.
 * Throws `PACKET_TOO_LARGE` over 65535 bytes (the block must fit a u16 datasize).
 */
export function encodeVars(vars: VarsInput, options?: EncodeOptions): Buffer {
  const encoding = encodingOf(options);
  const src = varsSource(vars);
  const size = sourceByteLength(src, encoding);
  checkDatasize(size, 0, "the vars block");
  const buf = Buffer.allocUnsafe(size);
  writeSource(buf, 0, src, encoding);
  return buf;
}

/**
 * Encodes a vars block into `target` at `offset`; returns the bytes written. Nothing is written
 * when the block does not fit the buffer or a u16 datasize.
 */
export function encodeVarsInto(
  vars: VarsInput,
  target: Uint8Array,
  offset = 0,
  options?: EncodeOptions,
): number {
  const encoding = encodingOf(options);
  const src = varsSource(vars);
  const size = sourceByteLength(src, encoding, offset);
  checkDatasize(size, offset, "the vars block");
  checkRoom(target, offset, size);
  writeSource(asBuffer(target), offset, src, encoding);
  return size;
}
