import type { Duplex } from "node:stream";
import { Modifier1, PONG } from "../codec/modifiers.js";
import { encodePacket, type Packet, type VarsPacket } from "../codec/packet.js";
import type { PickHint } from "./balancer.js";
import { UwsgiRouterError } from "./errors.js";
import { Exchange, type ExchangeHost, MAX_PENDING } from "./forward.js";
import { PacketGatherer } from "./packet-gatherer.js";
import type { Pool } from "./pool.js";
import { RouterRequest, sourceOf } from "./request.js";
import { fastRouterKey } from "./routing-key.js";
import { cookieValue } from "./sticky-cookie.js";
import { hasKeyPrefix, VarsEditor } from "./vars-editor.js";

/** A client's connection: a socket, or the HTTP front's stream over one. @internal */
export type ClientStream = Duplex & { readonly remoteAddress?: string | undefined };

/** What a client connection needs from its router. @internal */
export interface ConnectionHost extends ExchangeHost {
  /** The pool a request goes to, from its key: the pool of that name, else the default pool. */
  poolFor(key: string | undefined): string | undefined;
  /** A client sent bytes that are not a request (or too slowly). */
  clientError(error: Error, socket: ClientStream): void;
  /** A request was refused before reaching a backend (no key, no pool, middleware failure). */
  refused(error: UwsgiRouterError): void;
  /** A request was answered by middleware. */
  answeredDirectly(): void;
  started(): void;
  /** The client's socket closed. */
  connectionClosed(connection: ClientConnection): void;
}

// A pong: modifier1 100, datasize 0, modifier2 1, as uWSGI answers a ping.

/**
 * One client connection: reads the request packet (PacketGatherer), routes it (key, pool,
 * middleware), then hands it to an {@link Exchange}. Bytes after the packet are forwarded as they
 * come, whatever CONTENT_LENGTH says, as FastRouter does. @internal
 */
export class ClientConnection {
  readonly #host: ConnectionHost;
  readonly #socket: ClientStream;
  readonly #gatherer = new PacketGatherer();
  #packet: Packet | null = null;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #ended = false;
  #exchange: Exchange | null = null;
  #closed = false;
  /** Refused as a bad or slow client: its header deadline is off. */
  #refused = false;
  /** When it was accepted (`performance.now()`). */
  readonly #since: number;
  /** Its index in the router's list of connections (-1 once out of it). */
  slot = -1;

  constructor(host: ConnectionHost, socket: ClientStream) {
    this.#host = host;
    this.#socket = socket;
    this.#since = performance.now();
    socket.on("data", this.#onData);
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
  }

  /** True while a request is being routed or forwarded. */
  get busy(): boolean {
    return this.#packet !== null && !this.#closed;
  }

  /** Cuts the connection (router shutdown). */
  abort(): void {
    if (this.#exchange !== null) this.#exchange.abort();
    else this.#socket.destroy();
  }

  #onData = (chunk: Buffer): void => {
    if (this.#exchange !== null) {
      this.#exchange.clientData(chunk);
      return;
    }
    if (this.#packet !== null) {
      this.#hold(chunk);
      return;
    }
    let got: ReturnType<PacketGatherer["push"]>;
    try {
      got = this.#gatherer.push(chunk);
    } catch (err) {
      this.#clientError(err as Error, 400);
      return;
    }
    if (got === undefined) return;
    this.#packet = got.packet;
    if (got.rest.length > 0) this.#hold(got.rest);
    this.#route(got.packet);
  };

  /** Keeps body bytes that came before the backend is connected; past 64 KiB the socket pauses. */
  #hold(piece: Uint8Array): void {
    this.#pending.push(piece);
    this.#pendingBytes += piece.length;
    if (this.#pendingBytes > MAX_PENDING) this.#socket.pause();
  }

  #onEnd = (): void => {
    this.#ended = true;
    if (this.#exchange !== null) this.#exchange.clientEnd();
    else if (this.#packet === null && !this.#closed) {
      // The client stopped before a whole packet: nothing to route.
      this.#socket.destroy();
    }
  };

  #onError = (err: Error): void => {
    this.#exchange?.clientGone(err);
  };

  #onClose = (): void => {
    this.#closed = true;
    this.#exchange?.clientGone(undefined);
    this.#host.connectionClosed(this);
  };

  /** @internal Checked at each tick of the router's clock. */
  check(now: number): void {
    if (this.#closed) return;
    if (this.#exchange !== null) {
      this.#exchange.check(now);
      return;
    }
    const limit = this.#host.options.headersTimeout;
    if (this.#packet !== null || this.#refused || limit === 0) return;
    if (now - this.#since < limit) return;
    this.#clientError(
      new UwsgiRouterError(
        "HEADER_TIMEOUT",
        `no whole request packet within ${this.#host.options.headersTimeout} ms`,
      ),
      408,
    );
  }

  #clientError(error: Error, status: number): void {
    this.#refused = true;
    this.#socket.off("data", this.#onData);
    this.#host.clientError(error, this.#socket);
    this.#host.answerError(this.#socket, status);
  }

  #route(packet: Packet): void {
    const socket = this.#socket;
    if (packet.kind !== "vars") {
      if (packet.modifier1 === Modifier1.PING) socket.end(PONG);
      else
        this.#clientError(
          new UwsgiRouterError(
            "NO_KEY",
            `a modifier1 ${packet.modifier1} packet has no vars to route by`,
          ),
          400,
        );
      return;
    }
    const host = this.#host;
    // The peer's address is a syscall on TCP (getpeername): read only when trust depends on it,
    // or when middleware asks for req.source.
    const trust = host.options.trust;
    const trusted = typeof trust === "boolean" ? trust : trust(sourceOf(socket));
    const raw = packet.vars.raw;
    const vars = new VarsEditor(packet.vars);
    // An untrusted client's UWSGI_* vars are dropped before anything reads them.
    if (!trusted && hasKeyPrefix(raw, "UWSGI_")) vars.deletePrefix("UWSGI_");
    const defaultKey = fastRouterKey(raw, trusted);
    let req = new RouterRequest(
      vars,
      packet.modifier1,
      packet.modifier2,
      defaultKey,
      undefined,
      socket,
      trusted,
    );
    if (host.options.key !== undefined) {
      let key: string | undefined;
      try {
        key = host.options.key(req);
      } catch (err) {
        this.#refuse("MIDDLEWARE_FAILED", "the key function threw", err, 500);
        return;
      }
      req = new RouterRequest(
        vars,
        packet.modifier1,
        packet.modifier2,
        key,
        undefined,
        socket,
        trusted,
      );
    }
    req.pool = host.poolFor(req.key);
    this.#runChain(req, 0, packet);
  }

  /** Runs middleware from `index`; synchronous while the functions are. */
  #runChain(req: RouterRequest, index: number, packet: VarsPacket): void {
    const chain = this.#host.options.middleware;
    for (let i = index; i < chain.length && !req.answered; i++) {
      let result: unknown;
      try {
        result = chain[i]!(req);
      } catch (err) {
        this.#refuse("MIDDLEWARE_FAILED", `middleware ${i} threw`, err, 500);
        return;
      }
      if (result !== undefined && typeof (result as Promise<void>).then === "function") {
        (result as Promise<void>).then(
          () => {
            if (!this.#closed) this.#runChain(req, i + 1, packet);
          },
          (err: unknown) => this.#refuse("MIDDLEWARE_FAILED", `middleware ${i} rejected`, err, 500),
        );
        return;
      }
    }
    this.#forward(req, packet);
  }

  #forward(req: RouterRequest, packet: VarsPacket): void {
    const host = this.#host;
    const socket = this.#socket;
    if (req.answered) {
      host.answeredDirectly();
      socket.end(req.answer!);
      socket.resume();
      return;
    }
    if (req.pool === undefined) {
      if (req.key === undefined)
        this.#refuse("NO_KEY", "the request has no routing key", undefined, 502);
      else this.#refuse("NO_POOL", `no pool for key ${JSON.stringify(req.key)}`, undefined, 502);
      return;
    }
    const pool: Pool | undefined = host.pool(req.pool);
    if (pool === undefined) {
      this.#refuse("NO_POOL", `no pool named ${JSON.stringify(req.pool)}`, undefined, 502);
      return;
    }
    let bytes: Uint8Array;
    const pairs = req.vars.pairs();
    if (pairs === null) {
      // Unchanged: the packet's own bytes, header included (the vars view follows its header).
      const raw = packet.vars.raw;
      bytes = new Uint8Array(raw.buffer, raw.byteOffset - 4, raw.length + 4);
    } else {
      try {
        bytes = encodePacket({
          modifier1: packet.modifier1,
          modifier2: packet.modifier2,
          vars: pairs,
        });
      } catch (err) {
        this.#refuse("MIDDLEWARE_FAILED", "the edited vars cannot be encoded", err, 500);
        return;
      }
    }
    const cookie =
      pool.balancer === "cookie"
        ? cookieValue(req.vars.get("HTTP_COOKIE"), pool.cookie)
        : undefined;
    const exchange = new Exchange(
      host,
      socket,
      pool,
      bytes,
      this.#pending,
      this.#pendingBytes,
      this.#ended,
      {
        key: req.key,
        hint: new RequestHint(req.vars, cookie),
        modifier1: req.modifier1 !== req.originalModifier1 ? req.modifier1 : undefined,
        modifier2: req.modifier2 !== req.originalModifier2 ? req.modifier2 : undefined,
        vars: packet.vars,
      },
    );
    this.#pending = [];
    this.#exchange = exchange;
    host.started();
    exchange.start();
  }

  #refuse(
    code: "NO_KEY" | "NO_POOL" | "MIDDLEWARE_FAILED",
    message: string,
    cause: unknown,
    status: number,
  ): void {
    this.#host.refused(new UwsgiRouterError(code, message, { cause }));
    this.#host.answerError(this.#socket, status);
  }
}

/** What a balancer reads of a request; REMOTE_ADDR is read only if a pool hashes it. */
class RequestHint implements PickHint {
  readonly sticky: string | undefined;
  readonly #vars: VarsEditor;
  #address: string | undefined | null = null;

  constructor(vars: VarsEditor, sticky: string | undefined) {
    this.#vars = vars;
    this.sticky = sticky;
  }

  get clientAddress(): string | undefined {
    if (this.#address === null) this.#address = this.#vars.get("REMOTE_ADDR");
    return this.#address;
  }
}
