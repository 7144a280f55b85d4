import { copyBytes } from "../codec/bytes.js";
import { pushedBytes } from "../pairs/chunk-bytes.js";
import { FastcgiError } from "./errors.js";
import { FCGI_VERSION, RECORD_HEADER_SIZE } from "./record.js";

/** Receives records as they stream: content arrives in pieces that are views of the input. */
export interface RecordHandler {
  /** A record header: its type, request id and content length. */
  onRecord(type: number, requestId: number, contentLength: number): void;
  /** A piece of the current record's content (a view of the pushed chunk). */
  onContent(piece: Uint8Array): void;
  /** The current record, padding included, is over. */
  onRecordEnd(): void;
}

const HEADER = 0;
const CONTENT = 1;
const PADDING = 2;
const FAILED = 3;

/**
 * A push parser for FastCGI records, split anywhere: a state machine that copies only a header
 * that arrives split (into 8 bytes of its own) and hands content on as views of the input.
 * An error thrown by the handler or the parser leaves it failed (`PARSER_FAILED` on more input).
 */
export class FcgiRecordParser {
  readonly #handler: RecordHandler;
  #state = HEADER;
  readonly #head = new Uint8Array(RECORD_HEADER_SIZE);
  #headFill = 0;
  #left = 0;
  #padding = 0;
  #offset = 0;

  constructor(handler: RecordHandler) {
    this.#handler = handler;
  }

  /** Bytes consumed so far (for error offsets). */
  get offset(): number {
    return this.#offset;
  }

  /** True between records: a header is not half read and no content or padding is due. */
  get atBoundary(): boolean {
    return this.#state === HEADER && this.#headFill === 0;
  }

  /** Parses `chunk`, calling the handler for each record part in it. */
  push(chunk: Uint8Array): void {
    const bytes = pushedBytes(chunk);
    if (this.#state === FAILED) {
      throw new FastcgiError(
        "PARSER_FAILED",
        this.#offset,
        "a new parser",
        "the parser failed on earlier input",
      );
    }
    try {
      this.#push(bytes);
    } catch (err) {
      this.#state = FAILED;
      throw err;
    }
  }

  #push(chunk: Uint8Array): void {
    const n = chunk.length;
    let p = 0;
    while (p < n) {
      if (this.#state === HEADER) {
        if (this.#headFill === 0 && n - p >= RECORD_HEADER_SIZE) {
          this.#header(chunk, p);
          p += RECORD_HEADER_SIZE;
        } else {
          const take = Math.min(RECORD_HEADER_SIZE - this.#headFill, n - p);
          copyBytes(chunk, p, p + take, this.#head, this.#headFill);
          this.#headFill += take;
          p += take;
          if (this.#headFill < RECORD_HEADER_SIZE) break;
          this.#headFill = 0;
          this.#header(this.#head, 0);
        }
      } else if (this.#state === CONTENT) {
        const take = this.#left < n - p ? this.#left : n - p;
        this.#handler.onContent(chunk.subarray(p, p + take));
        p += take;
        this.#offset += take;
        this.#left -= take;
        if (this.#left === 0) this.#afterContent();
      } else {
        const take = this.#padding < n - p ? this.#padding : n - p;
        p += take;
        this.#offset += take;
        this.#padding -= take;
        if (this.#padding === 0) {
          this.#state = HEADER;
          this.#handler.onRecordEnd();
        }
      }
    }
  }

  #header(buf: Uint8Array, at: number): void {
    if (buf[at] !== FCGI_VERSION) {
      throw new FastcgiError(
        "BAD_VERSION",
        this.#offset,
        "version 1",
        `a record with version ${buf[at]}`,
      );
    }
    const type = buf[at + 1]!;
    const id = (buf[at + 2]! << 8) | buf[at + 3]!;
    this.#left = (buf[at + 4]! << 8) | buf[at + 5]!;
    this.#padding = buf[at + 6]!;
    // The handler sees the offset of this record's header, for its own errors.
    this.#handler.onRecord(type, id, this.#left);
    this.#offset += RECORD_HEADER_SIZE;
    if (this.#left > 0) this.#state = CONTENT;
    else this.#afterContent();
  }

  #afterContent(): void {
    if (this.#padding > 0) {
      this.#state = PADDING;
      return;
    }
    this.#state = HEADER;
    this.#handler.onRecordEnd();
  }

  /** Says the input is over; throws `TRUNCATED` inside a record. */
  end(): void {
    if (this.#state === FAILED) return;
    if (!this.atBoundary) {
      this.#state = FAILED;
      throw new FastcgiError(
        "TRUNCATED",
        this.#offset,
        "the rest of a record",
        "the input ended inside a record",
      );
    }
  }
}
