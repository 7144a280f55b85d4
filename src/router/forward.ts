import { connect, type Socket } from "node:net";
import type { VarsView } from "../codec/vars-view.js";
import type { PickHint } from "./balancer.js";
import { bodyComplete } from "./body-complete.js";
import type { ClientStream } from "./connection.js";
import { UwsgiRouterError, type UwsgiRouterErrorCode } from "./errors.js";
import { Failover, type FailoverHost } from "./failover.js";
import type { Health } from "./health.js";
import type { BackendNode } from "./node.js";
import type { ResolvedRouterOptions } from "./options.js";
import type { Pool } from "./pool.js";
import type { ReadBuffers } from "./read-buffers.js";
import { gatherHead, setCookieLine, writeStatusLineWith } from "./sticky-cookie.js";

/** What an exchange needs from its router. @internal */
export interface ExchangeHost extends FailoverHost {
  readonly options: ResolvedRouterOptions;
  readonly health: Health;
  readonly readBuffers: ReadBuffers;
  /** Writes an error answer (when nothing was sent yet) and lets the client go. */
  answerError(client: ClientStream, status: number): void;
  /** The request ended: `error` is undefined when it was answered. */
  settled(error: UwsgiRouterError | undefined): void;
}

/**
 * @internal Body bytes held while the backend connects (and by the client connection while it
 * holds bytes for a request not yet forwarded); past this the client socket pauses.
 */
export const MAX_PENDING = 64 * 1024;

/**
 * One request forwarded to a backend: picks a node, connects (retrying on other nodes while no byte
 * was sent: failover.ts), sends the packet and streams the body one way and the answer the other,
 * each side paused while the other is full. Every socket and timer it made is released when it
 * settles.
 * @internal
 */
export class Exchange {
  readonly #host: ExchangeHost;
  readonly #client: ClientStream;
  readonly #packet: Uint8Array;
  readonly #key: string | undefined;
  readonly #hint: PickHint;
  readonly #modifier1: number | undefined;
  readonly #modifier2: number | undefined;
  /** The request's vars as the client sent them (its CONTENT_LENGTH says where its body ends). */
  readonly #vars: VarsView;
  #pool: Pool;
  #pending: Uint8Array[] | null;
  #pendingBytes: number;
  #clientEnded: boolean;
  #backend: Socket | null = null;
  #node: BackendNode | null = null;
  /** Retries and fallbacks, made at the first failure (failover.ts); #pool follows its pool. */
  #failover: Failover | undefined = undefined;
  /** Waiting for the client's or the backend's 'drain' (registered only under backpressure). */
  #clientDrainWait = false;
  #backendDrainWait = false;
  /** When a byte last went to or came from the backend (`performance.now()`). */
  #active = 0;
  #connected = false;
  #failure: UwsgiRouterErrorCode | undefined = undefined;
  #cause: unknown = undefined;
  #bytesSent = 0;
  #answered = 0;
  #started = 0;
  #settled = false;
  /** A Set-Cookie line to add to the answer head, for cookie stickiness (sticky-cookie.ts). */
  #cookie: string | undefined;
  /** The answer's head held until its status line is whole, while #cookie waits to be added. */
  #head: Buffer | null = null;
  /** The buffer the backend socket reads into (ours until settled; null once a write holds it). */
  #buffer: Buffer | null = null;
  /** The backend socket's `onread`: its reads land in #buffer and go to #onBackendRead. */
  readonly #onread = {
    buffer: (): Buffer => {
      if (this.#buffer === null) this.#buffer = this.#host.readBuffers.take();
      return this.#buffer;
    },
    callback: (length: number, buffer: Uint8Array): boolean =>
      this.#onBackendRead(length, buffer as Buffer),
  };

  constructor(
    host: ExchangeHost,
    client: ClientStream,
    pool: Pool,
    packet: Uint8Array,
    pending: Uint8Array[],
    pendingBytes: number,
    clientEnded: boolean,
    request: {
      readonly key: string | undefined;
      readonly hint: PickHint;
      readonly modifier1: number | undefined;
      readonly modifier2: number | undefined;
      readonly vars: VarsView;
    },
  ) {
    this.#host = host;
    this.#client = client;
    this.#pool = pool;
    this.#packet = packet;
    this.#pending = pending;
    this.#pendingBytes = pendingBytes;
    this.#clientEnded = clientEnded;
    this.#key = request.key;
    this.#hint = request.hint;
    this.#modifier1 = request.modifier1;
    this.#modifier2 = request.modifier2;
    this.#vars = request.vars;
  }

  /** Starts: picks a node and connects. */
  start(): void {
    this.#attempt();
  }

  /** Body bytes from the client (after the packet). */
  clientData(chunk: Uint8Array): void {
    if (this.#settled) return;
    if (!this.#connected) {
      this.#pending!.push(chunk);
      this.#pendingBytes += chunk.length;
      if (this.#pendingBytes > MAX_PENDING) this.#client.pause();
      return;
    }
    this.#bytesSent += chunk.length;
    this.#active = performance.now();
    if (!this.#backend!.write(chunk)) {
      this.#client.pause();
      this.#waitBackendDrain();
    }
  }

  /**
   * @internal Checked at each tick of the router's clock: the connect's deadline while
   * connecting, then the backend's silence (reads and writes reset it) until its answer ended.
   */
  check(now: number): void {
    const backend = this.#backend;
    if (this.#settled || backend === null || this.#failure !== undefined) return;
    const options = this.#host.options;
    if (!this.#connected) {
      if (now - this.#started >= options.connectTimeout) {
        this.#failure = "CONNECT_TIMEOUT";
        backend.destroy();
      }
      return;
    }
    const limit = options.answerTimeout;
    if (limit > 0 && !backend.destroyed && now - this.#active >= limit) {
      this.#failure = "ANSWER_TIMEOUT";
      backend.destroy();
    }
  }

  /** The client half-closed: the backend is told so once connected. */
  clientEnd(): void {
    this.#clientEnded = true;
    if (this.#connected && !this.#settled) this.#backend!.end();
  }

  /** The client went away before the answer was complete. */
  clientGone(cause: unknown): void {
    if (this.#settled) return;
    this.#settle(
      "CLIENT_ABORTED",
      "the client closed the connection before the answer was complete",
      cause,
    );
  }

  /** Cuts the request (router shutdown). */
  abort(): void {
    if (this.#settled) return;
    this.#settle("SHUTDOWN", "the router closed while the request was running", undefined);
  }

  #attempt(): void {
    let failover = this.#failover;
    let node =
      failover === undefined
        ? this.#pool.pick(this.#key, this.#hint, undefined)
        : failover.next(this.#key, this.#hint);
    if (node === undefined && failover === undefined) {
      failover = this.#failover = new Failover(this.#host, this.#pool);
      node = failover.fallback(this.#key, this.#hint);
    }
    if (failover !== undefined) this.#pool = failover.pool;
    if (node === undefined) {
      const code = failover!.exhausted ? "RETRIES_EXHAUSTED" : "NO_NODE";
      const message =
        code === "NO_NODE"
          ? `pool ${this.#pool.name} has no node up`
          : `no node of pool ${this.#pool.name} could be reached`;
      this.#settle(code, message, this.#cause);
      return;
    }
    this.#node = node;
    node.inFlight++;
    node.requests++;
    this.#started = performance.now();
    this.#cookie = setCookieLine(this.#pool, this.#hint, node);
    // A spread of the node's options, not a new literal: with `{ path, onread }` (or
    // Object.assign onto `{}`) the router process promoted ten times as much per young GC (625
    // against 59 KB, 5 against 1 mark-compacts in 3 s) and its CPU per request rose by a third
    // under the load bench. Why V8 then keeps more alive is not understood; measure any change.
    const backend = connect({ ...node.connect, onread: this.#onread });
    this.#backend = backend;
    backend.once("connect", this.#onConnect);
    backend.on("error", this.#onBackendError);
    backend.on("close", this.#onBackendClose);
  }

  #onConnect = (): void => {
    const backend = this.#backend!;
    this.#active = performance.now();
    this.#connected = true;
    const node = this.#node!;
    // The node's modifiers win over the packet's, as FastRouter's do; middleware's win over both.
    const packet = this.#packet;
    packet[0] = this.#modifier1 ?? node.modifier1 ?? packet[0]!;
    packet[3] = this.#modifier2 ?? node.modifier2 ?? packet[3]!;
    backend.on("end", this.#onBackendEnd);
    backend.cork();
    backend.write(packet);
    this.#bytesSent += packet.length;
    for (const piece of this.#pending!) {
      backend.write(piece);
      this.#bytesSent += piece.length;
    }
    this.#pending = null;
    backend.uncork();
    if (this.#clientEnded) backend.end();
    else if (backend.writableNeedDrain) this.#waitBackendDrain();
    else if (this.#client.isPaused()) this.#client.resume();
  };

  #onBackendError = (err: Error): void => {
    this.#cause = err;
  };

  #onBackendClose = (): void => {
    if (this.#settled) return;
    if (!this.#connected) {
      this.#connectFailed();
      return;
    }
    const code = this.#failure ?? "BACKEND_FAILED";
    const message =
      code === "ANSWER_TIMEOUT"
        ? `${this.#node!.address} sent nothing for ${this.#host.options.answerTimeout} ms`
        : `the connection to ${this.#node!.address} broke after ${this.#bytesSent} request bytes were sent`;
    this.#node!.failures++;
    this.#settle(code, message, this.#cause);
  };

  #connectFailed(): void {
    const node = this.#node!;
    const code = this.#failure ?? "CONNECT_FAILED";
    this.#failure = undefined;
    if (code === "CONNECT_TIMEOUT") {
      this.#cause = new UwsgiRouterError(
        code,
        `no connection to ${node.address} within ${this.#host.options.connectTimeout} ms`,
        { address: node.address, pool: this.#pool.name },
      );
    }
    this.#node = null;
    this.#backend = null;
    this.#failover ??= new Failover(this.#host, this.#pool);
    this.#failover.failed(node);
    this.#attempt();
  }

  /**
   * Answer bytes, read into #buffer: written to the client as a view. A write the kernel did not
   * take at once keeps its view, so the buffer is then left to it and the next read gets another.
   * Returns false (the socket stops reading) while the client is full.
   */
  #onBackendRead(length: number, buffer: Buffer): boolean {
    if (this.#settled) return true;
    this.#answered += length;
    this.#active = performance.now();
    const client = this.#client;
    let chunk = buffer.subarray(0, length);
    if (this.#cookie !== undefined) {
      const head = gatherHead(this.#head, chunk);
      const rest = writeStatusLineWith(client, head, this.#cookie);
      if (rest === null) {
        this.#head = head;
        return true;
      }
      this.#head = null;
      this.#cookie = undefined;
      chunk = rest;
    }
    const more = client.write(chunk);
    if (client.writableLength > 0) this.#buffer = null;
    if (!more && !this.#clientDrainWait) {
      this.#clientDrainWait = true;
      client.once("drain", this.#onClientDrain);
    }
    return more;
  }

  #onBackendEnd = (): void => {
    if (this.#settled) return;
    if (this.#answered === 0) {
      // Closed without a byte of answer (a worker killed, a request uWSGI refused): nothing to
      // pass on; nginx would call it "upstream prematurely closed".
      this.#node!.failures++;
      this.#settle(
        "BACKEND_FAILED",
        `${this.#node!.address} closed the connection without answering`,
        undefined,
      );
      return;
    }
    const client = this.#client;
    if (this.#head !== null) client.write(this.#head);
    this.#head = null;
    // The backend has said all: close it now rather than half-close it first.
    this.#backend!.destroy();
    if (
      client.writableLength === 0 &&
      (this.#clientEnded || bodyComplete(this.#vars, this.#bytesSent - this.#packet.length))
    ) {
      // The client sent its whole request and the kernel holds the whole answer: close, as uWSGI
      // and FastRouter do, rather than half-close and wait for the client to close (a wake-up, a
      // read and a shutdown per request). nginx reads the answer, then the end of the stream.
      client.destroy();
      this.#settle(undefined, "", undefined);
      return;
    }
    // Else half-close: the client may still send (closing with unread bytes would reset the
    // connection, and it could lose the answer); what it sends is read and dropped until it
    // closes. The request is answered once the client's socket took the last byte (a client gone
    // by then is an abort).
    client.end(this.#onClientFinish);
  };

  #onClientFinish = (): void => {
    this.#settle(undefined, "", undefined);
  };

  #waitBackendDrain(): void {
    if (this.#backendDrainWait) return;
    this.#backendDrainWait = true;
    this.#backend!.once("drain", this.#onBackendDrain);
  }

  #onBackendDrain = (): void => {
    this.#backendDrainWait = false;
    if (!this.#clientEnded && !this.#settled) this.#client.resume();
  };

  #onClientDrain = (): void => {
    this.#clientDrainWait = false;
    this.#backend?.resume();
  };

  /** Ends the request once: releases the node, the sockets and the timers, and reports. */
  #settle(code: UwsgiRouterErrorCode | undefined, message: string, cause: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#clientDrainWait) this.#client.off("drain", this.#onClientDrain);
    const node = this.#node;
    if (node !== null) {
      node.inFlight--;
      if (code === undefined) node.latency.record(performance.now() - this.#started);
    }
    const backend = this.#backend;
    if (backend !== null && code !== undefined) backend.destroy();
    // The backend socket is closed (nothing reads into the buffer any more): the buffer goes back.
    if (this.#buffer !== null) this.#host.readBuffers.give(this.#buffer);
    this.#buffer = null;
    if (code === undefined) {
      this.#host.settled(undefined);
      return;
    }
    const error = new UwsgiRouterError(code, message, {
      pool: this.#pool.name,
      ...(node === null ? {} : { address: node.address }),
      bytesSent: this.#bytesSent,
      cause,
    });
    if (code !== "CLIENT_ABORTED") {
      if (this.#answered === 0)
        this.#host.answerError(this.#client, code === "ANSWER_TIMEOUT" ? 504 : 502);
      else this.#client.destroy();
    }
    this.#host.settled(error);
  }
}
