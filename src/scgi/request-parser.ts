import { copyBytes } from "../codec/bytes.js";
import { pushedBytes } from "../pairs/chunk-bytes.js";
import type { PairsView } from "../pairs/pairs-view.js";
import { gatherBuffer } from "../parser/gather-slab.js";
import { ScgiError } from "./errors.js";
import {
  badPrefixByte,
  decodeHeadersAt,
  firstContentLength,
  type ScgiDecodeOptions,
  scgiOptions,
} from "./request-decode.js";

/** What a streaming SCGI parser reports. */
export interface ScgiHandler {
  /** The netstring is in: its headers and the body length they announce. */
  onHeaders(headers: PairsView, contentLength: number): void;
  /** A piece of the body (a view of the pushed chunk). */
  onBody(piece: Uint8Array): void;
  /** The body is complete: the request is over. */
  onBodyEnd(): void;
}

const COLON = 0x3a;
const COMMA = 0x2c;
const PREFIX = 0;
const BLOCK = 1;
const BODY = 2;
const DONE = 3;
const FAILED = 4;

/**
 * Streaming SCGI request parser, split anywhere: the length prefix digit by digit, the netstring
 * as a view when it arrives whole in one chunk (else one copy of its exact size), then the body
 * as views. One request per connection, as the protocol has it: bytes after the body are
 * `UNEXPECTED_BYTES`.
 */
export class ScgiParser {
  readonly #handler: ScgiHandler;
  readonly #options: Required<ScgiDecodeOptions>;
  #state = PREFIX;
  #length = 0;
  #digits = 0;
  #block: Uint8Array | undefined;
  #fill = 0;
  #bodyLeft = 0;
  #offset = 0;

  constructor(handler: ScgiHandler, options?: ScgiDecodeOptions) {
    this.#handler = handler;
    this.#options = scgiOptions(options, "ScgiParser");
  }

  /** Parses `chunk`; throws an `ScgiError` on bad bytes (the parser then refuses more). */
  push(chunk: Uint8Array): void {
    const bytes = pushedBytes(chunk);
    if (this.#state === FAILED || this.#state === DONE) {
      throw new ScgiError(
        "PARSER_FAILED",
        this.#offset,
        "a new parser",
        this.#state === DONE ? "the request is over" : "the parser failed on earlier input",
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
      if (this.#state === PREFIX) {
        const c = chunk[p++]!;
        this.#offset++;
        if (c === COLON && this.#digits > 0) {
          const max = this.#options.maxHeaderLength;
          if (this.#length > max) {
            // Checked before anything is gathered: the prefix alone may announce gigabytes.
            throw new ScgiError(
              "HEADERS_TOO_LARGE",
              this.#offset - 1,
              `a header netstring of at most ${max} bytes (option maxHeaderLength)`,
              `the length prefix announces ${this.#length} bytes`,
            );
          }
          this.#state = BLOCK;
          // The whole netstring (content and comma) in this chunk: decode it in place.
          if (n - p > this.#length) {
            this.#blockDone(chunk, p);
            p += this.#length + 1;
            this.#offset += this.#length + 1;
          }
          continue;
        }
        if (badPrefixByte(c, this.#digits, this.#length)) {
          throw new ScgiError(
            "BAD_NETSTRING",
            this.#offset - 1,
            "digits (no leading zero) then ':'",
            `byte 0x${c.toString(16).padStart(2, "0")} in the length prefix`,
          );
        }
        this.#length = this.#length * 10 + c - 0x30;
        this.#digits++;
      } else if (this.#state === BLOCK) {
        this.#block ??= gatherBuffer(this.#length + 1);
        const block = this.#block;
        const take = Math.min(block.length - this.#fill, n - p);
        copyBytes(chunk, p, p + take, block, this.#fill);
        this.#fill += take;
        p += take;
        this.#offset += take;
        if (this.#fill === block.length) this.#blockDone(block, 0);
      } else if (this.#state === BODY) {
        const take = this.#bodyLeft < n - p ? this.#bodyLeft : n - p;
        this.#handler.onBody(chunk.subarray(p, p + take));
        p += take;
        this.#offset += take;
        this.#bodyLeft -= take;
        if (this.#bodyLeft === 0) this.#finish();
      } else {
        throw new ScgiError(
          "UNEXPECTED_BYTES",
          this.#offset,
          "the end of the input",
          `${n - p} bytes after the body (SCGI carries one request per connection)`,
        );
      }
    }
  }

  #blockDone(buf: Uint8Array, start: number): void {
    const end = start + this.#length;
    // Where the block starts in the stream, for error offsets inside it.
    const base = buf === this.#block ? this.#offset - this.#length - 1 : this.#offset - start;
    if (buf[end] !== COMMA) {
      throw new ScgiError(
        "BAD_NETSTRING",
        base + end,
        "','",
        `byte 0x${buf[end]!.toString(16).padStart(2, "0")} where the netstring's ',' belongs`,
      );
    }
    const headers = decodeHeadersAt(buf, start, end, this.#options, base);
    this.#bodyLeft = firstContentLength(headers, base + start);
    this.#state = BODY;
    this.#handler.onHeaders(headers, this.#bodyLeft);
    if (this.#bodyLeft === 0) this.#finish();
  }

  #finish(): void {
    this.#state = DONE;
    this.#handler.onBodyEnd();
  }

  /** Says the input is over; throws `TRUNCATED` before the body's end. */
  end(): void {
    if (this.#state === DONE || this.#state === FAILED) return;
    this.#state = FAILED;
    throw new ScgiError(
      "TRUNCATED",
      this.#offset,
      "the rest of the request",
      "the input ended inside the request",
    );
  }
}
