import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { Writable } from "node:stream";
import { invalidArgType, invalidArgValue } from "../codec/arguments.js";
import {
  checkFieldText,
  checkHeaderName,
  checkHeaderValue,
  checkNameType,
  type HeaderValue,
  headerLines,
  type ResponseHeaders,
} from "./headers.js";
import type { UwsgiRequest } from "./request.js";
import { headersSent, invalidStatus } from "./response-errors.js";

/** What an answer tells its connection. */
export interface AnswerSink {
  /** The answer is complete: every byte is with the socket, which the sink ends or closes. */
  answerFinished(): void;
  /** The answer was destroyed (by the handler, or because the connection is gone). */
  answerDestroyed(err: Error | null): void;
  /** Bytes of the answer went to the socket: the connection is not idle. */
  answerWrote(): void;
  /** The answer emitted `'error'` (a write after end): reported, never thrown. */
  answerError(err: Error): void;
  /** A listener on the answer (user code) threw `err`. */
  listenerFailed(err: unknown): void;
}

// Head and body go out in one buffer (one write) when the body's first chunk is this small.
const JOIN_LIMIT = 16 * 1024;

type WriteCallback = (error?: Error | null) => void;

/**
 * The answer to one request, written the way nginx expects a uwsgi backend to answer: a status
 * line `HTTP/1.1 <code> <reason>`, the headers, a blank line, then the body as it is written (no
 * chunked encoding; `Content-Length` only if the handler sets it); the connection is closed at the
 * end, which tells nginx the body is complete. Nothing is added: nginx sets `Date`, `Server` and
 * the framing towards the client.
 *
 * A `Writable`: `write` returns false when the socket is full and `'drain'` follows, so
 * `pipeline(source, res)` streams any size in bounded memory. `'finish'` means every byte was
 * handed to the socket.
 *
 * Like `node:http`, an answer to HEAD, or with status 204 or 304, never carries body bytes: what
 * the handler writes is dropped (its callbacks still run, `'finish'` still comes), and the headers
 * it set stay, a `Content-Length` included. nginx would drop such a body, but uWSGI's routers pass
 * the bytes on, and the client would read them as the start of its next answer. If the connection is lost first, the stream is destroyed (`'close'`
 * without `'finish'`) and later writes are dropped. The status line and headers are fixed by
 * `writeHead` or the first `write`/`end` (then `headersSent` is true).
 */
export class UwsgiServerResponse extends Writable {
  /** Status code of the answer, 100-999. Defaults to 200. */
  statusCode = 200;
  /** Reason phrase; defaults to the standard one for the code (`"OK"`). */
  statusMessage: string | undefined = undefined;
  /** The connection to the peer. */
  readonly socket: Socket;
  /** The request this answers (as `ServerResponse.req`). */
  readonly req: UwsgiRequest;
  readonly #sink: AnswerSink;
  // Lower-case name -> [name as given, value(s)].
  #headers: Map<string, [string, string | string[]]> | null = null;
  #head: string | null = null;
  #headWritten = false;
  // HEAD, 204 or 304: body bytes are dropped (fixed with the head).
  #bodiless = false;
  #waiting: WriteCallback | null = null;

  /** @internal Made by the server for each request. */
  constructor(socket: Socket, sink: AnswerSink, req: UwsgiRequest) {
    super();
    this.socket = socket;
    this.req = req;
    this.#sink = sink;
    // A private method is one function shared by every instance: no closure per answer.
    this.on("error", this.#onError);
  }

  // Called with `this` the emitting answer.
  #onError(err: Error): void {
    this.#sink.answerError(err);
  }

  /** True once the status line and headers are fixed (after `writeHead` or the first write). */
  get headersSent(): boolean {
    return this.#head !== null;
  }

  /** Sets a header, replacing one of the same name (any case). An array makes one line each. */
  setHeader(name: string, value: HeaderValue): this {
    this.#checkOpen("set");
    checkHeaderName(name);
    const stored = checkHeaderValue(name, value);
    this.#headers ??= new Map();
    this.#headers.set(name.toLowerCase(), [name, stored]);
    return this;
  }

  /** Adds value(s) to a header, keeping what it had: many `Set-Cookie` lines. */
  appendHeader(name: string, value: HeaderValue): this {
    this.#checkOpen("append");
    checkHeaderName(name);
    const stored = checkHeaderValue(name, value);
    this.#headers ??= new Map();
    const key = name.toLowerCase();
    const seen = this.#headers.get(key);
    if (seen === undefined) {
      this.#headers.set(key, [name, stored]);
    } else {
      const values = typeof seen[1] === "string" ? [seen[1]] : seen[1];
      if (typeof stored === "string") values.push(stored);
      else values.push(...stored);
      seen[1] = values;
    }
    return this;
  }

  /** The value of a header (any case): a string, or a copy of its array of strings. */
  getHeader(name: string): string | string[] | undefined {
    checkNameType(name);
    const value = this.#headers?.get(name.toLowerCase())?.[1];
    // A copy: the stored, validated array must not be changed behind the checks.
    return typeof value === "object" ? value.slice() : value;
  }

  /** True when a header of this name (any case) is set. */
  hasHeader(name: string): boolean {
    checkNameType(name);
    return this.#headers?.has(name.toLowerCase()) ?? false;
  }

  /** Names of the headers set, lower case. */
  getHeaderNames(): string[] {
    return this.#headers === null ? [] : [...this.#headers.keys()];
  }

  /** Removes a header (any case). */
  removeHeader(name: string): this {
    checkNameType(name);
    this.#checkOpen("remove");
    this.#headers?.delete(name.toLowerCase());
    return this;
  }

  /**
   * Fixes the status line and headers (merged over those set with `setHeader`); they go out with
   * the first body bytes, or at `end`. Throws as `node:http` does: `ERR_HTTP_HEADERS_SENT`,
   * `ERR_HTTP_INVALID_STATUS_CODE`, `ERR_INVALID_HTTP_TOKEN`, `ERR_INVALID_CHAR`,
   * `ERR_HTTP_INVALID_HEADER_VALUE`.
   */
  writeHead(statusCode: number, statusMessage?: string, headers?: ResponseHeaders): this;
  writeHead(statusCode: number, headers?: ResponseHeaders): this;
  writeHead(
    statusCode: number,
    reasonOrHeaders?: string | ResponseHeaders,
    headers?: ResponseHeaders,
  ): this {
    this.#checkOpen("write");
    checkStatus(statusCode);
    if (typeof reasonOrHeaders === "string") {
      checkFieldText(reasonOrHeaders, null);
      this.statusMessage = reasonOrHeaders;
    } else if (reasonOrHeaders !== undefined) {
      headers = reasonOrHeaders;
    }
    if (headers !== undefined && (headers === null || typeof headers !== "object")) {
      throw invalidArgType("headers", "an object or an array of [name, value] pairs", headers);
    }
    this.statusCode = statusCode;
    if (headers !== undefined) {
      if (Array.isArray(headers)) {
        for (const pair of headers as readonly (readonly [string, HeaderValue])[]) {
          if (!Array.isArray(pair)) {
            throw invalidArgValue("headers", headers, "must be an array of [name, value] pairs");
          }
          this.setHeader(pair[0], pair[1]);
        }
      } else {
        for (const name of Object.keys(headers)) {
          this.setHeader(name, (headers as Record<string, HeaderValue>)[name]!);
        }
      }
    }
    this.#fixHead();
    return this;
  }

  /** Sends the status line and headers now, before any body (for a long wait or a stream). */
  flushHeaders(): void {
    if (this.destroyed || this.writableEnded) return;
    if (this.#head === null) this.#fixHead();
    if (!this.#headWritten && this.writableLength === 0) {
      this.#sink.answerWrote();
      this.#writeHead(null);
    }
  }

  // Validation happens here, in the caller's stack, not inside the stream machinery.
  override write(
    chunk: unknown,
    encoding?: BufferEncoding | WriteCallback,
    callback?: WriteCallback,
  ): boolean {
    if (this.#head === null && !this.destroyed && !this.writableEnded) this.#fixHead();
    return super.write(chunk, encoding as BufferEncoding, callback);
  }

  override end(chunk?: unknown, encoding?: BufferEncoding | (() => void), cb?: () => void): this {
    if (this.#head === null && !this.destroyed && !this.writableEnded) this.#fixHead();
    return super.end(chunk, encoding as BufferEncoding, cb);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: WriteCallback): void {
    const socket = this.socket;
    this.#sink.answerWrote();
    if (this.#headWritten) {
      if (!this.#bodiless) socket.write(chunk);
    } else {
      this.#writeHead(chunk);
    }
    if (socket.writableNeedDrain) this.#waiting = callback;
    else callback();
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    callback: WriteCallback,
  ): void {
    const socket = this.socket;
    this.#sink.answerWrote();
    socket.cork();
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!.chunk;
      if (this.#headWritten) {
        if (!this.#bodiless) socket.write(chunk);
      } else {
        this.#writeHead(chunk);
      }
    }
    socket.uncork();
    if (socket.writableNeedDrain) this.#waiting = callback;
    else callback();
  }

  override _final(callback: WriteCallback): void {
    if (!this.#headWritten) this.#writeHead(null);
    // The connection ends the socket: it knows whether the request was read to its end.
    this.#sink.answerFinished();
    callback();
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#waiting = null;
    this.#sink.answerDestroyed(err);
    callback(err);
  }

  // What a listener (user code) throws is the handler's failure, as on the request.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    try {
      return super.emit(event, ...args);
    } catch (err) {
      this.#sink.listenerFailed(err);
      return true;
    }
  }

  /** @internal The socket drained: let the next write through. */
  socketDrained(): void {
    const waiting = this.#waiting;
    if (waiting !== null) {
      this.#waiting = null;
      waiting();
    }
  }

  /** @internal True once bytes of this answer went to the socket (or are queued to). */
  get answerStarted(): boolean {
    return this.#headWritten || this.writableLength > 0;
  }

  /**
   * @internal Replaces whatever the handler prepared with a short plain-text answer and ends;
   * false when bytes of another answer already went out (the connection must then be cut).
   */
  answerInstead(statusCode: number, text: string): boolean {
    if (this.answerStarted || this.writableEnded || this.destroyed) {
      return false;
    }
    this.#head = null;
    this.#headers = null;
    this.statusMessage = undefined;
    this.writeHead(statusCode, {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Length": Buffer.byteLength(text),
    });
    this.end(text);
    return true;
  }

  /** Throws `ERR_HTTP_HEADERS_SENT` once the head is fixed; `verb` says what was tried. */
  #checkOpen(verb: string): void {
    if (this.#head !== null) throw headersSent(verb);
  }

  #fixHead(): void {
    const code = this.statusCode;
    checkStatus(code);
    const reason = this.statusMessage ?? STATUS_CODES[code] ?? "Unknown";
    checkFieldText(reason, null);
    this.#bodiless = code === 204 || code === 304 || this.req.method === "HEAD";
    let head = `HTTP/1.1 ${code} ${reason}\r\n`;
    if (this.#headers !== null) {
      for (const [name, value] of this.#headers.values()) head = headerLines(head, name, value);
    }
    this.#head = `${head}\r\n`;
  }

  /** Writes the head, with `chunk` joined to it when small (one write, one packet). */
  #writeHead(chunk: Buffer | null): void {
    const head = this.#head!;
    const socket = this.socket;
    this.#headWritten = true;
    if (chunk === null || this.#bodiless) {
      socket.write(head, "latin1");
    } else if (chunk.length <= JOIN_LIMIT) {
      const out = Buffer.allocUnsafe(head.length + chunk.length);
      out.write(head, 0, "latin1");
      chunk.copy(out, head.length);
      socket.write(out);
    } else {
      socket.cork();
      socket.write(head, "latin1");
      socket.write(chunk);
      socket.uncork();
    }
  }
}

function checkStatus(code: number): void {
  if (!(Number.isInteger(code) && code >= 100 && code <= 999)) throw invalidStatus(code);
}
