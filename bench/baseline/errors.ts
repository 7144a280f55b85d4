/**
 * Why a FastCGI or SCGI baseline codec refused its input. Stable strings, as for `UwsgiError`.
 *
 * - `TRUNCATED`: the input ends inside a record, a pair or a netstring.
 * - `BAD_VERSION`: a FastCGI record whose version byte is not 1.
 * - `UNEXPECTED_RECORD`: a record of a type, or for a request id, the request cannot have there.
 * - `PAIR_OVERRUNS`: a name or value runs past the end of its block.
 * - `TOO_MANY_PAIRS`: more name-value pairs than the decoder's limit.
 * - `PARAMS_TOO_LARGE`: a PARAMS stream or SCGI header netstring longer than the streaming
 *   parser's limit (`maxParamsLength`, `maxHeaderLength`), refused before it is gathered.
 * - `BAD_NETSTRING`: an SCGI length prefix that is not plain digits followed by `:`, or no `,` after it.
 * - `MISSING_CONTENT_LENGTH`: an SCGI block whose first header is not CONTENT_LENGTH with digits.
 * - `BODY_LENGTH_MISMATCH`: a body that is not the length the request declares.
 * - `UNENCODABLE`: a name or value the protocol cannot carry (a NUL in SCGI, a char over U+00FF).
 * - `PARSER_FAILED`: input after an earlier error or after `end()`.
 */
export type BaselineErrorCode =
  | "TRUNCATED"
  | "BAD_VERSION"
  | "UNEXPECTED_RECORD"
  | "PAIR_OVERRUNS"
  | "TOO_MANY_PAIRS"
  | "PARAMS_TOO_LARGE"
  | "BAD_NETSTRING"
  | "MISSING_CONTENT_LENGTH"
  | "BODY_LENGTH_MISMATCH"
  | "UNENCODABLE"
  | "PARSER_FAILED";

/** The one error the baseline codecs throw: protocol, stable code, byte offset, what was expected. */
export class BaselineError extends Error {
  readonly protocol: "fastcgi" | "scgi";
  readonly code: BaselineErrorCode;
  readonly offset: number;
  readonly expected: string;

  constructor(
    protocol: "fastcgi" | "scgi",
    code: BaselineErrorCode,
    offset: number,
    expected: string,
    detail: string,
  ) {
    super(`${protocol} ${code} at byte ${offset}: ${detail} (expected ${expected})`);
    this.name = "BaselineError";
    this.protocol = protocol;
    this.code = code;
    this.offset = offset;
    this.expected = expected;
  }
}
