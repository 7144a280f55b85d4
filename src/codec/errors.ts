/**
 * Every way bytes can fail to decode or encode. The strings are stable: match on them, not on
 * messages. (Wrong arguments are not here: they are TypeError/RangeError with Node's `ERR_*`
 * codes, see `ArgumentErrorCode`.)
 *
 * - `TRUNCATED`: the input ends before the packet does; `needed` says how many more bytes are required.
 * - `KEY_OVERRUNS_DATASIZE`: a key's length field or bytes run past the end of the vars block.
 * - `VALUE_OVERRUNS_DATASIZE`: a value's length field or bytes run past the end of the vars block.
 * - `ITEM_OVERRUNS_DATASIZE`: an array item's length runs past the end of the payload.
 * - `TRAILING_BYTES`: 1 to 3 bytes are left inside datasize after the last complete entry.
 * - `EMPTY_KEY`: a var with a zero-length key (uWSGI drops such a request).
 * - `DATASIZE_OVER_LIMIT`: datasize is larger than the decoder's `maxDatasize`.
 * - `TOO_MANY_VARS`: more vars (or array items) than the decoder's limit.
 * - `INVALID_UTF8`: bytes asked for as a `utf8` string are not valid UTF-8.
 * - `UNENCODABLE_STRING`: a string the chosen encoding cannot represent (a char above U+00FF in
 *   latin1, a lone surrogate in utf8).
 * - `FIELD_TOO_LONG`: a key, value or array item longer than 65535 bytes.
 * - `PACKET_TOO_LARGE`: a payload longer than 65535 bytes (the u16 datasize cannot say it).
 * - `BUFFER_TOO_SMALL`: the caller's buffer has no room for what is being written; `needed` says
 *   how many more bytes of room.
 * - `BODY_TOO_LARGE`: a request's CONTENT_LENGTH is over the parser's `maxBodySize`.
 * - `INVALID_CONTENT_LENGTH`: CONTENT_LENGTH is not plain digits (parser option `strictContentLength`).
 * - `UNEXPECTED_BYTES`: bytes after a request's body, when the parser is told they are an error.
 * - `PARSER_FAILED`: input given to a parser after an earlier error or after `end()`.
 * - `INVALID_CHUNK`: a chunked body's framing is malformed (a size that is not hex, a missing
 *   CRLF, a bare LF, a control byte in an extension, a malformed trailer field).
 * - `CHUNK_LINE_TOO_LONG`: a chunk-size line (with its extensions) over `maxChunkLineLength`.
 * - `TRAILERS_TOO_LARGE`: a chunked body's trailer fields over `maxTrailerSize`.
 * - `UNSUPPORTED_TRANSFER_ENCODING`: a request whose HTTP_TRANSFER_ENCODING does not end in
 *   `chunked` and that has no CONTENT_LENGTH: where its body ends cannot be known.
 *
 * Well-formed packets that are not the message a decoder reads (RPC, cache, signal, spooler and
 * subscription decoders; `field` names the var or item concerned):
 * - `UNEXPECTED_PACKET`: modifier1 or modifier2 is not one this decoder reads (a signal answer
 *   given to the RPC decoder, an XML-RPC call given to `decodeRpcCall`).
 * - `MISSING_FIELD`: a var or item the message needs is not there (an RPC call without a function
 *   name, an answer over 64 KiB without CONTENT_LENGTH, a cache answer without `status`, a
 *   subscription without `key` or `address`).
 * - `INVALID_FIELD`: a var or item is there but unusable (a length that is not decimal digits, an
 *   empty function name, a cache command uWSGI does not know, a subscription key over 255 bytes).
 * - `NOT_A_SUBSCRIPTION`: a subscription datagram whose modifier1 is not 224.
 * - `DATASIZE_MISMATCH`: a subscription datagram whose datasize is not its length minus the
 *   4-byte header (uWSGI ignores datasize; a strict reader refuses what two readers could read
 *   differently).
 * - `MISPLACED_SIGNATURE`: a subscription's `sign` var that is not its last var, or without a
 *   `unix` var.
 */
export type UwsgiErrorCode =
  | "TRUNCATED"
  | "KEY_OVERRUNS_DATASIZE"
  | "VALUE_OVERRUNS_DATASIZE"
  | "ITEM_OVERRUNS_DATASIZE"
  | "TRAILING_BYTES"
  | "EMPTY_KEY"
  | "DATASIZE_OVER_LIMIT"
  | "TOO_MANY_VARS"
  | "INVALID_UTF8"
  | "UNENCODABLE_STRING"
  | "FIELD_TOO_LONG"
  | "PACKET_TOO_LARGE"
  | "BUFFER_TOO_SMALL"
  | "BODY_TOO_LARGE"
  | "INVALID_CONTENT_LENGTH"
  | "UNEXPECTED_BYTES"
  | "PARSER_FAILED"
  | "INVALID_CHUNK"
  | "CHUNK_LINE_TOO_LONG"
  | "TRAILERS_TOO_LARGE"
  | "UNSUPPORTED_TRANSFER_ENCODING"
  | "UNEXPECTED_PACKET"
  | "MISSING_FIELD"
  | "INVALID_FIELD"
  | "NOT_A_SUBSCRIPTION"
  | "DATASIZE_MISMATCH"
  | "MISPLACED_SIGNATURE";

/**
 * The one error type for bad BYTES (wrong arguments are TypeError/RangeError with an `ERR_*` code,
 * as Node reports them). `offset` is the byte offset in the input (decode) or in the output being
 * built (encode) where the problem is. The message is the detail in words and the offset, once.
 */
export class UwsgiError extends Error {
  /** Stable machine-readable reason. */
  readonly code: UwsgiErrorCode;
  /** Byte offset where the problem was found. */
  readonly offset: number;
  /**
   * How many more bytes are needed (at least): of input for `TRUNCATED`, of room in the target
   * for `BUFFER_TOO_SMALL`. Otherwise 0.
   */
  readonly needed: number;
  /**
   * The var or item concerned (`"CONTENT_LENGTH"`, `"status"`, `"key"`) when a well-formed packet
   * is not the message asked for (`MISSING_FIELD`, `INVALID_FIELD`, `MISPLACED_SIGNATURE`);
   * otherwise undefined (and not an own property).
   */
  declare readonly field?: string;
  // Not own enumerable fields: inspecting the error shows code, offset and needed beside the
  // message, and the detail is not printed twice.
  readonly #expected: string;
  readonly #detail: string;

  static {
    // On the prototype, as Error's own `name`: not one more own field to print.
    Object.defineProperty(UwsgiError.prototype, "name", {
      value: "UwsgiError",
      writable: true,
      configurable: true,
    });
  }

  /**
   * `expected` says in a few words what should have been there; `detail` is the problem in words
   * (without the code or the offset, which the message adds); `field` names the var or item
   * concerned, when there is one.
   */
  constructor(
    code: UwsgiErrorCode,
    offset: number,
    expected: string,
    detail: string,
    needed = 0,
    field?: string,
  ) {
    super(`${detail} (offset ${offset})`);
    this.code = code;
    this.offset = offset;
    this.needed = needed;
    if (field !== undefined) this.field = field;
    this.#expected = expected;
    this.#detail = detail;
  }

  /** What should have been there, in a few words (e.g. `"3 more bytes of 10-byte packet"`). */
  get expected(): string {
    return this.#expected;
  }

  /** The problem in words, without the code and offset (to compose your own message). */
  get detail(): string {
    return this.#detail;
  }
}

/** The input stops `needed` bytes short of what `what` requires. */
export function truncated(offset: number, needed: number, what: string): UwsgiError {
  return new UwsgiError(
    "TRUNCATED",
    offset,
    `${needed} more byte${needed === 1 ? "" : "s"} of ${what}`,
    `input ends ${needed} byte${needed === 1 ? "" : "s"} before the end of the ${what}`,
    needed,
  );
}
