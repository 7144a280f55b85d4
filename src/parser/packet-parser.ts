import { allocBytes, copyBytes } from "../codec/bytes.js";
import { HEADER_SIZE } from "../codec/constants.js";
import { truncated, UwsgiError } from "../codec/errors.js";
import { type BytesInput, decodeAt, type Packet } from "../codec/packet.js";
import { type BodyMode, bodyModeOf } from "./body-mode.js";
import { chunkBytes } from "./chunk-argument.js";
import { ChunkedDecoder } from "./chunked-decoder.js";
import { gatherBuffer } from "./gather-slab.js";
import {
  type ParserHandler,
  type ParserOptions,
  type ParserSettings,
  parserSettings,
} from "./parser-options.js";

export type { ParserHandler, ParserOptions } from "./parser-options.js";

const HEADER = 0;
const DATA = 1;
const BODY = 2; // CONTENT_LENGTH bytes
const CHUNKED = 3; // a chunked body, through #chunked
const DONE = 4;
const ENDED = 5;
const FAILED = 6;
const STATE_NAMES = ["header", "data", "body", "body", "done", "ended", "failed"] as const;
const NO_BODY: BodyMode = "none";

/**
 * A push-based uwsgi stream parser: feed it chunks split anywhere; it reports the same packets and
 * body bytes as a whole-buffer decode. A packet inside one chunk is decoded in place; one that
 * straddles chunks is gathered once into a buffer of exactly its size, allocated when its header is
 * known (or into the caller's `gatherBuffer`, see {@link ParserOptions.gatherBuffer}). It never holds more than `maxDatasize + 4` bytes, whatever arrives (a chunked body's
 * framing is decoded as it passes, never held).
 *
 * Every error is a `UwsgiError` whose offset counts bytes from the start of the stream; after one,
 * the parser refuses input with `PARSER_FAILED` (or, with `handler.onError`, reports the first
 * error there and ignores the rest).
 */
export class PacketParser {
  readonly #handler: ParserHandler;
  readonly #o: ParserSettings;
  #state: number = HEADER;
  // A header split across chunks collects here; then the packet gathers into #gather.
  // Made only when a header arrives split: most parsers never need it.
  #head: Uint8Array | null = null;
  #headLength = 0;
  #gather: Uint8Array | null = null;
  #gathered = 0;
  #bodyLeft = 0;
  #bodyLength = 0;
  #bodyMode: BodyMode = NO_BODY;
  #chunked: ChunkedDecoder | null = null;
  // Stream offset of the first byte of the current chunk.
  #consumed = 0;
  #failure: UwsgiError | null = null;
  #packets = 0;

  constructor(handler: ParserHandler, options?: ParserOptions) {
    this.#o = parserSettings(handler, options);
    this.#handler = handler;
  }

  /** Bytes held while waiting for the rest of a packet: never more than `maxDatasize + 4`. */
  get bufferedBytes(): number {
    return this.#gather === null ? this.#headLength : this.#gathered;
  }

  /**
   * How the current request's body is framed (see {@link BodyMode}), set before `onPacket` is
   * called: `"none"` in `"packets"` mode and before the first packet.
   */
  get bodyMode(): BodyMode {
    return this.#bodyMode;
  }

  /**
   * The current request's body length: CONTENT_LENGTH as the parser read it (with the
   * `strictContentLength` rule), set before `onPacket` is called; for a chunked body, the bytes
   * decoded so far, so the whole length once `onBodyEnd` is called. 0 in `"packets"` mode and
   * before the first packet.
   */
  get bodyLength(): number {
    return this.#chunked === null ? this.#bodyLength : this.#chunked.bodyLength;
  }

  /**
   * Where the parser is: `"header"`, `"data"` (inside a packet), `"body"`, `"done"` (the request
   * is complete), `"ended"` (`end()` found the stream complete) or `"failed"`.
   */
  get state(): string {
    return STATE_NAMES[this.#state]!;
  }

  /**
   * Feeds the next chunk (bytes: a string means the source had `setEncoding()` called, and is
   * refused). Throws the stream's first `UwsgiError` and `PARSER_FAILED` after it, unless the
   * handler has `onError`.
   */
  push(chunk: BytesInput): void {
    const buf = chunkBytes(chunk);
    if (this.#state >= ENDED) {
      if (this.#state === FAILED && this.#handler.onError !== undefined) return;
      throw this.#refuse();
    }
    if (this.#handler.onError === undefined) {
      this.#run(buf);
      return;
    }
    try {
      this.#run(buf);
    } catch (err) {
      // Only the parser's own error is reported; a callback's goes on up.
      if (err !== this.#failure) throw err;
      this.#handler.onError(err as UwsgiError);
    }
  }

  /**
   * The stream ended: throws `TRUNCATED` (saying where) if it ended inside a header, packet or
   * body, unless the handler has `onError`. A second `end()` after a clean one does nothing.
   */
  end(): void {
    const state = this.#state;
    if (state === ENDED) return;
    if (state === FAILED) {
      if (this.#handler.onError !== undefined) return;
      throw this.#refuse();
    }
    if (this.#handler.onError === undefined) {
      this.#finish(state);
      return;
    }
    try {
      this.#finish(state);
    } catch (err) {
      if (err !== this.#failure) throw err;
      this.#handler.onError(err as UwsgiError);
    }
  }

  #run(buf: Uint8Array): void {
    let off = 0;
    const len = buf.length;
    // A callback may end the parser (end() in onBodyEnd): stop then.
    while (off < len && this.#state < ENDED) {
      const state = this.#state;
      if (state === BODY) {
        const n = Math.min(this.#bodyLeft, len - off);
        this.#bodyLeft -= n;
        const last = this.#bodyLeft === 0;
        // State first, then the callbacks: whatever they do, the parser is consistent.
        if (last) this.#state = DONE;
        this.#handler.onBody?.(buf.subarray(off, off + n));
        off += n;
        if (last) this.#handler.onBodyEnd?.();
      } else if (state === CHUNKED) {
        const chunked = this.#chunked!;
        const next = chunked.decode(buf, off, len);
        if (next < 0) this.#fail(chunked.failure!);
        off = next;
        if (chunked.done) this.#finishRequest();
      } else if (state === DONE) {
        if (!this.#o.returnTrailing) {
          this.#fail(
            new UwsgiError(
              "UNEXPECTED_BYTES",
              this.#consumed + off,
              "the end of the stream after the request's body",
              `${len - off} byte(s) after a ${this.bodyLength}-byte body (a request is one packet and its body)`,
            ),
          );
        }
        this.#handler.onTrailing?.(buf.subarray(off));
        off = len;
      } else if (state === DATA) {
        const gather = this.#gather!;
        const n = Math.min(gather.length - this.#gathered, len - off);
        copyBytes(buf, off, off + n, gather, this.#gathered);
        this.#gathered += n;
        off += n;
        if (this.#gathered === gather.length) {
          this.#gather = null;
          this.#gathered = 0;
          this.#decode(gather, 0, this.#consumed + off - gather.length);
        }
      } else if (this.#headLength === 0 && len - off >= HEADER_SIZE) {
        // Fast path: the header is in this chunk; decode in place when the whole packet is too.
        const datasize = buf[off + 1]! | (buf[off + 2]! << 8);
        this.#checkDatasize(datasize, this.#consumed + off);
        const total = HEADER_SIZE + datasize;
        if (len - off >= total) {
          this.#decode(buf, off, this.#consumed + off);
          off += total;
        } else {
          this.#startGather(total);
          copyBytes(buf, off, len, this.#gather!, 0);
          this.#gathered = len - off;
          off = len;
        }
      } else {
        off = this.#takeHeader(buf, off, len);
      }
    }
    this.#consumed += len;
  }

  /** Collects a header split across chunks; returns the new offset. */
  #takeHeader(buf: Uint8Array, off: number, len: number): number {
    const n = Math.min(HEADER_SIZE - this.#headLength, len - off);
    this.#head ??= allocBytes(HEADER_SIZE);
    copyBytes(buf, off, off + n, this.#head, this.#headLength);
    this.#headLength += n;
    off += n;
    if (this.#headLength === HEADER_SIZE) {
      const head = this.#head;
      const datasize = head[1]! | (head[2]! << 8);
      const start = this.#consumed + off - HEADER_SIZE;
      this.#checkDatasize(datasize, start);
      this.#headLength = 0;
      this.#startGather(HEADER_SIZE + datasize);
      copyBytes(head, 0, HEADER_SIZE, this.#gather!, 0);
      this.#gathered = HEADER_SIZE;
      if (datasize === 0) {
        const gather = this.#gather!;
        this.#gather = null;
        this.#gathered = 0;
        this.#decode(gather, 0, start);
      }
    }
    return off;
  }

  #finish(state: number): void {
    const at = this.#consumed;
    if (state === BODY) {
      this.#fail(
        truncated(
          at,
          this.#bodyLeft,
          `${this.#bodyLength}-byte body (it ended after ${this.#bodyLength - this.#bodyLeft})`,
        ),
      );
    }
    if (state === CHUNKED) {
      try {
        this.#chunked!.end();
      } catch (err) {
        this.#fail(err as UwsgiError);
      }
    }
    if (state === DATA) {
      this.#fail(
        truncated(
          at - this.#gathered,
          this.#gather!.length - this.#gathered,
          `${this.#gather!.length}-byte packet`,
        ),
      );
    }
    if (state === HEADER && (this.#headLength > 0 || (this.#o.request && this.#packets === 0))) {
      this.#fail(
        truncated(at - this.#headLength, HEADER_SIZE - this.#headLength, "4-byte packet header"),
      );
    }
    // Ended cleanly: no error object is made here (an Error captures a stack, about 4 us).
    this.#state = ENDED;
  }

  #checkDatasize(datasize: number, at: number): void {
    const max = this.#o.decode.maxDatasize;
    if (datasize > max) {
      this.#fail(
        new UwsgiError(
          "DATASIZE_OVER_LIMIT",
          at + 1,
          `a datasize of at most ${max} (option maxDatasize)`,
          `datasize ${datasize} is over the limit; nothing of it is buffered`,
        ),
      );
    }
  }

  #startGather(total: number): void {
    const mine = this.#o.gatherBuffer;
    this.#gather =
      mine !== null && total <= mine.length ? mine.subarray(0, total) : gatherBuffer(total);
    this.#gathered = 0;
    this.#state = DATA;
  }

  /** Decodes the whole packet at `buf[off]` (stream offset `at`) and moves to the next state. */
  #decode(buf: Uint8Array, off: number, at: number): void {
    let packet: Packet;
    try {
      packet = decodeAt(buf, off, this.#o.decode);
    } catch (err) {
      // Not control flow: the codec's error is re-based onto the stream before it goes out.
      const e = err as UwsgiError;
      this.#fail(new UwsgiError(e.code, e.offset - off + at, e.expected, e.detail, e.needed));
    }
    this.#packets++;
    if (!this.#o.request) {
      this.#state = HEADER;
      this.#handler.onPacket(packet);
      return;
    }
    let mode = NO_BODY;
    let length = 0;
    if (packet.kind === "vars") {
      try {
        length = packet.vars.contentLength(this.#o.strictContentLength, at);
        mode = bodyModeOf(packet.vars, length, at);
      } catch (err) {
        this.#fail(err as UwsgiError);
      }
      if (length > this.#o.maxBodySize) {
        this.#fail(
          new UwsgiError(
            "BODY_TOO_LARGE",
            at,
            `a body of at most ${this.#o.maxBodySize} bytes`,
            `CONTENT_LENGTH is ${length}`,
          ),
        );
      }
    }
    this.#bodyMode = mode;
    this.#bodyLength = length;
    this.#bodyLeft = length;
    if (mode === "chunked") {
      this.#chunked = new ChunkedDecoder(this.#handler, {
        maxBodySize: this.#o.maxBodySize,
        maxChunkLineLength: this.#o.maxChunkLineLength,
        maxTrailerSize: this.#o.maxTrailerSize,
        offset: at + packet.byteLength,
      });
      this.#state = CHUNKED;
    } else {
      this.#state = length > 0 ? BODY : DONE;
    }
    this.#handler.onPacket(packet);
    if (mode === NO_BODY && this.#state === DONE) this.#handler.onBodyEnd?.();
  }

  #finishRequest(): void {
    this.#state = DONE;
    this.#handler.onBodyEnd?.();
  }

  #fail(error: UwsgiError): never {
    this.#state = FAILED;
    this.#gather = null;
    this.#gathered = 0;
    this.#headLength = 0;
    this.#failure = error;
    throw error;
  }

  #refuse(): UwsgiError {
    const first = this.#failure;
    if (first === null) {
      return new UwsgiError(
        "PARSER_FAILED",
        this.#consumed,
        "no input after end()",
        "the stream has ended",
      );
    }
    return new UwsgiError(
      "PARSER_FAILED",
      first.offset,
      "a new parser",
      `the parser stopped at an earlier ${first.code}`,
    );
  }
}
