import { EventEmitter } from "node:events";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type AddressInfo, createServer, type Server } from "node:net";
import { invalidArgType } from "../codec/arguments.js";
import type { Subscription } from "../codec/subscription.js";
import { clockPeriod, RouterClock } from "./clock.js";
import { ClientConnection, type ClientStream } from "./connection.js";
import type { UwsgiRouterError, UwsgiRouterErrorCode } from "./errors.js";
import { Health, type NodeEvent } from "./health.js";
import { httpToUwsgi } from "./http-front.js";
import type { NodeInit } from "./node.js";
import { type ResolvedRouterOptions, type RouterOptions, resolveRouterOptions } from "./options.js";
import { checkNodeInit, Pool, type PoolStats } from "./pool.js";
import { ReadBuffers } from "./read-buffers.js";
import { REASONS } from "./request.js";
import { DEFAULT_SUBSCRIPTION_TOLERANCE } from "./subscription-options.js";
import { SubscriptionServer } from "./subscription-server.js";

/** The router's counters and every pool's nodes, as JSON-ready data. */
export interface RouterStats {
  /** Requests answered by a backend. */
  readonly answered: number;
  /** Requests answered by middleware. */
  readonly direct: number;
  /** Requests that failed, by error code. */
  readonly failed: Readonly<Partial<Record<UwsgiRouterErrorCode, number>>>;
  /** Requests in flight. */
  readonly inFlight: number;
  readonly pools: PoolStats[];
}

/** How long an error answer waits for the client to close before the socket is destroyed. */
const LINGER = 5000;

/**
 * A uwsgi router: accepts uwsgi requests (nginx `uwsgi_pass`, uWSGI's routers, any uwsgi client)
 * on TCP or unix sockets and forwards each to a node of a pool over uwsgi, body and answer
 * streamed byte for byte. Made by {@link createRouter}; listens like a `net.Server`.
 *
 * Events: `'listening'`, `'close'`, `'error'` (listen failures), `'clientError' (err, socket)`,
 * `'requestError' (err: UwsgiRouterError)` for every request that failed, `'nodeDown'`,
 * `'nodeUp'`, `'nodeAdded'`, `'nodeRemoved'` (a {@link NodeEvent}), `'subscriptionRefused'`.
 */
// Not `implements ConnectionHost`: that interface is internal, and a published declaration must
// not name it; the connections' constructor checks the shape where the router is passed.
export class UwsgiRouter extends EventEmitter {
  /** @internal */
  readonly options: ResolvedRouterOptions;
  /** @internal */
  readonly health: Health;
  /** @internal */
  readonly readBuffers: ReadBuffers = new ReadBuffers();
  readonly #clock: RouterClock;
  readonly #server: Server;
  readonly #pools = new Map<string, Pool>();
  // An array with swap-remove, not a Set: with a connection per request, a Set's table is rebuilt
  // as entries come and go, and V8's young-generation GC kept and promoted what the entries of the
  // dropped tables reached (the bench's router process promoted 2.2 MB per scavenge against 0.4
  // MB with an array). Each connection knows its slot.
  readonly #connections: ClientConnection[] = [];
  #inFlight = 0;
  readonly #subscriptions: SubscriptionServer | undefined;
  #sweep: NodeJS.Timeout | undefined;
  #answered = 0;
  #direct = 0;
  readonly #failed: Partial<Record<UwsgiRouterErrorCode, number>> = {};
  #closing = false;

  constructor(options?: RouterOptions) {
    super();
    this.options = resolveRouterOptions(options);
    const o = this.options;
    this.#clock = new RouterClock(
      clockPeriod(o.headersTimeout, o.connectTimeout, o.answerTimeout),
      this.#checkDeadlines,
    );
    this.health = new Health(this.options.grace, (event, info) => this.emit(event, info));
    for (const [name, poolOptions] of Object.entries(this.options.pools)) {
      const pool = new Pool(
        name,
        poolOptions,
        poolOptions.pattern === undefined ? "static" : "pattern",
      );
      this.#pools.set(name, pool);
      this.health.watch(pool);
    }
    const subs = this.options.subscriptions;
    if (subs !== undefined) {
      const server = new SubscriptionServer(subs.addresses, subs.resolvedVerify);
      server.on("subscribe", (sub: Subscription) => this.#subscribe(sub));
      server.on("unsubscribe", (sub: Subscription) => this.#unsubscribe(sub));
      server.on("refused", (info: unknown) => this.emit("subscriptionRefused", info));
      server.on("error", (err: Error) => this.emit("error", err));
      this.#subscriptions = server;
    }
    this.#server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
      this.#open(socket);
    });
    this.#server.on("error", (err) => this.emit("error", err));
    this.#server.on("listening", () => this.emit("listening"));
  }

  /**
   * Starts listening, as `net.Server#listen` (`(port, host?, cb?)`, `(path, cb?)`,
   * `(options, cb?)`); the subscription server, if any, binds first. `'listening'` follows.
   */
  listen(...args: unknown[]): this {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args.pop();
      this.once("listening", last as () => void);
    }
    const start = async () => {
      await this.#subscriptions?.listen();
      if (this.#subscriptions !== undefined) this.#startSweep();
      (this.#server.listen as (...a: unknown[]) => Server)(...args);
    };
    start().catch((err: unknown) => this.emit("error", err));
    return this;
  }

  /** The uwsgi listener's address, as `net.Server#address`. */
  address(): AddressInfo | string | null {
    return this.#server.address();
  }

  /** The subscription server's bound UDP addresses (`host:port`), once listening. */
  get subscriptionAddresses(): string[] {
    return this.#subscriptions?.addresses ?? [];
  }

  /**
   * Stops accepting, stops the subscription server and every health timer, lets requests in
   * flight finish for up to `closeTimeout`, then cuts the rest (`SHUTDOWN`). `'close'` follows.
   */
  close(callback?: (err?: Error) => void): this {
    if (callback !== undefined) this.once("close", callback);
    if (this.#closing) return this;
    this.#closing = true;
    this.#subscriptions?.close();
    clearInterval(this.#sweep);
    this.health.close(this.#pools.values());
    const cut = setTimeout(() => {
      for (const c of [...this.#connections]) c.abort();
    }, this.options.closeTimeout);
    // Idle connections (no packet yet, or answered) do not hold the close up.
    for (const c of [...this.#connections]) if (!c.busy) c.abort();
    this.#server.close(() => {
      clearTimeout(cut);
      this.#clock.stop();
      this.emit("close");
    });
    return this;
  }

  /**
   * A `node:http` request listener: the router's HTTP front. Each request becomes the uwsgi
   * packet nginx would send for it (Debian's uwsgi_params) and takes the same path as a uwsgi
   * request; the backend's answer goes to the client as it comes, then the connection closes.
   * `http.createServer(router.handleHttp)`.
   */
  readonly handleHttp: (req: IncomingMessage, res: ServerResponse) => void = (req, res) => {
    httpToUwsgi(req, res, (stream) => this.#open(stream));
  };

  /** Counters and every pool's nodes, as JSON-ready data. */
  stats(): RouterStats {
    return {
      answered: this.#answered,
      direct: this.#direct,
      failed: { ...this.#failed },
      inFlight: this.#inFlight,
      pools: [...this.#pools.values()].map((p) => p.stats()),
    };
  }

  /** Adds a node to a pool (made if missing, as a static pool). */
  addNode(pool: string, node: string | NodeInit): void {
    if (typeof pool !== "string") throw invalidArgType("pool", "of type string", pool);
    const init = checkNodeInit("node", node);
    let p = this.#pools.get(pool);
    if (p === undefined) {
      p = new Pool(pool, {}, "static");
      this.#pools.set(pool, p);
    }
    if (p.get(init.address) !== undefined) return;
    p.add(init, "static");
    this.emit("nodeAdded", { pool, address: init.address, reason: "static" } satisfies NodeEvent);
  }

  /** Removes a node from a pool; true when it was there. Requests in flight on it finish. */
  removeNode(pool: string, address: string): boolean {
    return this.#drop(pool, address, "static");
  }

  // ConnectionHost, for the connections and exchanges.

  /** @internal */
  pool(name: string): Pool | undefined {
    return this.#pools.get(name);
  }

  /** @internal */
  poolFor(key: string | undefined): string | undefined {
    if (key !== undefined && this.#pools.has(key)) return key;
    return this.options.defaultPool;
  }

  /** @internal */
  answerError(client: ClientStream, status: number): void {
    if (client.destroyed || !client.writable) {
      client.destroy();
      return;
    }
    const reason = REASONS[status] ?? "Error";
    const body = `${status} ${reason}\n`;
    client.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    // Read and drop what the client still sends, so closing does not reset the answer away.
    client.resume();
    const timer = setTimeout(() => client.destroy(), LINGER);
    client.once("end", () => client.destroy());
    client.once("close", () => clearTimeout(timer));
  }

  /** @internal */
  settled(error: UwsgiRouterError | undefined): void {
    this.#inFlight--;
    if (error === undefined) this.#answered++;
    else this.refused(error);
  }

  /** @internal */
  refused(error: UwsgiRouterError): void {
    this.#failed[error.code] = (this.#failed[error.code] ?? 0) + 1;
    this.emit("requestError", error);
  }

  /** @internal */
  answeredDirectly(): void {
    this.#direct++;
  }

  /** @internal */
  started(): void {
    this.#inFlight++;
  }

  /** @internal */
  clientError(error: Error, socket: ClientStream): void {
    this.emit("clientError", error, socket);
  }

  /** @internal */
  connectionClosed(connection: ClientConnection): void {
    const list = this.#connections;
    const slot = connection.slot;
    if (list[slot] !== connection) return;
    const last = list.pop()!;
    if (last !== connection) {
      list[slot] = last;
      last.slot = slot;
    }
    connection.slot = -1;
  }

  /** The clock's check: every open connection's deadlines; false when none is open. */
  #checkDeadlines = (now: number): boolean => {
    const list = this.#connections;
    if (list.length === 0) return false;
    // A copy: what a deadline does may close connections (and the list's order changes).
    for (const c of list.slice()) c.check(now);
    return true;
  };

  /** Takes a client's connection: listed, and the clock runs while any is. */
  #open(stream: ClientStream): void {
    const connection = new ClientConnection(this, stream);
    connection.slot = this.#connections.length;
    this.#connections.push(connection);
    this.#clock.start();
  }

  #subscribe(sub: Subscription): void {
    if (this.#closing) return;
    let pool = this.#pools.get(sub.key);
    if (pool === undefined) {
      pool = new Pool(sub.key, this.options.subscriptions?.pool ?? {}, "subscription");
      this.#pools.set(sub.key, pool);
      this.health.watch(pool);
    } else if (pool.kind === "pattern") return;
    let node = pool.get(sub.address);
    if (node === undefined) {
      node = pool.add(
        {
          address: sub.address,
          weight: sub.weight,
          backup: sub.backup,
          modifier1: sub.modifier1,
          modifier2: sub.modifier2,
        },
        "subscription",
      );
      this.emit("nodeAdded", {
        pool: pool.name,
        address: sub.address,
        reason: "subscribe",
      } satisfies NodeEvent);
    } else if (node.source === "subscription") {
      node.weight = sub.weight;
      node.backup = sub.backup;
      node.modifier1 = sub.modifier1;
      node.modifier2 = sub.modifier2;
    }
    node.cores = sub.cores;
    node.load = sub.load;
    node.lastSeen = Date.now();
  }

  #unsubscribe(sub: Subscription): void {
    this.#drop(sub.key, sub.address, "unsubscribe");
  }

  #drop(poolName: string, address: string, reason: string): boolean {
    const pool = this.#pools.get(poolName);
    const node = pool?.get(address);
    if (pool === undefined || node === undefined) return false;
    pool.remove(node);
    this.health.forget(node);
    this.emit("nodeRemoved", { pool: poolName, address, reason } satisfies NodeEvent);
    if (pool.kind === "subscription" && pool.nodes.length === 0) {
      this.#pools.delete(poolName);
      this.health.unwatch(pool);
    }
    return true;
  }

  #startSweep(): void {
    const tolerance = this.options.subscriptions?.tolerance ?? DEFAULT_SUBSCRIPTION_TOLERANCE;
    this.#sweep = setInterval(
      () => {
        const now = Date.now();
        for (const pool of [...this.#pools.values()]) {
          for (const node of pool.nodes) {
            if (node.source === "subscription" && node.lastSeen! + tolerance < now) {
              this.#drop(pool.name, node.address, "tolerance");
            }
          }
        }
      },
      Math.max(10, Math.min(1000, tolerance >>> 2)),
    );
  }
}

/** Makes a uwsgi router (see {@link RouterOptions}); call `listen` to start it. */
export function createRouter(options?: RouterOptions): UwsgiRouter {
  return new UwsgiRouter(options);
}
