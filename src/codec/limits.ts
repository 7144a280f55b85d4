import { checkBoolean, checkInteger, checkOneOf, checkOptions } from "./arguments.js";
import { inputBytes } from "./bytes.js";
import { MAX_DATASIZE } from "./constants.js";
import { UwsgiError } from "./errors.js";
import type { PayloadKind } from "./modifiers.js";
import { type TextEncoding, type TextEncodingName, textEncoding } from "./text.js";

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
  readonly encoding?: TextEncodingName;
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
  readonly encoding?: TextEncodingName;
}

/** The keys of {@link DecodeOptions}, for callers that accept them beside options of their own. */
export const DECODE_OPTION_KEYS: readonly (keyof DecodeOptions)[] = Object.freeze([
  "maxDatasize",
  "maxVars",
  "maxItems",
  "allowEmptyKeys",
  "encoding",
  "payload",
]);

const PAYLOADS: readonly (PayloadKind | "auto")[] = ["auto", "vars", "array", "raw", "empty"];
const ENCODE_OPTION_KEYS: readonly string[] = ["encoding"];
// The spellings node:http or TextDecoder users may reach for.
const ALIASES: Readonly<Record<string, string>> = {
  maxHeaderSize: "maxDatasize",
  maxHeadersCount: "maxVars",
  fatal: "encoding",
};

/** @internal Decode options, checked, with every default filled in. */
export interface DecodeSettings {
  readonly maxDatasize: number;
  readonly maxVars: number;
  readonly maxItems: number;
  readonly allowEmptyKeys: boolean;
  readonly encoding: TextEncoding;
  readonly payload: PayloadKind | "auto";
}

/** @internal The settings when no options are given. */
export const DEFAULT_SETTINGS: DecodeSettings = Object.freeze({
  maxDatasize: DEFAULT_DECODE_OPTIONS.maxDatasize,
  maxVars: DEFAULT_DECODE_OPTIONS.maxVars,
  maxItems: DEFAULT_DECODE_OPTIONS.maxItems,
  allowEmptyKeys: false,
  encoding: "latin1",
  payload: "auto",
});

/**
 * @internal Checks decode options and fills in the defaults: an unknown key, a value of the wrong
 * type or out of range is an argument error (ERR_UNKNOWN_OPTION, ERR_INVALID_ARG_TYPE,
 * ERR_OUT_OF_RANGE...), whatever the packet turns out to need. `where` names the function in the
 * message; `extraKeys` are the caller's own options (a parser's), checked by the caller.
 */
export function decodeSettings(
  options: unknown,
  where: string,
  extraKeys?: readonly string[],
): DecodeSettings {
  if (options === undefined) return DEFAULT_SETTINGS;
  // Small enough for V8 to inline into every decode: the same object with the same values.
  if (options === lastOptions && extraKeys === lastExtraKeys && sameValues(options)) {
    return lastSettings;
  }
  return checkDecodeOptions(options, where, extraKeys);
}

function checkDecodeOptions(
  options: unknown,
  where: string,
  extraKeys: readonly string[] | undefined,
): DecodeSettings {
  checkOptions(
    where,
    options,
    extraKeys === undefined ? DECODE_OPTION_KEYS : [...DECODE_OPTION_KEYS, ...extraKeys],
    ALIASES,
  );
  const o = options as DecodeOptions;
  const d = DEFAULT_SETTINGS;
  const settings: DecodeSettings = {
    maxDatasize:
      o.maxDatasize === undefined
        ? d.maxDatasize
        : checkInteger("options.maxDatasize", o.maxDatasize, 0, MAX_DATASIZE),
    maxVars:
      o.maxVars === undefined
        ? d.maxVars
        : checkInteger("options.maxVars", o.maxVars, 0, Number.POSITIVE_INFINITY),
    maxItems:
      o.maxItems === undefined
        ? d.maxItems
        : checkInteger("options.maxItems", o.maxItems, 0, Number.POSITIVE_INFINITY),
    allowEmptyKeys:
      o.allowEmptyKeys === undefined
        ? d.allowEmptyKeys
        : checkBoolean("options.allowEmptyKeys", o.allowEmptyKeys),
    encoding: o.encoding === undefined ? d.encoding : textEncoding("options.encoding", o.encoding),
    payload:
      o.payload === undefined ? d.payload : checkOneOf("options.payload", o.payload, PAYLOADS),
  };
  lastOptions = options;
  lastExtraKeys = extraKeys;
  seenMaxDatasize = o.maxDatasize;
  seenMaxVars = o.maxVars;
  seenMaxItems = o.maxItems;
  seenAllowEmptyKeys = o.allowEmptyKeys;
  seenEncoding = o.encoding;
  seenPayload = o.payload;
  lastSettings = settings;
  return settings;
}

// The last options object checked and what it held: decoding again with the same object (a
// caller keeps one for every packet) skips the checks while its values stay the same. Checking
// every option on every call cost about 45 ns of a 190 ns decode (nginx-get, Node 20.20). The
// values are kept as variables, not in a copy of the object: a program with options objects of
// several shapes then reads only its own object's (a copy's changing shape made every read here
// polymorphic).
let lastOptions: unknown;
let lastExtraKeys: readonly string[] | undefined;
let seenMaxDatasize: unknown;
let seenMaxVars: unknown;
let seenMaxItems: unknown;
let seenAllowEmptyKeys: unknown;
let seenEncoding: unknown;
let seenPayload: unknown;
let lastSettings: DecodeSettings = DEFAULT_SETTINGS;

function sameValues(options: unknown): boolean {
  const o = options as DecodeOptions;
  return (
    o.maxDatasize === seenMaxDatasize &&
    o.maxVars === seenMaxVars &&
    o.maxItems === seenMaxItems &&
    o.allowEmptyKeys === seenAllowEmptyKeys &&
    o.encoding === seenEncoding &&
    o.payload === seenPayload
  );
}

/** @internal Checks encode options; returns the encoding they ask for (latin1 by default). */
export function encodeSettings(options: unknown, where: string): TextEncoding {
  if (options === undefined) return "latin1";
  checkOptions(where, options, ENCODE_OPTION_KEYS);
  const e = (options as EncodeOptions).encoding;
  return e === undefined ? "latin1" : textEncoding("options.encoding", e);
}

/** @internal The arguments of decodeVars/decodeArray: `(buf, start?, end?, options?)`. */
export interface BlockArguments {
  readonly src: Uint8Array;
  readonly start: number;
  readonly end: number;
  readonly settings: DecodeSettings;
}

/**
 * @internal Checks `(buf, start?, end?, options?)`, where options may also stand in place of
 * `start` or `end`: `[start, end)` must lie in `buf` and, being one datasize, hold at most 65535
 * bytes (`DATASIZE_OVER_LIMIT`, a UwsgiError: that is about the bytes) and at most
 * `maxDatasize` when that option is given.
 */
export function blockArguments(
  where: string,
  what: string,
  buf: unknown,
  start: unknown,
  end: unknown,
  options: unknown,
): BlockArguments {
  const src = inputBytes("buf", buf);
  if (isOptions(start) && end === undefined && options === undefined) {
    options = start;
    start = undefined;
  } else if (isOptions(end) && options === undefined) {
    options = end;
    end = undefined;
  }
  const settings = decodeSettings(options, where);
  const from = checkInteger("start", start ?? 0, 0, src.length);
  const to = checkInteger("end", end ?? src.length, from, src.length);
  const size = to - from;
  // A block alone has no header: maxDatasize applies when given, the u16 bound always.
  const given = (options as DecodeOptions | undefined)?.maxDatasize !== undefined;
  const limit = given ? settings.maxDatasize : MAX_DATASIZE;
  if (size > limit) {
    throw new UwsgiError(
      "DATASIZE_OVER_LIMIT",
      from,
      `a ${what} of at most ${limit} bytes`,
      given
        ? `${what} is ${size} bytes, over maxDatasize ${limit}`
        : `${what} is ${size} bytes; a datasize says at most ${MAX_DATASIZE}`,
    );
  }
  return { src, start: from, end: to, settings };
}

/** @internal True when an optional numeric argument was given an options object instead. */
export function isOptions(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}
