import { checkInteger, checkOptions } from "../codec/arguments.js";
import { inputBytes } from "../codec/bytes.js";
import type { BytesInput } from "../codec/packet.js";
import { type TextEncoding, textEncoding } from "../codec/text.js";
import { PAIR_SLAB } from "../pairs/pair-table.js";
import { PairsView } from "../pairs/pairs-view.js";
import { ScgiError } from "./errors.js";

const COLON = 0x3a;
const COMMA = 0x2c;
/** Digits of the longest length prefix accepted (up to 9999999999). */
export const MAX_PREFIX_DIGITS = 10;

/** A request decoded from one buffer. */
export interface ScgiRequest {
  /** The headers, CONTENT_LENGTH and SCGI included, as a lazy view. */
  readonly headers: PairsView;
  readonly contentLength: number;
  /** A view of the body (no copy). */
  readonly body: Uint8Array;
  /** Offset just past the body. */
  readonly end: number;
}

/** Options of the SCGI decoders. */
export interface ScgiDecodeOptions {
  /** Most headers accepted. Defaults to 1024. */
  readonly maxPairs?: number;
  /** How names and values become strings. Defaults to `"latin1"`. */
  readonly encoding?: TextEncoding;
  /** Longest header netstring a streaming parser gathers. Defaults to 1 MiB. */
  readonly maxHeaderLength?: number;
}

/** Defaults of {@link ScgiDecodeOptions}. */
export const DEFAULT_SCGI_OPTIONS: Readonly<Required<ScgiDecodeOptions>> = Object.freeze({
  maxPairs: 1024,
  encoding: "latin1",
  maxHeaderLength: 1024 * 1024,
});

/** @internal Checked options, defaults in. */
export function scgiOptions(options: unknown, where: string): Required<ScgiDecodeOptions> {
  if (options === undefined) return DEFAULT_SCGI_OPTIONS;
  checkOptions(where, options, ["maxPairs", "encoding", "maxHeaderLength"]);
  const o = options as ScgiDecodeOptions;
  const d = DEFAULT_SCGI_OPTIONS;
  return {
    maxPairs:
      o.maxPairs === undefined
        ? d.maxPairs
        : checkInteger("options.maxPairs", o.maxPairs, 0, 2 ** 30),
    encoding: o.encoding === undefined ? d.encoding : textEncoding("options.encoding", o.encoding),
    maxHeaderLength:
      o.maxHeaderLength === undefined
        ? d.maxHeaderLength
        : checkInteger("options.maxHeaderLength", o.maxHeaderLength, 0, 2 ** 31 - 1),
  };
}

/** @internal A byte that cannot continue a length prefix of `digits` digits worth `value`. */
export function badPrefixByte(c: number, digits: number, value: number): boolean {
  const d = c - 0x30;
  return d < 0 || d > 9 || digits === MAX_PREFIX_DIGITS || (digits > 0 && value === 0);
}

/** Reads the length prefix at `p`; returns [length, offset of the block] or throws. */
function readPrefix(buf: Uint8Array, p: number): [number, number] {
  let n = 0;
  let q = p;
  const end = buf.length;
  while (q < end && buf[q] !== COLON) {
    if (badPrefixByte(buf[q]!, q - p, n)) {
      throw new ScgiError(
        "BAD_NETSTRING",
        q,
        "digits (no leading zero) then ':'",
        `byte 0x${buf[q]!.toString(16).padStart(2, "0")} in the length prefix`,
      );
    }
    n = n * 10 + buf[q]! - 0x30;
    q++;
  }
  if (q === end) {
    throw new ScgiError("TRUNCATED", q, "':'", "the input ends inside the length prefix", 1);
  }
  if (q === p) throw new ScgiError("BAD_NETSTRING", q, "a length", "a netstring without digits");
  return [n, q + 1];
}

/** Index of the next NUL in `buf[p, end)`, or -1: a byte loop for short fields, then memchr. */
function nul(buf: Uint8Array, p: number, end: number): number {
  const stop = p + 24 < end ? p + 24 : end;
  for (; p < stop; p++) if (buf[p] === 0) return p;
  if (p === end) return -1;
  const i = buf.indexOf(0, p);
  return i < 0 || i >= end ? -1 : i;
}

/**
 * @internal Decodes the headers block `buf[start, end)` (the netstring's content) in one pass
 * into a lazy view. `base` is added to error offsets.
 */
export function decodeHeadersAt(
  buf: Uint8Array,
  start: number,
  end: number,
  o: Required<ScgiDecodeOptions>,
  base: number,
): PairsView {
  const maxPairs = o.maxPairs;
  const table = PAIR_SLAB.reserve(Math.min(maxPairs, (end - start) >>> 1) * 4 + 4);
  const at0 = PAIR_SLAB.base;
  let count = 0;
  let p = start;
  while (p < end) {
    const nameEnd = nul(buf, p, end);
    const valueEnd = nameEnd < 0 ? -1 : nul(buf, nameEnd + 1, end);
    if (valueEnd < 0) {
      throw new ScgiError(
        "PAIR_OVERRUNS",
        base + p,
        "a NUL-terminated name and value",
        `the netstring ends inside a header ${nameEnd < 0 ? "name" : "value"}`,
      );
    }
    if (count === maxPairs) {
      throw new ScgiError(
        "TOO_MANY_PAIRS",
        base + p,
        `at most ${maxPairs} headers (option maxPairs)`,
        `more than ${maxPairs} headers`,
      );
    }
    const at = at0 + count * 4;
    table[at] = p;
    table[at + 1] = nameEnd;
    table[at + 2] = nameEnd + 1;
    table[at + 3] = valueEnd;
    count++;
    p = valueEnd + 1;
  }
  PAIR_SLAB.commit(count * 4);
  return new PairsView(buf, table, at0, count, o.encoding, ScgiError);
}

/** @internal CONTENT_LENGTH from the first header, which the protocol requires: plain digits. */
export function firstContentLength(headers: PairsView, at: number): number {
  const value =
    headers.size > 0 && headers.keyAt(0) === "CONTENT_LENGTH" ? headers.valueAt(0) : undefined;
  let ok = value !== undefined && value.length > 0 && value.length <= 15;
  let n = 0;
  for (let i = 0; ok && i < value!.length; i++) {
    const d = value!.charCodeAt(i) - 0x30;
    ok = d >= 0 && d <= 9;
    n = n * 10 + d;
  }
  if (!ok) {
    throw new ScgiError(
      "MISSING_CONTENT_LENGTH",
      at,
      "CONTENT_LENGTH first, in digits",
      headers.size > 0
        ? `the first header is ${JSON.stringify(headers.keyAt(0))}=${JSON.stringify(headers.valueAt(0))}`
        : "there are no headers",
    );
  }
  return n;
}

/**
 * Decodes the headers of a netstring's content (`buf` is the content alone, without the length
 * prefix and the comma) into a lazy view. Throws an `ScgiError`.
 */
export function decodeScgiHeaders(buf: BytesInput, options?: ScgiDecodeOptions): PairsView {
  const src = inputBytes("buf", buf);
  return decodeHeadersAt(src, 0, src.length, scgiOptions(options, "decodeScgiHeaders()"), 0);
}

/**
 * Decodes a whole request (the netstring, then CONTENT_LENGTH bytes of body) from `buf` at
 * `offset`. Bytes after the body are not looked at (`end` says where the request ends). Throws an
 * `ScgiError`.
 */
export function decodeScgiRequest(
  buf: BytesInput,
  offset = 0,
  options?: ScgiDecodeOptions,
): ScgiRequest {
  const src = inputBytes("buf", buf);
  const at = checkInteger("offset", offset, 0, src.length);
  const o = scgiOptions(options, "decodeScgiRequest()");
  const [length, start] = readPrefix(src, at);
  const end = src.length;
  if (end - start < length + 1) {
    const needed = length + 1 - (end - start);
    throw new ScgiError(
      "TRUNCATED",
      start,
      `${length + 1} bytes of netstring`,
      `the input ends ${needed} byte${needed === 1 ? "" : "s"} before the end of the netstring`,
      needed,
    );
  }
  if (src[start + length] !== COMMA) {
    throw new ScgiError(
      "BAD_NETSTRING",
      start + length,
      "','",
      `byte 0x${src[start + length]!.toString(16).padStart(2, "0")} where the netstring's ',' belongs`,
    );
  }
  const headers = decodeHeadersAt(src, start, start + length, o, 0);
  const contentLength = firstContentLength(headers, start);
  const bodyStart = start + length + 1;
  if (end - bodyStart < contentLength) {
    const needed = contentLength - (end - bodyStart);
    throw new ScgiError(
      "TRUNCATED",
      end,
      `${contentLength} bytes of body`,
      `the input ends ${needed} byte${needed === 1 ? "" : "s"} before the end of the body`,
      needed,
    );
  }
  return {
    headers,
    contentLength,
    body: src.subarray(bodyStart, bodyStart + contentLength),
    end: bodyStart + contentLength,
  };
}
