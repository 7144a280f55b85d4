/**
 * Every way SCGI decoding or encoding can fail. The strings are stable: match on them, not on
 * messages.
 *
 * - `TRUNCATED`: the input ends inside the netstring or the body; `needed` says how many more
 *   bytes are required at least (0 when a streaming parser was told the input is over).
 * - `BAD_NETSTRING`: a length prefix that is not plain digits (no leading zero) followed by `:`,
 *   or no `,` after the announced length.
 * - `PAIR_OVERRUNS`: a name or value without its terminating NUL inside the netstring.
 * - `TOO_MANY_PAIRS`: more headers than the decoder's `maxPairs`.
 * - `HEADERS_TOO_LARGE`: a netstring longer than the streaming parser's `maxHeaderLength`,
 *   refused from its length prefix, before anything is gathered.
 * - `MISSING_CONTENT_LENGTH`: the first header is not CONTENT_LENGTH with plain digits, as the
 *   protocol requires.
 * - `UNEXPECTED_BYTES`: bytes after the body (SCGI has one request per connection).
 * - `INVALID_UTF8`: bytes asked for as a `utf8` string are not valid UTF-8.
 * - `UNENCODABLE_STRING`: a name or value SCGI cannot carry (a NUL) or the chosen encoding cannot
 *   represent (a char over U+00FF in latin1, a lone surrogate in utf8).
 * - `PARSER_FAILED`: input given to a parser after an earlier error or after the request.
 */
export type ScgiErrorCode =
  | "TRUNCATED"
  | "BAD_NETSTRING"
  | "PAIR_OVERRUNS"
  | "TOO_MANY_PAIRS"
  | "HEADERS_TOO_LARGE"
  | "MISSING_CONTENT_LENGTH"
  | "UNEXPECTED_BYTES"
  | "INVALID_UTF8"
  | "UNENCODABLE_STRING"
  | "PARSER_FAILED";

/**
 * The error for bad SCGI BYTES (wrong arguments are Node's TypeError/RangeError with an
 * `ERR_*` code). `offset` is where the problem is: in the input (decode; for a streaming parser,
 * counted from its first byte) or in the output being built (encode).
 */
export class ScgiError extends Error {
  /** Stable machine-readable reason. */
  readonly code: ScgiErrorCode;
  /** Byte offset of the problem. */
  readonly offset: number;
  /** For `TRUNCATED`: how many more bytes are needed at least; otherwise 0. */
  readonly needed: number;
  readonly #expected: string;
  readonly #detail: string;

  constructor(code: ScgiErrorCode, offset: number, expected: string, detail: string, needed = 0) {
    super(`${detail} (offset ${offset})`);
    this.name = "ScgiError";
    this.code = code;
    this.offset = offset;
    this.needed = needed;
    this.#expected = expected;
    this.#detail = detail;
  }

  /** What should have been there, in a few words. */
  get expected(): string {
    return this.#expected;
  }

  /** The problem in words, without the offset. */
  get detail(): string {
    return this.#detail;
  }
}
