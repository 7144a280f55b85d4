import {
  checkBoolean,
  checkInteger,
  checkOneOf,
  invalidArgType,
  missingArgs,
} from "../codec/arguments.js";
import { bytesOf, targetBytes } from "../codec/bytes.js";
import type { UwsgiError } from "../codec/errors.js";
import { type DecodeOptions, type DecodeSettings, decodeSettings } from "../codec/limits.js";
import type { Packet } from "../codec/packet.js";
import { DEFAULT_CHUNKED_OPTIONS } from "./chunked-decoder.js";

/** What the parser reports, in stream order. Given once, so no closure is made per packet. */
export interface ParserHandler {
  /** A whole packet. Its views point into the chunk it arrived in, or into a buffer of exactly its size. */
  onPacket(packet: Packet): void;
  /**
   * A piece of a request's body, decoded when the body is chunked: a view of an incoming chunk,
   * never a copy (copy it to keep it after the chunk is reused).
   */
  onBody?(piece: Uint8Array): void;
  /** The request's body is complete (also called, at once, for a request without a body). */
  onBodyEnd?(): void;
  /** Bytes after a request's body, with `afterBody: "return"`. */
  onTrailing?(bytes: Uint8Array): void;
  /**
   * When given, `push()` and `end()` report the stream's first `UwsgiError` here instead of
   * throwing it, and later input is ignored: a socket's `'data'` and `'end'` listeners can then
   * call them without a try/catch, and a peer's bad bytes never become an uncaught exception.
   * Without it, they throw (and `PARSER_FAILED` after the first error). What the handler's own
   * callbacks throw is never caught.
   */
  onError?(error: UwsgiError): void;
}

/** Options of {@link PacketParser}; decode options apply to every packet. */
export interface ParserOptions extends DecodeOptions {
  /**
   * `"request"` (the default): one packet, then its body, as uWSGI and nginx send a request; see
   * {@link BodyMode} for how the body is framed. A packet whose data is not vars (a ping sent to
   * a request socket) has no body. `"packets"`: bare packets back to back (ping, cache and RPC
   * answers, captured streams).
   */
  readonly mode?: "request" | "packets";
  /**
   * Largest body accepted (Infinity for no limit): a CONTENT_LENGTH over it is refused before any
   * body byte, a chunked body at the chunk that would cross it (`BODY_TOO_LARGE`). Defaults to no
   * limit: body bytes are passed on, not held.
   */
  readonly maxBodySize?: number;
  /** Refuse a CONTENT_LENGTH that is not plain digits. Defaults to false: read it as uWSGI does. */
  readonly strictContentLength?: boolean;
  /** Bytes after a request's body: `"error"` (the default, `UNEXPECTED_BYTES`) or `"return"` them to `onTrailing`. */
  readonly afterBody?: "error" | "return";
  /** Longest chunk-size line of a chunked body, extensions included. Defaults to 4096. */
  readonly maxChunkLineLength?: number;
  /** Most bytes of trailer fields after a chunked body's last chunk. Defaults to 16384. */
  readonly maxTrailerSize?: number;
  /**
   * Memory to gather a packet that arrives split across chunks into, instead of new memory: the
   * same idea as `net.Socket`'s `onread.buffer`. A split packet that fits is gathered at its start
   * over several `push()` calls and decoded there, so its views (`payload`, the vars and the
   * strings they have not made yet) read this memory and stay valid only until it is written
   * again: by this parser's next split packet (in `"packets"` mode that can be in the same
   * `push()`, right after `onPacket` returns), or by another parser given the same memory. Read
   * what you need in `onPacket` or `detach()` it. Give the same memory to several parsers only if
   * no two of them can be in the middle of a packet at once (one connection after another, never
   * connections open side by side): a packet half gathered would be overwritten. A packet that
   * arrives whole in one chunk is decoded in that chunk as always, and one larger than this memory
   * is gathered into new memory. Without it (the default), a split packet gets memory of its own,
   * which is slower for a large packet: memory no cache has seen yet.
   */
  readonly gatherBuffer?: Uint8Array;
}

const PARSER_OPTION_KEYS = [
  "mode",
  "maxBodySize",
  "strictContentLength",
  "afterBody",
  "maxChunkLineLength",
  "maxTrailerSize",
  "gatherBuffer",
];
const MODES: readonly ("request" | "packets")[] = ["request", "packets"];
const AFTER_BODY: readonly ("error" | "return")[] = ["error", "return"];
const CALLBACKS = ["onBody", "onBodyEnd", "onTrailing", "onError"] as const;

/** @internal The parser's options, checked, with every default filled in. */
export interface ParserSettings {
  readonly decode: DecodeSettings;
  readonly request: boolean;
  readonly maxBodySize: number;
  readonly strictContentLength: boolean;
  readonly returnTrailing: boolean;
  readonly maxChunkLineLength: number;
  readonly maxTrailerSize: number;
  /** The caller's memory for split packets, or null. */
  readonly gatherBuffer: Uint8Array | null;
}

/**
 * @internal Checks a parser's handler and options as Node checks arguments (a missing or
 * malformed handler, an unknown option key, a value of the wrong type or out of range) and fills
 * in the defaults.
 */
export function parserSettings(handler: unknown, options: unknown): ParserSettings {
  checkHandler(handler);
  const decode = decodeSettings(options, "PacketParser", PARSER_OPTION_KEYS);
  const o = (options ?? {}) as ParserOptions;
  return {
    decode,
    request: o.mode === undefined || checkOneOf("options.mode", o.mode, MODES) === "request",
    maxBodySize:
      o.maxBodySize === undefined
        ? Number.POSITIVE_INFINITY
        : checkInteger("options.maxBodySize", o.maxBodySize, 0, Number.POSITIVE_INFINITY),
    strictContentLength:
      o.strictContentLength !== undefined &&
      checkBoolean("options.strictContentLength", o.strictContentLength),
    returnTrailing:
      o.afterBody !== undefined &&
      checkOneOf("options.afterBody", o.afterBody, AFTER_BODY) === "return",
    maxChunkLineLength:
      o.maxChunkLineLength === undefined
        ? DEFAULT_CHUNKED_OPTIONS.maxChunkLineLength
        : checkInteger("options.maxChunkLineLength", o.maxChunkLineLength, 3, 1 << 30),
    maxTrailerSize:
      o.maxTrailerSize === undefined
        ? DEFAULT_CHUNKED_OPTIONS.maxTrailerSize
        : checkInteger("options.maxTrailerSize", o.maxTrailerSize, 0, 1 << 30),
    // As a Buffer under Node (the same memory), so the views of a packet gathered there are too.
    gatherBuffer:
      o.gatherBuffer === undefined
        ? null
        : bytesOf(targetBytes("options.gatherBuffer", o.gatherBuffer))!,
  };
}

/** Refuses a handler the parser could only fail on later. */
function checkHandler(handler: unknown): asserts handler is ParserHandler {
  if (handler === undefined) throw missingArgs("handler");
  if (handler === null || typeof handler !== "object") {
    throw invalidArgType(
      "handler",
      typeof handler === "function"
        ? "an object such as { onPacket(packet) {} } (a function alone is not one: name it onPacket)"
        : "an object such as { onPacket(packet) {} }",
      handler,
    );
  }
  const h = handler as Record<string, unknown>;
  if (typeof h["onPacket"] !== "function") {
    throw invalidArgType("handler.onPacket", "a function", h["onPacket"]);
  }
  for (const name of CALLBACKS) {
    const f = h[name];
    if (f !== undefined && typeof f !== "function") {
      throw invalidArgType(`handler.${name}`, "a function", f);
    }
  }
}
