/**
 * Every way FastCGI decoding or encoding can fail. The strings are stable: match on them, not on
 * messages.
 *
 * - `TRUNCATED`: the input ends inside a record or a name-value pair; `needed` says how many more
 *   bytes are required at least (0 when a streaming parser was told the input is over).
 * - `BAD_VERSION`: a record whose version byte is not 1.
 * - `UNEXPECTED_RECORD`: a record of a type, length or request id the exchange cannot have there.
 * - `PAIR_OVERRUNS`: a name or value runs past the end of the PARAMS stream.
 * - `TOO_MANY_PAIRS`: more name-value pairs than the decoder's `maxPairs`.
 * - `PARAMS_TOO_LARGE`: a PARAMS stream longer than the streaming parser's `maxParamsLength`,
 *   refused before it is gathered.
 * - `INVALID_UTF8`: bytes asked for as a `utf8` string are not valid UTF-8.
 * - `UNENCODABLE_STRING`: a name or value the chosen encoding cannot represent (a char over
 *   U+00FF in latin1, a lone surrogate in utf8).
 * - `PARSER_FAILED`: input given to a parser after an earlier error.
 */
export type FastcgiErrorCode =
  | "TRUNCATED"
  | "BAD_VERSION"
  | "UNEXPECTED_RECORD"
  | "PAIR_OVERRUNS"
  | "TOO_MANY_PAIRS"
  | "PARAMS_TOO_LARGE"
  | "INVALID_UTF8"
  | "UNENCODABLE_STRING"
  | "PARSER_FAILED";

/**
 * The error for bad FastCGI BYTES (wrong arguments are Node's TypeError/RangeError with an
 * `ERR_*` code). `offset` is where the problem is: in the input (decode; for a streaming parser,
 * counted from its first byte) or in the output being built (encode).
 */
export class FastcgiError extends Error {
  /** Stable machine-readable reason. */
  readonly code: FastcgiErrorCode;
  /** Byte offset of the problem. */
  readonly offset: number;
  /** For `TRUNCATED`: how many more bytes are needed at least; otherwise 0. */
  readonly needed: number;
  readonly #expected: string;
  readonly #detail: string;

  constructor(
    code: FastcgiErrorCode,
    offset: number,
    expected: string,
    detail: string,
    needed = 0,
  ) {
    super(`${detail} (offset ${offset})`);
    this.name = "FastcgiError";
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
