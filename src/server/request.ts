import type { Socket } from "node:net";
import { Readable } from "node:stream";
import type { VarsPacket } from "../codec/packet.js";
import type { VarsView } from "../codec/vars-view.js";
import type { UwsgiServerError } from "./server-error.js";

/** What a request tells its connection: the body reader wants more, or gave up on the body. */
export interface BodySource {
  /** The reader wants more: resume the socket if the body paused it. */
  resumeBody(): void;
  /** The request was destroyed before its body ended: the rest is read and dropped. */
  discardBody(): void;
}

// Bigger than Node 20's 16 KiB default, so a 64 KiB socket read fits before the socket pauses.
const BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * One uwsgi request. The request IS its body: a `Readable` of exactly CONTENT_LENGTH bytes (as
 * `node:http`'s `IncomingMessage` is), with backpressure down to the socket: when the stream's
 * buffer is full the socket stops being read, and reading resumes it. Read it with
 * `for await (const chunk of req)`, `req.pipe(...)` or `pipeline`.
 *
 * If the peer closes before the body ends, the stream is destroyed with a `UwsgiServerError`
 * `ABORTED` (emitted as `'error'` only when someone listens, as `IncomingMessage` does) and
 * `'aborted'` is emitted; {@link UwsgiRequest.signal} aborts whenever the connection is lost before
 * the answer is complete.
 *
 * Everything else is read lazily from the packet's vars, which stay views of the received bytes.
 */
export class UwsgiRequest extends Readable {
  /** The request packet's vars (CGI-style: REQUEST_METHOD, REQUEST_URI, HTTP_HOST...). */
  readonly vars: VarsView;
  /** The packet's modifier1 (0 for nginx's default WSGI-style request). */
  readonly modifier1: number;
  /** The packet's modifier2. */
  readonly modifier2: number;
  /** The body's length in bytes, from CONTENT_LENGTH read as uWSGI reads it (0 without one). */
  readonly contentLength: number;
  /** The connection from the peer (nginx): `socket.remoteAddress` is nginx's, not the client's. */
  readonly socket: Socket;
  /** True once the connection was lost before the answer was complete. */
  aborted = false;
  readonly #source: BodySource;
  #complete = false;
  #method: string | undefined;
  #url: string | undefined;
  #headers: Record<string, string> | undefined;
  #abort: AbortController | undefined;
  #reason: UwsgiServerError | undefined;

  /** @internal Made by the server for each request packet. */
  constructor(packet: VarsPacket, contentLength: number, socket: Socket, source: BodySource) {
    super({ highWaterMark: BODY_HIGH_WATER_MARK });
    this.vars = packet.vars;
    this.modifier1 = packet.modifier1;
    this.modifier2 = packet.modifier2;
    this.contentLength = contentLength;
    this.socket = socket;
    this.#source = source;
  }

  /** REQUEST_METHOD (`"GET"` when the packet has none). */
  get method(): string {
    this.#method ??= this.vars.get("REQUEST_METHOD") ?? "GET";
    return this.#method;
  }

  /**
   * REQUEST_URI: the request target as the client sent it (path and query, percent-encoding
   * kept). Without one, PATH_INFO and QUERY_STRING are joined.
   */
  get url(): string {
    if (this.#url === undefined) {
      const vars = this.vars;
      let url = vars.get("REQUEST_URI");
      if (url === undefined) {
        const query = vars.get("QUERY_STRING");
        url = (vars.get("PATH_INFO") ?? "/") + (query ? `?${query}` : "");
      }
      this.#url = url;
    }
    return this.#url;
  }

  /** REMOTE_ADDR: the HTTP client's address as nginx saw it; the socket's peer without one. */
  get remoteAddress(): string | undefined {
    return this.vars.get("REMOTE_ADDR") ?? this.socket.remoteAddress;
  }

  /**
   * The request headers, from the `HTTP_*` vars: `HTTP_X_REQUEST_ID` is `x-request-id` (nginx
   * made `-` into `_`, so the original spelling is gone). A repeated header is joined with `, `
   * (`cookie` with `; `). Built on first use; {@link getHeader} reads one without building it.
   */
  get headers(): Record<string, string> {
    if (this.#headers === undefined) {
      const out: Record<string, string> = Object.create(null);
      const vars = this.vars;
      for (let i = 0; i < vars.size; i++) {
        const key = vars.keyAt(i);
        if (!key.startsWith("HTTP_")) continue;
        const name = key.slice(5).toLowerCase().replaceAll("_", "-");
        const value = vars.valueAt(i);
        const seen = out[name];
        out[name] =
          seen === undefined ? value : `${seen}${name === "cookie" ? "; " : ", "}${value}`;
      }
      this.#headers = out;
    }
    return this.#headers;
  }

  /** One request header by name (any case, `-` or `_`), repeated values joined as in `headers`. */
  getHeader(name: string): string | undefined {
    const all = this.getHeaderAll(name);
    if (all.length <= 1) return all[0];
    return all.join(name.toLowerCase() === "cookie" ? "; " : ", ");
  }

  /** Every value of one request header, in arrival order (nginx repeats a repeated header). */
  getHeaderAll(name: string): string[] {
    return this.vars.getAll(`HTTP_${name.toUpperCase().replaceAll("-", "_")}`);
  }

  /**
   * Aborted (with the `UwsgiServerError` as `reason`) when the connection is lost before the answer
   * is complete: pass it to work that should stop then. Made on first use.
   */
  get signal(): AbortSignal {
    this.#abort ??= new AbortController();
    if (this.#reason !== undefined && !this.#abort.signal.aborted) this.#abort.abort(this.#reason);
    return this.#abort.signal;
  }

  /** @internal A piece of the body from the parser; false when the reader is full. */
  pushBody(piece: Buffer): boolean {
    return this.push(piece);
  }

  /** @internal The whole body arrived. */
  endBody(): void {
    this.#complete = true;
    this.push(null);
  }

  /** @internal The connection was lost before the answer was complete. */
  abort(reason: UwsgiServerError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#reason = reason;
    this.emit("aborted", reason);
    this.#abort?.abort(reason);
    if (!this.#complete) this.destroy(reason);
  }

  override _read(): void {
    this.#source.resumeBody();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#complete) this.#source.discardBody();
    // As IncomingMessage: an error is emitted only to someone listening, so an unread body
    // whose client went away never crashes the process.
    callback(this.listenerCount("error") > 0 ? err : null);
  }
}
