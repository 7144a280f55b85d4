import { connect, type NetConnectOpts, type Socket } from "node:net";
import { Readable } from "node:stream";
import type { TextEncoding } from "../codec/text.js";
import type { VarsInput } from "../codec/vars-encode.js";
import type { VarsView } from "../codec/vars-view.js";
import {
  abortError,
  connectError,
  connectOptions,
  timeoutOption,
  type UwsgiAddress,
} from "./address.js";
import { type AnswerHead, AnswerHeadParser } from "./answer-head.js";
import { UwsgiClientError } from "./errors.js";
import { planRequest, type RequestBody, type RequestPlan } from "./request-packet.js";
import { UwsgiResponse } from "./response.js";

/** Options of {@link request}: where, what to send, and the limits. */
export interface RequestOptions extends UwsgiAddress {
  /** Defaults to 0 (a WSGI request). */
  readonly modifier1?: number;
  /** Defaults to 0. */
  readonly modifier2?: number;
  /** The CGI vars: an object, pairs (order and duplicates kept), a Map, or a decoded `VarsView`. */
  readonly vars?: VarsInput | VarsView;
  /**
   * The body. Bytes and strings (sent as UTF-8) have a known length and CONTENT_LENGTH is added
   * when the vars lack it; a stream (`Readable` or any AsyncIterable of bytes) needs CONTENT_LENGTH
   * in the vars or `contentLength`. A length that disagrees is `BODY_LENGTH_MISMATCH`.
   */
  readonly body?: RequestBody;
  /** The body's length, for a stream whose vars do not carry CONTENT_LENGTH. */
  readonly contentLength?: number;
  /** How string vars become bytes. Defaults to `"latin1"` (Node's header strings are latin1). */
  readonly encoding?: TextEncoding;
  /** Milliseconds to connect; 0 = no limit. Defaults to 10000. */
  readonly connectTimeout?: number;
  /** Milliseconds without a byte from the backend once connected; 0 = no limit. Defaults to 60000. */
  readonly timeout?: number;
  /** Largest answer status line + headers, in bytes. Defaults to 65536. */
  readonly maxHeaderSize?: number;
  /** Abort: destroys the connection; the call (or the body stream) fails with `ABORTED`. */
  readonly signal?: AbortSignal;
  /** The answer has no body (a HEAD request). Defaults to REQUEST_METHOD === "HEAD". */
  readonly head?: boolean;
}

/** Defaults of {@link RequestOptions}. */
export const DEFAULT_REQUEST_OPTIONS: Readonly<{
  connectTimeout: number;
  timeout: number;
  maxHeaderSize: number;
}> = Object.freeze({ connectTimeout: 10_000, timeout: 60_000, maxHeaderSize: 65_536 });

/** Answers that never have a body, whatever the backend sends after the head. */
function bodiless(status: number, head: boolean): boolean {
  return head || status === 204 || status === 304 || (status >= 100 && status < 200);
}

/** Content-Length of the answer: -1 when absent (the body ends when the backend closes). */
function answerLength(head: AnswerHead): number {
  let length = -1;
  for (const [name, value] of head.headers) {
    if (name.length !== 14 || name.toLowerCase() !== "content-length") continue;
    let n = value.length === 0 ? -1 : 0;
    for (let i = 0; i < value.length && n >= 0; i++) {
      const d = value.charCodeAt(i) - 0x30;
      n = d >= 0 && d <= 9 ? n * 10 + d : -1;
    }
    if (n < 0 || n > Number.MAX_SAFE_INTEGER || (length >= 0 && n !== length)) {
      throw new UwsgiClientError("MALFORMED_ANSWER", `bad Content-Length "${value}" in the answer`);
    }
    length = n;
  }
  return length;
}

/** The answer body: reading pulls from the socket; destroying it closes the connection. */
class AnswerBody extends Readable {
  readonly #call: Call;
  constructor(call: Call) {
    super();
    this.#call = call;
  }
  override _read(): void {
    this.#call.resume();
  }
  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.#call.release();
    callback(err);
  }
}

/** One request on one connection, from connect to the last body byte. */
class Call {
  readonly #socket: Socket;
  readonly #address: NetConnectOpts;
  readonly #plan: RequestPlan;
  readonly #parser: AnswerHeadParser;
  readonly #signal: AbortSignal | undefined;
  readonly #timeout: number;
  readonly #head: boolean;
  readonly #resolve: (response: UwsgiResponse) => void;
  readonly #reject: (err: Error) => void;
  #connectTimer: NodeJS.Timeout | undefined;
  #body: AnswerBody | undefined;
  #connected = false;
  #done = false;
  #paused = false;
  /** Body bytes still expected; -1 = until the backend closes. */
  #remaining = -1;
  #received = 0;
  #wakeWriter: (() => void) | undefined;

  constructor(
    address: NetConnectOpts,
    plan: RequestPlan,
    options: RequestOptions,
    resolve: (response: UwsgiResponse) => void,
    reject: (err: Error) => void,
  ) {
    const defaults = DEFAULT_REQUEST_OPTIONS;
    const connectTimeout = timeoutOption(
      "connectTimeout",
      options.connectTimeout,
      defaults.connectTimeout,
    );
    this.#timeout = timeoutOption("timeout", options.timeout, defaults.timeout);
    const max = options.maxHeaderSize ?? defaults.maxHeaderSize;
    if (!(Number.isSafeInteger(max) && max >= 16)) {
      throw new UwsgiClientError("INVALID_ARGUMENT", `maxHeaderSize ${max} is below 16 bytes`);
    }
    this.#parser = new AnswerHeadParser(max);
    this.#address = address;
    this.#plan = plan;
    this.#head = options.head ?? plan.method === "HEAD";
    this.#signal = options.signal;
    this.#resolve = resolve;
    this.#reject = reject;
    const socket = connect(address);
    this.#socket = socket;
    socket.on("connect", this.#onConnect);
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onEnd);
    socket.on("timeout", this.#onTimeout);
    socket.on("drain", this.#onDrain);
    if (connectTimeout > 0) this.#connectTimer = setTimeout(this.#onConnectTimeout, connectTimeout);
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** The consumer wants more body: undo a backpressure pause. */
  resume(): void {
    if (this.#paused && !this.#done) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /** Ends everything: timers, listeners, the socket, a writer waiting for drain. Idempotent. */
  release(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#connectTimer);
    this.#signal?.removeEventListener("abort", this.#onAbort);
    this.#socket.destroy();
    this.#wakeWriter?.();
  }

  #fail(err: Error): void {
    if (this.#done) return;
    this.release();
    // A failed request does not leave the caller's body stream open (as stream.pipeline does);
    // an answer that came before the whole body was sent leaves it as it is.
    const source = this.#plan.stream;
    if (source instanceof Readable && !source.readableEnded) source.destroy();
    if (this.#body === undefined) this.#reject(err);
    else this.#body.destroy(err);
  }

  #onConnect = (): void => {
    this.#connected = true;
    clearTimeout(this.#connectTimer);
    if (this.#timeout > 0) this.#socket.setTimeout(this.#timeout);
    const { packet, bytes, stream } = this.#plan;
    if (stream !== undefined) {
      this.#socket.write(packet);
      void this.#pump(stream);
      return;
    }
    this.#socket.cork();
    this.#socket.write(packet);
    if (bytes !== undefined && bytes.length > 0) this.#socket.write(bytes);
    this.#socket.uncork();
  };

  /** Writes a streamed body with backpressure, counting it against CONTENT_LENGTH. */
  async #pump(stream: AsyncIterable<Uint8Array | string>): Promise<void> {
    const expected = this.#plan.length;
    let sent = 0;
    // Leaving the loop early must not destroy a Readable: that is #fail's decision.
    const pieces =
      stream instanceof Readable ? stream.iterator({ destroyOnReturn: false }) : stream;
    try {
      for await (const piece of pieces) {
        if (this.#done) return;
        const chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
        if (!(chunk instanceof Uint8Array)) throw new TypeError("a body chunk is not bytes");
        sent += chunk.length;
        if (sent > expected) break;
        if (!this.#socket.write(chunk)) {
          await new Promise<void>((resolve) => {
            this.#wakeWriter = resolve;
          });
          this.#wakeWriter = undefined;
        }
      }
    } catch (err) {
      this.#fail(
        new UwsgiClientError("BODY_SOURCE_FAILED", `reading the request body failed: ${err}`, err),
      );
      return;
    }
    if (sent !== expected) {
      this.#fail(
        new UwsgiClientError(
          "BODY_LENGTH_MISMATCH",
          `CONTENT_LENGTH says ${expected} bytes but the body stream gave ${sent > expected ? "more" : sent}`,
        ),
      );
    }
  }

  #onDrain = (): void => {
    this.#wakeWriter?.();
  };

  #onData = (chunk: Buffer): void => {
    if (this.#done) return;
    this.#received += chunk.length;
    if (this.#body !== undefined) {
      this.#deliver(chunk);
      return;
    }
    let start: number;
    let head: AnswerHead;
    try {
      start = this.#parser.push(chunk);
      if (start < 0) return;
      head = this.#parser.finish(chunk, start);
      this.#remaining = bodiless(head.status, this.#head) ? 0 : answerLength(head);
    } catch (err) {
      this.#fail(err as Error);
      return;
    }
    const body = new AnswerBody(this);
    this.#body = body;
    this.#resolve(new UwsgiResponse(head, body));
    if (this.#remaining === 0) this.#complete();
    else if (start < chunk.length) this.#deliver(chunk.subarray(start));
  };

  #deliver(chunk: Buffer): void {
    if (this.#remaining >= 0) {
      if (chunk.length >= this.#remaining) {
        // Bytes past Content-Length are not part of this answer (uWSGI sends none).
        this.#body!.push(chunk.subarray(0, this.#remaining));
        this.#remaining = 0;
        this.#complete();
        return;
      }
      this.#remaining -= chunk.length;
    }
    if (!this.#body!.push(chunk)) {
      this.#paused = true;
      this.#socket.pause();
    }
  }

  #complete(): void {
    const body = this.#body!;
    this.release();
    body.push(null);
  }

  #onEnd = (): void => {
    if (this.#done) return;
    if (this.#body === undefined) {
      this.#fail(
        new UwsgiClientError(
          "CLOSED_BEFORE_ANSWER",
          `the backend closed the connection after ${this.#received} bytes, before the end of the answer's headers`,
        ),
      );
    } else if (this.#remaining > 0) {
      this.#fail(
        new UwsgiClientError(
          "ANSWER_TRUNCATED",
          `the backend closed the connection ${this.#remaining} bytes before the announced Content-Length`,
        ),
      );
    } else {
      this.#complete();
    }
  };

  #onError = (err: Error): void => {
    if (!this.#connected) {
      this.#fail(connectError(this.#address, err));
      return;
    }
    this.#fail(new UwsgiClientError("SOCKET_ERROR", `connection failed: ${err.message}`, err));
  };

  #onTimeout = (): void => {
    // A paused socket is the consumer's choice, not a silent backend.
    if (this.#paused) return;
    this.#fail(new UwsgiClientError("TIMEOUT", `no byte from the backend for ${this.#timeout} ms`));
  };

  #onConnectTimeout = (): void => {
    this.#fail(new UwsgiClientError("CONNECT_TIMEOUT", "could not connect within connectTimeout"));
  };

  #onAbort = (): void => {
    this.#fail(abortError(this.#signal!));
  };
}

/**
 * Sends one request to a uWSGI socket and resolves with the answer once its status line and
 * headers have arrived; the body follows as `response.body`. The answer to a modifier1 0
 * request is HTTP/1.x: its body ends at `Content-Length`, or when the backend closes.
 *
 * Rejects with a `UwsgiClientError` (connection, timeout, abort, malformed answer) or a
 * `UwsgiError` (vars that cannot be encoded). Sockets and timers are released on every path.
 */
export function request(options: RequestOptions): Promise<UwsgiResponse> {
  return new Promise((resolve, reject) => {
    try {
      const address = connectOptions(options);
      const plan = planRequest(
        options.vars,
        options.body,
        options.contentLength,
        options.modifier1 ?? 0,
        options.modifier2 ?? 0,
        options.encoding === undefined ? {} : { encoding: options.encoding },
      );
      if (options.signal?.aborted) throw abortError(options.signal);
      new Call(address, plan, options, resolve, reject);
    } catch (err) {
      reject(err as Error);
    }
  });
}
