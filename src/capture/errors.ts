/**
 * Every way reading a capture can fail. The strings are stable: match on them, not on messages.
 * (Wrong arguments are TypeError/RangeError with an `ERR_*` code, as Node reports them.)
 *
 * - `NOT_A_CAPTURE`: the input is none of pcap, pcapng, hex text or uwsgi bytes.
 * - `UNREADABLE`: the file or stream could not be read (missing file, permission, I/O error);
 *   `cause` is the error the source threw.
 * - `TRUNCATED`: the input ends inside a file header, a record or a block.
 * - `BAD_FILE_HEADER`: a pcap header or pcapng section header with impossible fields.
 * - `BAD_BLOCK`: a pcapng block whose length is not a multiple of 4, too short, or whose trailing
 *   length differs from the leading one, or whose fields run past its end.
 * - `RECORD_TOO_LARGE`: a record or block longer than the reader's `maxRecordSize` (memory bound).
 * - `UNKNOWN_INTERFACE`: a pcapng packet block naming an interface no block described.
 * - `BAD_HEX`: hex text with a character that is not a hex digit, or an odd number of digits.
 */
export type CaptureErrorCode =
  | "NOT_A_CAPTURE"
  | "UNREADABLE"
  | "TRUNCATED"
  | "BAD_FILE_HEADER"
  | "BAD_BLOCK"
  | "RECORD_TOO_LARGE"
  | "UNKNOWN_INTERFACE"
  | "BAD_HEX";

/**
 * The one error type capture reading throws about its input. `offset` is the byte offset in the
 * input where the problem is; `expected` says in a few words what should have been there. The
 * message is the problem in words and the offset, once.
 */
export class CaptureError extends Error {
  /** Stable machine-readable reason. */
  readonly code: CaptureErrorCode;
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  // Not own enumerable fields: inspecting the error shows the code and offset beside the message.
  readonly #expected: string;
  readonly #detail: string;

  constructor(
    code: CaptureErrorCode,
    offset: number,
    expected: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${detail} (offset ${offset})`, options);
    this.name = "CaptureError";
    this.code = code;
    this.offset = offset;
    this.#expected = expected;
    this.#detail = detail;
  }

  /** What should have been there, in a few words. */
  get expected(): string {
    return this.#expected;
  }

  /** The problem in words, without the offset (to compose your own message). */
  get detail(): string {
    return this.#detail;
  }
}
