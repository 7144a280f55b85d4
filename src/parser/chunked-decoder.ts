import { checkInteger, checkOptions, invalidArgType } from "../codec/arguments.js";
import { truncated, UwsgiError } from "../codec/errors.js";
import type { BytesInput } from "../codec/packet.js";
import { chunkBytes } from "./chunk-argument.js";
import { isFieldByte, TOKEN } from "./http-chars.js";

// HTTP/1.1 chunked framing (RFC 9112 section 7.1) as a byte-at-a-time state machine over the
// framing and views over the data: nothing is ever held, so a trickle costs what a burst does.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   last-chunk   = 1*("0") [ chunk-ext ] CRLF
//
// Line ends must be CRLF: a bare LF or a CR without LF is refused, as llhttp (Node) does by
// default, because a decoder that accepts one where another refuses is how bodies get smuggled.

/** Where a {@link ChunkedDecoder} puts the data it decodes (the same shape as a parser handler). */
export interface ChunkedHandler {
  /** A piece of the decoded body: a view of the bytes given to `write`, never a copy. */
  onBody?(piece: Uint8Array): void;
}

/** Options of {@link ChunkedDecoder}. Each field's default is in {@link DEFAULT_CHUNKED_OPTIONS}. */
export interface ChunkedDecoderOptions {
  /**
   * Most decoded bytes in the body (Infinity for no limit). Defaults to Infinity: data is passed
   * on, never held. A chunk whose size would cross it is `BODY_TOO_LARGE` before any of its bytes
   * is passed on.
   */
  readonly maxBodySize?: number;
  /**
   * Longest chunk-size line in bytes, extensions and CRLF included. Defaults to 4096: a size
   * needs at most 16 bytes, and the limit bounds how long a peer can send framing without data.
   * Over it: `CHUNK_LINE_TOO_LONG`.
   */
  readonly maxChunkLineLength?: number;
  /**
   * Most bytes of trailer fields after the last chunk (their CRLFs included, the final CRLF not).
   * Defaults to 16384, Node's `maxHeaderSize`. Trailers are checked and dropped, as nginx and
   * uWSGI drop them. Over it: `TRAILERS_TOO_LARGE`.
   */
  readonly maxTrailerSize?: number;
  /** Stream offset of the first byte given, so error offsets count from the stream's start. Defaults to 0. */
  readonly offset?: number;
}

/** The defaults of {@link ChunkedDecoderOptions}. */
export const DEFAULT_CHUNKED_OPTIONS: Readonly<Required<ChunkedDecoderOptions>> = Object.freeze({
  maxBodySize: Number.POSITIVE_INFINITY,
  maxChunkLineLength: 4096,
  maxTrailerSize: 16384,
  offset: 0,
});

const OPTION_KEYS = Object.keys(DEFAULT_CHUNKED_OPTIONS);

const SIZE = 0; // hex digits of the chunk size (at least one)
const SIZE_WS = 1; // whitespace after the size, before ';'
const EXT = 2; // chunk extensions, up to the CR
const SIZE_LF = 3; // the LF of the size line
const DATA = 4;
const DATA_CR = 5; // the CRLF after the data
const DATA_LF = 6;
const TRAILER = 7; // start of a trailer line, or the final CRLF
const TRAILER_NAME = 8;
const TRAILER_VALUE = 9;
const TRAILER_LF = 10;
const END_LF = 11; // the LF of the final CRLF
const DONE = 12;
const FAILED = 13;

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const SEMICOLON = 0x3b;
const COLON = 0x3a;

// Hex digit values, -1 for anything else.
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

// What INVALID_CHUNK says for a wrong byte in each state: what was expected, where it was.
const AFTER_SIZE = FAILED + 1;
const WRONG: readonly (readonly [string, string])[] = [
  ["a hex chunk size", "starts the chunk-size line"],
  ["';' (a chunk extension) after whitespace", "follows whitespace after the chunk size"],
  ["extension text then CRLF", "inside a chunk extension"],
  ["LF after CR", "follows the CR of a chunk-size line"],
  ["", ""],
  ["CRLF after the chunk data", "follows the chunk data"],
  ["LF after CR", "follows the CR after the chunk data"],
  ["a trailer field name or the final CRLF", "starts a trailer line"],
  ["a field name then ':'", "in a trailer field name"],
  ["field text then CRLF", "in a trailer field value"],
  ["LF after CR", "follows the CR of a trailer field"],
  ["LF after CR", "follows the final CR"],
  ["", ""],
  ["", ""],
  ["a hex digit, ';' or CRLF after the chunk size", "follows the chunk size"],
];

// Beyond this a chunk size no longer fits a double exactly.
const MAX_SIZE_BEFORE_DIGIT = Math.floor(Number.MAX_SAFE_INTEGER / 16);

/**
 * A streaming decoder of an HTTP/1.1 chunked body: feed it the bytes as they come, split
 * anywhere; it hands the data to `handler.onBody` as views of those bytes and stops exactly after
 * the body's last byte (the CRLF that ends the trailer section). The work is linear in the input,
 * and it holds nothing between calls but a few numbers.
 *
 * ```ts
 * const decoder = new ChunkedDecoder({ onBody: (piece) => out.push(piece) });
 * const used = decoder.write(bytes); // < bytes.length when the body ended inside `bytes`
 * decoder.done;                      // true once the last chunk and trailers are in
 * decoder.end();                     // TRUNCATED if the stream stopped before that
 * ```
 *
 * Errors are `UwsgiError`s whose offset counts from `options.offset`: `INVALID_CHUNK` (a size
 * that is not hex, a missing CRLF, a bare LF, a control byte, a malformed trailer),
 * `CHUNK_LINE_TOO_LONG`, `TRAILERS_TOO_LARGE`, `BODY_TOO_LARGE` (over `maxBodySize`, or a size too
 * large to be exact) and, from `end()`, `TRUNCATED`. After one, the decoder refuses input with
 * `PARSER_FAILED`.
 */
export class ChunkedDecoder {
  readonly #handler: ChunkedHandler;
  readonly #maxBody: number;
  readonly #maxLine: number;
  readonly #maxTrailer: number;
  #state = SIZE;
  // The size being read, then the data bytes left in the chunk.
  #size = 0;
  #digits = 0;
  #line = 0;
  #trailer = 0;
  #total = 0;
  // Stream offset of the next byte to be given.
  #at: number;
  #failure: UwsgiError | null = null;

  constructor(handler: ChunkedHandler, options?: ChunkedDecoderOptions) {
    if (handler === null || typeof handler !== "object") {
      throw invalidArgType("handler", "an object such as { onBody(piece) {} }", handler);
    }
    if (handler.onBody !== undefined && typeof handler.onBody !== "function") {
      throw invalidArgType("handler.onBody", "a function", handler.onBody);
    }
    checkOptions("ChunkedDecoder", options, OPTION_KEYS);
    const o = { ...DEFAULT_CHUNKED_OPTIONS, ...options };
    this.#handler = handler;
    this.#maxBody = checkInteger("maxBodySize", o.maxBodySize, 0, Number.POSITIVE_INFINITY);
    this.#maxLine = checkInteger("maxChunkLineLength", o.maxChunkLineLength, 3, 1 << 30);
    this.#maxTrailer = checkInteger("maxTrailerSize", o.maxTrailerSize, 0, 1 << 30);
    this.#at = checkInteger("offset", o.offset, 0, Number.MAX_SAFE_INTEGER);
  }

  /** True once the whole body (last chunk, trailers, final CRLF) has been read. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /** Decoded bytes passed on so far. */
  get bodyLength(): number {
    return this.#total;
  }

  /**
   * Decodes `chunk[start, end)`; returns the index just after the last byte it used: `end`, or
   * less when the body ended inside the range (the rest is not the body's). Throws the first
   * `UwsgiError`; input after `done` is not used (the return value is `start`).
   */
  write(chunk: BytesInput, start = 0, end?: number): number {
    const bytes = chunkBytes(chunk);
    const stop = end ?? bytes.length;
    if (start !== 0 || stop !== bytes.length) {
      checkInteger("start", start, 0, bytes.length);
      checkInteger("end", stop, start, bytes.length);
    }
    const next = this.decode(bytes, start, stop);
    if (next < 0) throw this.#failure!;
    return next;
  }

  /** The stream ended: throws `TRUNCATED` (with the bytes still needed, at least) unless `done`. */
  end(): void {
    const state = this.#state;
    if (state === DONE) return;
    if (state === FAILED) throw this.#refuse();
    this.#state = FAILED;
    this.#failure = truncated(this.#at, this.#needed(state), "chunked body");
    throw this.#failure;
  }

  /**
   * @internal The parser's entry: like `write` without argument checks, and -1 instead of a throw
   * (see `failure`), so the parser tells its own errors from those of the callbacks it runs.
   */
  decode(buf: Uint8Array, start: number, end: number): number {
    const state0 = this.#state;
    if (state0 === FAILED) {
      this.#failure = this.#refuse();
      return -1;
    }
    if (state0 === DONE) return start;
    // Stream offset of buf[0]: error offsets are origin + index.
    const origin = this.#at - start;
    let p = start;
    let state = state0;
    while (p < end) {
      if (state === DATA) {
        const n = Math.min(this.#size, end - p);
        this.#size -= n;
        this.#total += n;
        if (this.#size === 0) state = DATA_CR;
        // State first, then the callback: whatever it does, the decoder is consistent.
        this.#state = state;
        this.#at = origin + p + n;
        this.#handler.onBody?.(buf.subarray(p, p + n));
        p += n;
        continue;
      }
      const c = buf[p]!;
      // The state after this byte, or -1 when the byte is wrong there.
      let next = -1;
      if (state <= SIZE_LF) {
        if (++this.#line > this.#maxLine) {
          return this.#fail(
            origin + p,
            "CHUNK_LINE_TOO_LONG",
            `a chunk-size line of at most ${this.#maxLine} bytes (option maxChunkLineLength)`,
            "the chunk-size line goes on past the limit",
          );
        }
        if (state === SIZE) {
          const d = HEX[c]!;
          if (d >= 0) {
            if (this.#size > MAX_SIZE_BEFORE_DIGIT) {
              return this.#fail(
                origin + p,
                "BODY_TOO_LARGE",
                "a chunk size below 2^53",
                "the chunk size is too large to be exact",
              );
            }
            this.#size = this.#size * 16 + d;
            this.#digits++;
            next = SIZE;
          } else if (this.#digits === 0) next = -1;
          else if (c === CR) next = SIZE_LF;
          else if (c === SEMICOLON) next = EXT;
          else if (c === SP || c === HTAB) next = SIZE_WS;
          else state = AFTER_SIZE;
        } else if (state === SIZE_WS) {
          if (c === SEMICOLON) next = EXT;
          else if (c === SP || c === HTAB) next = SIZE_WS;
        } else if (state === EXT) {
          if (c === CR) next = SIZE_LF;
          else if (isFieldByte(c)) next = EXT;
        } else if (c === LF) {
          // The size line is complete.
          const lineStart = origin + p - this.#line + 1;
          this.#line = 0;
          this.#digits = 0;
          if (this.#size === 0) next = TRAILER;
          else if (this.#size <= this.#maxBody - this.#total) next = DATA;
          else {
            return this.#fail(
              lineStart,
              "BODY_TOO_LARGE",
              `a body of at most ${this.#maxBody} bytes (option maxBodySize)`,
              `a ${this.#size}-byte chunk after ${this.#total} bytes`,
            );
          }
        }
      } else if (state === DATA_CR) {
        if (c === CR) next = DATA_LF;
      } else if (state === DATA_LF) {
        if (c === LF) next = SIZE;
      } else if (state === END_LF) {
        if (c === LF) {
          this.#state = DONE;
          this.#at = origin + p + 1;
          return p + 1;
        }
      } else if (state === TRAILER && c === CR) {
        next = END_LF;
      } else {
        // Trailer fields, name ':' value CRLF, counted against maxTrailerSize.
        if (++this.#trailer > this.#maxTrailer) {
          return this.#fail(
            origin + p,
            "TRAILERS_TOO_LARGE",
            `trailer fields of at most ${this.#maxTrailer} bytes (option maxTrailerSize)`,
            "the trailer section goes on past the limit",
          );
        }
        if (state === TRAILER) {
          if (TOKEN[c] === 1) next = TRAILER_NAME;
        } else if (state === TRAILER_NAME) {
          if (TOKEN[c] === 1) next = TRAILER_NAME;
          else if (c === COLON) next = TRAILER_VALUE;
        } else if (state === TRAILER_VALUE) {
          if (c === CR) next = TRAILER_LF;
          else if (isFieldByte(c)) next = TRAILER_VALUE;
        } else if (c === LF) {
          next = TRAILER;
        }
      }
      if (next < 0) {
        const [expected, where] = WRONG[state]!;
        return this.#fail(origin + p, "INVALID_CHUNK", expected, `${describe(c)} ${where}`);
      }
      state = next;
      p++;
    }
    this.#state = state;
    this.#at = origin + end;
    return end;
  }

  /** @internal The error that made `decode` return -1. */
  get failure(): UwsgiError | null {
    return this.#failure;
  }

  /** Stops at stream offset `at`. */
  #fail(
    at: number,
    code: "INVALID_CHUNK" | "CHUNK_LINE_TOO_LONG" | "TRAILERS_TOO_LARGE" | "BODY_TOO_LARGE",
    expected: string,
    detail: string,
  ): -1 {
    this.#state = FAILED;
    this.#at = at;
    this.#failure = new UwsgiError(code, at, expected, detail);
    return -1;
  }

  #refuse(): UwsgiError {
    const first = this.#failure!;
    return new UwsgiError(
      "PARSER_FAILED",
      first.offset,
      "a new decoder",
      `the decoder stopped at an earlier ${first.code}`,
    );
  }

  /** Fewest bytes that could still complete the body from `state`. */
  #needed(state: number): number {
    // "0\r\n\r\n": the last chunk and the final CRLF.
    const last = 5;
    switch (state) {
      case SIZE:
        return this.#digits === 0 ? last : this.#size === 0 ? 4 : 2 + this.#size + 2 + last;
      case SIZE_WS:
      case EXT:
        return this.#size === 0 ? 4 : 2 + this.#size + 2 + last;
      case SIZE_LF:
        return this.#size === 0 ? 3 : 1 + this.#size + 2 + last;
      case DATA:
        return this.#size + 2 + last;
      case DATA_CR:
        return 2 + last;
      case DATA_LF:
        return 1 + last;
      case TRAILER:
        return 2;
      case TRAILER_NAME:
        return 5;
      case TRAILER_VALUE:
        return 4;
      case TRAILER_LF:
        return 3;
      default:
        return 1;
    }
  }
}

function describe(c: number): string {
  return c >= 0x21 && c <= 0x7e
    ? `'${String.fromCharCode(c)}'`
    : `byte 0x${c.toString(16).padStart(2, "0")}`;
}
