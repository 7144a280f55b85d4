import { checkInteger, checkOneOf } from "../codec/arguments.js";
import { allocBytes, copyBytes, inputBytes } from "../codec/bytes.js";
import { HEADER_SIZE } from "../codec/constants.js";
import { truncated, UwsgiError } from "../codec/errors.js";
import { type DecodeOptions, type DecodeSettings, decodeSettings } from "../codec/limits.js";
import { decodeAt, type Packet } from "../codec/packet.js";
import { gatherBuffer } from "./gather-slab.js";

/** What the parser reports, in stream order. Given once, so no closure is made per packet. */
export interface ParserHandler {
  /** A whole packet. Its views point into the chunk it arrived in, or into a buffer of exactly its size. */
  onPacket(packet: Packet): void;
  /** A piece of a request's body: a view of an incoming chunk, never a copy. */
  onBody?(piece: Uint8Array): void;
  /** The request's body is complete (also called, at once, for a request without a body). */
  onBodyEnd?(): void;
  /** Bytes after a request's body, with `afterBody: "return"`. */
  onTrailing?(bytes: Uint8Array): void;
}

/** Options of {@link PacketParser}; decode options apply to every packet. */
export interface ParserOptions extends DecodeOptions {
  /**
   * `"request"` (the default): one packet, then exactly CONTENT_LENGTH body bytes, as uWSGI and
   * nginx do. A request packet whose data is not vars (a ping sent to a request socket) has no body.
   * `"packets"`: bare packets back to back (ping, cache and RPC answers, captured streams).
   */
  readonly mode?: "request" | "packets";
  /** Largest CONTENT_LENGTH accepted. Defaults to no limit: body bytes are passed on, not held. */
  readonly maxBodySize?: number;
  /** Refuse a CONTENT_LENGTH that is not plain digits. Defaults to false: read it as uWSGI does. */
  readonly strictContentLength?: boolean;
  /** Bytes after a request's body: `"error"` (the default, `UNEXPECTED_BYTES`) or `"return"` them to `onTrailing`. */
  readonly afterBody?: "error" | "return";
}

const PARSER_OPTION_KEYS = ["mode", "maxBodySize", "strictContentLength", "afterBody"];
const MODES: readonly ("request" | "packets")[] = ["request", "packets"];

const HEADER = 0;
const DATA = 1;
const BODY = 2;
const DONE = 3;
const FAILED = 4;
const STATE_NAMES = ["header", "data", "body", "done", "failed"] as const;

/**
 * A push-based uwsgi stream parser: feed it chunks split anywhere; it reports the same packets and
 * body bytes as a whole-buffer decode. A packet inside one chunk is decoded in place; one that
 * straddles chunks is gathered once into a buffer of exactly its size, allocated when its header is
 * known. It never holds more than `maxDatasize + 4` bytes, whatever arrives.
 *
 * Every error is a `UwsgiError` whose offset counts bytes from the start of the stream; after one,
 * the parser refuses input with `PARSER_FAILED`.
 */
export class PacketParser {
  readonly #handler: ParserHandler;
  readonly #settings: DecodeSettings;
  readonly #maxDatasize: number;
  readonly #request: boolean;
  readonly #maxBody: number;
  readonly #strict: boolean;
  readonly #returnTrailing: boolean;
  #state: number = HEADER;
  // A header split across chunks collects here; then the packet gathers into #gather.
  // Made only when a header arrives split: most parsers never need it.
  #head: Uint8Array | null = null;
  #headLength = 0;
  #gather: Uint8Array | null = null;
  #gathered = 0;
  #bodyLeft = 0;
  #bodyLength = 0;
  // Stream offset of the first byte of the current chunk.
  #consumed = 0;
  #failure: UwsgiError | null = null;
  #packets = 0;

  constructor(handler: ParserHandler, options: ParserOptions = {}) {
    this.#settings = decodeSettings(options, "PacketParser", PARSER_OPTION_KEYS);
    this.#handler = handler;
    this.#maxDatasize = this.#settings.maxDatasize;
    const mode =
      options.mode === undefined ? "request" : checkOneOf("options.mode", options.mode, MODES);
    this.#request = mode === "request";
    this.#maxBody =
      options.maxBodySize === undefined
        ? Number.POSITIVE_INFINITY
        : checkInteger("options.maxBodySize", options.maxBodySize, 0, Number.POSITIVE_INFINITY);
    this.#strict = options.strictContentLength ?? false;
    this.#returnTrailing = options.afterBody === "return";
  }

  /** Bytes held while waiting for the rest of a packet: never more than `maxDatasize + 4`. */
  get bufferedBytes(): number {
    return this.#gather === null ? this.#headLength : this.#gathered;
  }

  /**
   * The body length of the current request, as the parser read its CONTENT_LENGTH (with the
   * `strictContentLength` rule) when the packet arrived; set before `onPacket` is called. 0 in
   * `"packets"` mode and before the first packet.
   */
  get bodyLength(): number {
    return this.#bodyLength;
  }

  /** Where the parser is: `"header"`, `"data"`, `"body"`, `"done"` (request complete) or `"failed"`. */
  get state(): string {
    return STATE_NAMES[this.#state]!;
  }

  /** Feeds the next chunk. Throws the stream's first `UwsgiError`, and `PARSER_FAILED` after it. */
  push(chunk: Uint8Array): void {
    if (this.#state === FAILED) throw this.#refuse();
    const buf = inputBytes("chunk", chunk);
    let off = 0;
    const len = buf.length;
    while (off < len) {
      const state = this.#state;
      if (state === BODY) {
        const n = Math.min(this.#bodyLeft, len - off);
        this.#bodyLeft -= n;
        this.#handler.onBody?.(buf.subarray(off, off + n));
        off += n;
        if (this.#bodyLeft === 0) this.#finishRequest();
      } else if (state === DONE) {
        if (!this.#returnTrailing) {
          this.#fail(
            new UwsgiError(
              "UNEXPECTED_BYTES",
              this.#consumed + off,
              "the end of the stream after the request's body",
              `${len - off} byte(s) after a ${this.#bodyLength}-byte body (a request is one packet and its body)`,
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
      }
    }
    this.#consumed += len;
  }

  /** The stream ended. Throws `TRUNCATED` (saying where) if it ended inside a header, packet or body. */
  end(): void {
    if (this.#state === FAILED) throw this.#refuse();
    const at = this.#consumed;
    const state = this.#state;
    if (state === BODY) {
      this.#fail(
        truncated(
          at,
          this.#bodyLeft,
          `${this.#bodyLength}-byte body (it ended after ${this.#bodyLength - this.#bodyLeft})`,
        ),
      );
    }
    if (state === DATA)
      this.#fail(
        truncated(
          at - this.#gathered,
          this.#gather!.length - this.#gathered,
          `${this.#gather!.length}-byte packet`,
        ),
      );
    if (state === HEADER && (this.#headLength > 0 || (this.#request && this.#packets === 0))) {
      this.#fail(
        truncated(at - this.#headLength, HEADER_SIZE - this.#headLength, "4-byte packet header"),
      );
    }
    // Ended cleanly: no error object is made here (an Error captures a stack, about 4 us).
    this.#state = FAILED;
  }

  #checkDatasize(datasize: number, at: number): void {
    if (datasize > this.#maxDatasize) {
      this.#fail(
        new UwsgiError(
          "DATASIZE_OVER_LIMIT",
          at + 1,
          `a datasize of at most ${this.#maxDatasize} (option maxDatasize)`,
          `datasize ${datasize} is over the limit; nothing of it is buffered`,
        ),
      );
    }
  }

  #startGather(total: number): void {
    this.#gather = gatherBuffer(total);
    this.#gathered = 0;
    this.#state = DATA;
  }

  /** Decodes the whole packet at `buf[off]` (stream offset `at`) and moves to the next state. */
  #decode(buf: Uint8Array, off: number, at: number): void {
    let packet: Packet;
    try {
      packet = decodeAt(buf, off, this.#settings);
    } catch (err) {
      // Not control flow: the codec's error is re-based onto the stream before it goes out.
      const e = err as UwsgiError;
      this.#fail(new UwsgiError(e.code, e.offset - off + at, e.expected, e.detail, e.needed));
    }
    this.#packets++;
    let bodyLength = 0;
    if (this.#request && packet.kind === "vars") {
      bodyLength = this.#bodyLengthOf(packet, at);
    }
    this.#state = this.#request ? BODY : HEADER;
    this.#bodyLeft = bodyLength;
    this.#bodyLength = bodyLength;
    this.#handler.onPacket(packet);
    if (this.#request && bodyLength === 0) this.#finishRequest();
  }

  #bodyLengthOf(packet: Packet & { kind: "vars" }, at: number): number {
    let n: number;
    try {
      n = packet.vars.contentLength(this.#strict, at);
    } catch (err) {
      this.#fail(err as UwsgiError);
    }
    if (n > this.#maxBody) {
      this.#fail(
        new UwsgiError(
          "BODY_TOO_LARGE",
          at,
          `a body of at most ${this.#maxBody} bytes`,
          `CONTENT_LENGTH is ${n}`,
        ),
      );
    }
    return n;
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
