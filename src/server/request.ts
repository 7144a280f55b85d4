import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { invalidArgType } from "../codec/arguments.js";
import type { UwsgiError } from "../codec/errors.js";
import type { VarsPacket } from "../codec/packet.js";
import type { VarsView } from "../codec/vars-view.js";
import type { UwsgiServerError } from "./server-error.js";

/** What a request tells its connection: the body reader wants more, or gave up on the body. */
export interface BodySource {
  /** The reader wants more: resume the socket if the body paused it. */
  resumeBody(): void;
  /** The request was destroyed before its body ended: the rest is read and dropped. */
  discardBody(): void;
  /** A listener on the request (user code) threw `err`. */
  listenerFailed(err: unknown): void;
}

// Bigger than Node 20's 16 KiB default, so a 64 KiB socket read fits before the socket pauses.
const BODY_HIGH_WATER_MARK = 64 * 1024;

/**
 * One uwsgi request. The request IS its body: a `Readable` of exactly CONTENT_LENGTH bytes, or of
 * the decoded bytes of a chunked body (as `node:http`'s `IncomingMessage` is), with backpressure
 * down to the socket: when the stream's buffer is full the socket stops being read, and reading
 * resumes it. Read it with `for await (const chunk of req)`, `req.pipe(...)` or `pipeline`.
 *
 * If the peer closes before the body ends, the stream is destroyed with a `UwsgiServerError`
 * `ABORTED`; if the body cannot go on (malformed chunked framing, `requestTimeout`), with that
 * error. It is emitted as `'error'` only when someone listens, as `IncomingMessage` does, and
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
  /**
   * The body's length in bytes, from CONTENT_LENGTH read as uWSGI reads it (0 without one);
   * `undefined` for a chunked body, whose length is known only at its end.
   */
  readonly contentLength: number | undefined;
  /** The connection from the peer (nginx): `socket.remoteAddress` is nginx's, not the client's. */
  readonly socket: Socket;
  /** True once the connection was lost before the answer was complete. */
  aborted = false;
  readonly #source: BodySource;
  #complete = false;
  // The reader asked for more (_read) and nothing was pushed since: the end must go now.
  #wanted = false;
  #method: string | undefined;
  #url: string | undefined;
  #headers: Record<string, string> | undefined;
  #abort: AbortController | undefined;
  #reason: UwsgiError | UwsgiServerError | undefined;

  /** @internal Made by the server for each request packet. */
  constructor(
    packet: VarsPacket,
    contentLength: number | undefined,
    socket: Socket,
    source: BodySource,
  ) {
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
   * The HTTP version the client used, as `IncomingMessage.httpVersion`: SERVER_PROTOCOL without
   * its `HTTP/` (`"1.1"`, `"2.0"`); `"1.0"` without one, as uWSGI assumes then.
   */
  get httpVersion(): string {
    const protocol = this.vars.get("SERVER_PROTOCOL");
    return protocol?.startsWith("HTTP/") ? protocol.slice(5) : "1.0";
  }

  /** The major part of {@link httpVersion} (`1` for `"1.1"`). */
  get httpVersionMajor(): number {
    return Number.parseInt(this.httpVersion, 10);
  }

  /** The minor part of {@link httpVersion} (`1` for `"1.1"`, `0` when there is none). */
  get httpVersionMinor(): number {
    const v = this.httpVersion;
    const dot = v.indexOf(".");
    return dot < 0 ? 0 : Number.parseInt(v.slice(dot + 1), 10);
  }

  /**
   * The request headers as `IncomingMessage.rawHeaders`: a flat `[name, value, name, value...]`
   * list in the order the vars came, repeats kept. The vars carry no case and nginx turned each
   * `-` into `_`, so names are rebuilt the way nearly every HTTP/1.1 client writes them, each word
   * capitalised: `HTTP_X_REQUEST_ID` is `X-Request-Id` (a client's `DNT` comes back as `Dnt`, and
   * an `X_Id` sent with nginx's `underscores_in_headers` as `X-Id`). `Content-Type` and
   * `Content-Length` come from CONTENT_TYPE and CONTENT_LENGTH when there is no `HTTP_` var for
   * them (uWSGI's http router sends only the CGI ones) and their value is not empty.
   */
  get rawHeaders(): string[] {
    const out: string[] = [];
    const vars = this.vars;
    for (let i = 0; i < vars.size; i++) {
      const name = headerNameOf(vars, vars.keyAt(i));
      if (name !== undefined) out.push(titleCase(name), vars.valueAt(i));
    }
    return out;
  }

  /**
   * The request headers, lower case, as `IncomingMessage.headers`, from the same vars as
   * {@link rawHeaders}: `HTTP_X_REQUEST_ID` is `x-request-id`. A repeated header is joined with
   * `, ` (`cookie` with `; `). Built on first use; {@link getHeader} reads one without building it.
   */
  get headers(): Record<string, string> {
    if (this.#headers === undefined) {
      const out: Record<string, string> = Object.create(null);
      const vars = this.vars;
      for (let i = 0; i < vars.size; i++) {
        const name = headerNameOf(vars, vars.keyAt(i));
        if (name === undefined) continue;
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
    if (typeof name !== "string") throw invalidArgType("name", "of type string", name);
    const key = name.toUpperCase().replaceAll("-", "_");
    const all = this.vars.getAll(`HTTP_${key}`);
    if (all.length === 0 && (key === "CONTENT_TYPE" || key === "CONTENT_LENGTH")) {
      const cgi = this.vars.get(key);
      if (cgi !== undefined && cgi !== "") all.push(cgi);
    }
    return all;
  }

  /** True once the whole body arrived, as `IncomingMessage.complete`. */
  get complete(): boolean {
    return this.#complete;
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
  pushBody(piece: Uint8Array): boolean {
    this.#wanted = false;
    return this.push(piece);
  }

  /**
   * @internal The whole body arrived. The stream's end is pushed when the reader asks for it:
   * most requests have no body and no reader, and an end pushed at once costs a tick and a
   * `'readable'` event per request for nobody.
   */
  endBody(): void {
    this.#complete = true;
    if (this.#wanted) this.push(null);
  }

  /** @internal The connection was lost (or given up) before the answer was complete. */
  abort(reason: UwsgiError | UwsgiServerError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#reason = reason;
    this.emit("aborted", reason);
    this.#abort?.abort(reason);
    if (!this.#complete) this.destroy(reason);
  }

  override _read(): void {
    if (this.#complete) {
      this.push(null);
      return;
    }
    this.#wanted = true;
    this.#source.resumeBody();
  }

  // Listeners are user code, and Node calls them from inside the server's socket callbacks or
  // from its own queue: what they throw becomes the handler's failure, never a crash or a
  // status line written into an answer.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (err) {
      this.#source.listenerFailed(err);
      return true;
    }
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#complete) this.#source.discardBody();
    // As IncomingMessage: an error is emitted only to someone listening, so an unread body
    // whose client went away never crashes the process.
    callback(this.listenerCount("error") > 0 ? err : null);
  }
}

/** The lower-case header name a var stands for, or undefined when it is not a header. */
function headerNameOf(vars: VarsView, key: string): string | undefined {
  if (key.startsWith("HTTP_")) return key.slice(5).toLowerCase().replaceAll("_", "-");
  if (key === "CONTENT_TYPE" || key === "CONTENT_LENGTH") {
    const name = key === "CONTENT_TYPE" ? "content-type" : "content-length";
    if (vars.has(`HTTP_${key}`)) return undefined;
    const value = vars.get(key);
    return value === undefined || value === "" ? undefined : name;
  }
  return undefined;
}

/** `x-request-id` as `X-Request-Id`. */
function titleCase(name: string): string {
  let out = "";
  let upper = true;
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    out += upper ? c.toUpperCase() : c;
    upper = c === "-";
  }
  return out;
}
