import { MAX_DATASIZE } from "./constants.js";
import { UwsgiError } from "./errors.js";
import type { PayloadKind } from "./modifiers.js";
import type { TextEncoding } from "./text.js";

/** Options for every decode entry point. Each field's default is in {@link DEFAULT_DECODE_OPTIONS}. */
export interface DecodeOptions {
  /**
   * Largest datasize accepted, 0-65535. Defaults to 4096, uWSGI's default `--buffer-size`: a packet
   * uWSGI would refuse is refused here too. Use {@link MAX_DATASIZE} (65535) for nginx's maximum.
   */
  readonly maxDatasize?: number;
  /** Most vars in one block (Infinity for no limit). Defaults to 128, uWSGI's default. */
  readonly maxVars?: number;
  /** Most items in one uwsgi array (Infinity for no limit). Defaults to 255, uWSGI's RPC maximum. */
  readonly maxItems?: number;
  /** Accept zero-length keys. Defaults to false: uWSGI drops a request that has one. */
  readonly allowEmptyKeys?: boolean;
  /** How `get`, iteration and `toObject` turn bytes into strings. Defaults to `"latin1"`. */
  readonly encoding?: TextEncoding;
  /**
   * How to read the data of a packet. Defaults to `"auto"`: by modifier1 (and modifier2 for cache
   * and RPC) from the registry, which describes requests; pass `"raw"` to read answers.
   */
  readonly payload?: PayloadKind | "auto";
}

/** The defaults of {@link DecodeOptions}. */
export const DEFAULT_DECODE_OPTIONS: Readonly<Required<DecodeOptions>> = Object.freeze({
  maxDatasize: 4096,
  maxVars: 128,
  maxItems: 255,
  allowEmptyKeys: false,
  encoding: "latin1",
  payload: "auto",
});

/** Options for every encode entry point. */
export interface EncodeOptions {
  /** How strings become bytes. Defaults to `"latin1"`; a char it cannot represent is an error. */
  readonly encoding?: TextEncoding;
}

/** Checks a limit given by a caller (an integer 0..max, or Infinity when max is unbounded); returns it. */
export function checkLimit(name: string, value: number, max: number): number {
  if (value === Number.POSITIVE_INFINITY && max === Number.MAX_SAFE_INTEGER) return value;
  if (!(Number.isInteger(value) && value >= 0 && value <= max)) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      `an integer 0-${max}`,
      `option ${name} is ${String(value)}`,
    );
  }
  return value;
}

/** `maxDatasize` from options, checked. */
export function maxDatasizeOf(options: DecodeOptions | undefined): number {
  const v = options?.maxDatasize;
  return v === undefined
    ? DEFAULT_DECODE_OPTIONS.maxDatasize
    : checkLimit("maxDatasize", v, MAX_DATASIZE);
}

/** Checks an offset argument against a buffer's length. */
export function checkOffset(offset: number, length: number): void {
  if (!(Number.isInteger(offset) && offset >= 0 && offset <= length)) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      `an integer offset 0-${length}`,
      `offset ${String(offset)} is not inside the buffer`,
    );
  }
}

/** The text encoding from options, checked (defaults to latin1). */
export function encodingOf(
  options: { readonly encoding?: TextEncoding } | undefined,
): TextEncoding {
  const e = options?.encoding;
  if (e === undefined || e === "latin1") return "latin1";
  if (e === "utf8") return e;
  throw new UwsgiError(
    "INVALID_ARGUMENT",
    0,
    '"latin1" or "utf8"',
    `unknown encoding ${String(e)}`,
  );
}

/**
 * Checks every decode option at once, whatever the packet turns out to need, so a bad option is
 * never accepted silently nor hidden behind a decode error.
 */
export function checkDecodeOptions(options: DecodeOptions | undefined): void {
  if (options === undefined) return;
  if (options.maxDatasize !== undefined)
    checkLimit("maxDatasize", options.maxDatasize, MAX_DATASIZE);
  if (options.maxVars !== undefined)
    checkLimit("maxVars", options.maxVars, Number.MAX_SAFE_INTEGER);
  if (options.maxItems !== undefined)
    checkLimit("maxItems", options.maxItems, Number.MAX_SAFE_INTEGER);
  encodingOf(options);
  if (options.allowEmptyKeys !== undefined && typeof options.allowEmptyKeys !== "boolean") {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      "true or false",
      `allowEmptyKeys is ${String(options.allowEmptyKeys)}`,
    );
  }
  const payload = options.payload;
  if (
    payload !== undefined &&
    payload !== "auto" &&
    payload !== "vars" &&
    payload !== "array" &&
    payload !== "raw" &&
    payload !== "empty"
  ) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      '"auto", "vars", "array", "raw" or "empty"',
      `unknown payload kind ${String(payload)}`,
    );
  }
}

/** Checks that `[start, end)` lies inside `buf` and is no longer than any datasize can say. */
export function checkBlockBounds(buf: Uint8Array, start: number, end: number, what: string): void {
  if (
    !(
      Number.isInteger(start) &&
      Number.isInteger(end) &&
      start >= 0 &&
      start <= end &&
      end <= buf.length
    )
  ) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      `0 <= start <= end <= ${buf.length}`,
      `${what} bounds ${String(start)}..${String(end)} are not inside the buffer`,
    );
  }
  if (end - start > MAX_DATASIZE) {
    throw new UwsgiError(
      "DATASIZE_OVER_LIMIT",
      start,
      `a ${what} of at most ${MAX_DATASIZE} bytes`,
      `${what} is ${end - start} bytes`,
    );
  }
}
