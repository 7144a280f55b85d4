import { connect, type Socket } from "node:net";
import { Readable } from "node:stream";
import { chunkHead, chunkTail, lastChunk } from "../parser/chunked-encoder.js";
import { abortError, connectError } from "./address.js";
import { answerLength, bodiless, isInterim } from "./answer-framing.js";
import { type AnswerHead, AnswerHeadParser } from "./answer-head.js";
import { UwsgiClientError } from "./errors.js";
import {
  type RequestOptions,
  type ResolvedRequest,
  resolveRequestOptions,
} from "./request-options.js";
import { planRequest, type RequestPlan } from "./request-packet.js";
import { headersOf, type InformationalAnswer, UwsgiResponse } from "./response.js";

export {
  DEFAULT_REQUEST_OPTIONS,
  type RequestOptions,
} from "./request-options.js";
export type { InformationalAnswer } from "./response.js";

/**
 * Largest chunk written in chunked mode. uWSGI's `chunked_read()` holds a whole chunk in one
 * buffer capped by `--chunked-input-limit` (1 MiB by default): a bigger piece is split.
 */
const MAX_CHUNK = 64 * 1024;

const LAST_CHUNK = lastChunk();
const CHUNK_TAIL = chunkTail();

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
  readonly #options: ResolvedRequest;
  readonly #plan: RequestPlan;
  readonly #parser: AnswerHeadParser;
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
    options: ResolvedRequest,
    plan: RequestPlan,
    resolve: (response: UwsgiResponse) => void,
    reject: (err: Error) => void,
  ) {
    this.#options = options;
    this.#parser = new AnswerHeadParser(options.maxHeaderSize);
    this.#plan = plan;
    this.#head = options.head ?? plan.method === "HEAD";
    this.#resolve = resolve;
    this.#reject = reject;
    const socket = connect(options.address);
    this.#socket = socket;
    socket.on("connect", this.#onConnect);
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onEnd);
    socket.on("timeout", this.#onTimeout);
    socket.on("drain", this.#onDrain);
    if (options.connectTimeout > 0) {
      this.#connectTimer = setTimeout(this.#onConnectTimeout, options.connectTimeout);
    }
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
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
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
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
    if (this.#options.timeout > 0) this.#socket.setTimeout(this.#options.timeout);
    const { packet, bytes, stream, chunked } = this.#plan;
    if (stream !== undefined) {
      this.#socket.write(packet);
      void this.#pump(stream);
      return;
    }
    this.#socket.cork();
    this.#socket.write(packet);
    if (chunked) {
      if (bytes !== undefined) this.#writeChunks(bytes);
      this.#socket.write(LAST_CHUNK);
    } else if (bytes !== undefined && bytes.length > 0) {
      this.#socket.write(bytes);
    }
    this.#socket.uncork();
  };

  /**
   * Writes `bytes` as chunks of at most MAX_CHUNK bytes (nothing for an empty piece, which would
   * end the body); returns what the socket's last write returned (false: wait for drain).
   */
  #writeChunks(bytes: Uint8Array): boolean {
    let ok = true;
    for (let at = 0; at < bytes.length; at += MAX_CHUNK) {
      const piece = bytes.subarray(at, Math.min(bytes.length, at + MAX_CHUNK));
      this.#socket.write(chunkHead(piece.length));
      this.#socket.write(piece);
      ok = this.#socket.write(CHUNK_TAIL);
    }
    return ok;
  }

  /**
   * Writes a streamed body with backpressure: counted against CONTENT_LENGTH, or in chunked
   * framing (one chunk per piece, split at MAX_CHUNK) ended by the last chunk.
   */
  async #pump(stream: AsyncIterable<Uint8Array | string>): Promise<void> {
    const { length: expected, chunked } = this.#plan;
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
        if (!chunked && sent > expected) break;
        let ok: boolean;
        if (chunked) {
          this.#socket.cork();
          ok = this.#writeChunks(chunk);
          this.#socket.uncork();
        } else {
          ok = this.#socket.write(chunk);
        }
        if (!ok) await this.#drained();
      }
    } catch (err) {
      this.#fail(
        new UwsgiClientError("BODY_SOURCE_FAILED", `reading the request body failed: ${err}`, err),
      );
      return;
    }
    if (this.#done) return;
    if (chunked) {
      this.#socket.write(LAST_CHUNK);
    } else if (sent !== expected) {
      this.#fail(
        new UwsgiClientError(
          "BODY_LENGTH_MISMATCH",
          `CONTENT_LENGTH says ${expected} bytes but the body stream gave ${sent > expected ? "more" : sent}`,
        ),
      );
    }
  }

  #drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#wakeWriter = () => {
        this.#wakeWriter = undefined;
        resolve();
      };
    });
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
    let rest = chunk;
    for (;;) {
      let end: number;
      let head: AnswerHead;
      try {
        end = this.#parser.push(rest);
        if (end < 0) return;
        head = this.#parser.finish(rest, end);
        if (!isInterim(head.statusCode)) {
          this.#remaining = bodiless(head.statusCode, this.#head) ? 0 : answerLength(head);
        }
      } catch (err) {
        this.#fail(err as Error);
        return;
      }
      rest = rest.subarray(end);
      if (!isInterim(head.statusCode)) {
        this.#answer(head, rest);
        return;
      }
      this.#inform(head);
      if (this.#done || rest.length === 0) return;
    }
  };

  /** Tells the caller about an interim answer; an error the callback throws fails the call. */
  #inform(head: AnswerHead): void {
    const listener = this.#options.onInformation;
    if (listener === undefined) return;
    try {
      listener({ ...head, headers: headersOf(head.rawHeaders) } satisfies InformationalAnswer);
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  /** The final answer's head is in: resolve, then hand over the body bytes that came with it. */
  #answer(head: AnswerHead, rest: Buffer): void {
    const body = new AnswerBody(this);
    this.#body = body;
    this.#resolve(new UwsgiResponse(head, body));
    if (this.#remaining === 0) this.#complete();
    else if (rest.length > 0) this.#deliver(rest);
  }

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
      this.#fail(connectError(this.#options.address, err));
      return;
    }
    this.#fail(new UwsgiClientError("SOCKET_ERROR", `connection failed: ${err.message}`, err));
  };

  #onTimeout = (): void => {
    // A paused socket is the consumer's choice, not a silent backend.
    if (this.#paused) return;
    this.#fail(
      new UwsgiClientError("TIMEOUT", `no byte from the backend for ${this.#options.timeout} ms`),
    );
  };

  #onConnectTimeout = (): void => {
    this.#fail(
      new UwsgiClientError(
        "CONNECT_TIMEOUT",
        `not connected within connectTimeout (${this.#options.connectTimeout} ms)`,
      ),
    );
  };

  #onAbort = (): void => {
    this.#fail(abortError(this.#options.signal!));
  };
}

/**
 * Sends one request to a uWSGI socket and resolves with the final answer once its status line
 * and headers have arrived; the body follows as `response.body`. The answer to a modifier1 0
 * request is HTTP/1.x: its body ends at `Content-Length`, or when the backend closes. Interim
 * answers (1xx but 101) are skipped, each reported to `onInformation`.
 *
 * Rejects with Node's argument errors for wrong options (`TypeError`/`RangeError` with `code`
 * `ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`, `ERR_OUT_OF_RANGE`, `ERR_MISSING_ARGS`,
 * `ERR_UNKNOWN_OPTION`), a `UwsgiError` for vars that cannot be encoded, a `UwsgiClientError` for
 * everything that happens on the connection (refused, timeout, abort, malformed answer), or the
 * error `onInformation` threw. Sockets and timers are released on every path.
 */
export function request(options: RequestOptions): Promise<UwsgiResponse> {
  return new Promise((resolve, reject) => {
    try {
      const resolved = resolveRequestOptions(options);
      const plan = planRequest(
        options.vars,
        options.body,
        resolved.contentLength,
        resolved.chunked,
        resolved.modifier1,
        resolved.modifier2,
        options.encoding === undefined ? {} : { encoding: options.encoding },
      );
      if (resolved.signal?.aborted) throw abortError(resolved.signal);
      new Call(resolved, plan, resolve, reject);
    } catch (err) {
      reject(err as Error);
    }
  });
}
