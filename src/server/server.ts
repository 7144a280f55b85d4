import { Server, type Socket } from "node:net";
import { invalidArgType } from "../codec/arguments.js";
import type { UwsgiError } from "../codec/errors.js";
import type { ParserOptions } from "../parser/packet-parser.js";
import { Connection, type ConnectionOwner } from "./connection.js";
import { userCodeFailed } from "./connection-errors.js";
import { ConnectionList } from "./connection-list.js";
import { DeadlineClock, deadlinePeriod } from "./deadlines.js";
import {
  parserOptionsOf,
  type ResolvedServerOptions,
  resolveServerOptions,
  type ServerOptions,
} from "./options.js";
import type { UwsgiRequest } from "./request.js";
import type { UwsgiServerResponse } from "./response.js";
import { UwsgiServerError } from "./server-error.js";

/**
 * Handles one request. It may return a promise: a rejection is handled like a throw (a `500` if
 * nothing was sent yet, else the connection is cut; then `'error'`), never an unhandled rejection.
 */
export type RequestHandler = (req: UwsgiRequest, res: UwsgiServerResponse) => unknown;

/** A `'clientError'` listener: what the peer did wrong, and its socket (already being closed). */
export type ClientErrorListener = (err: UwsgiError | UwsgiServerError, socket: Socket) => void;

/**
 * A uwsgi server for Node behind nginx (`uwsgi_pass`), in the spirit of `node:http`: a
 * `net.Server` (so `listen` takes a port and host, a unix socket path or options, and `address()`,
 * `ref()`, `unref()` work as there) that reads one uwsgi request per connection and answers it
 * as raw HTTP, as nginx expects.
 *
 * Events, beside `net.Server`'s (`'listening'`, `'close'`, `'connection'`):
 * - `'request'` `(req, res)`: a request packet arrived; its body may still be arriving.
 * - `'clientError'` `(err, socket)`: the peer sent something malformed or over a limit
 *   (`UwsgiError`), was too slow, or went away (`UwsgiServerError` `HEADER_TIMEOUT`,
 *   `REQUEST_TIMEOUT`, `IDLE_TIMEOUT`, `ABORTED`, `UNSUPPORTED_PACKET`, `LENGTH_REQUIRED`). The
 *   server answers a status where nothing was answered yet (400, 408, 411, 413, 431, 501) and
 *   closes that connection itself: the event is for logging.
 * - `'error'` `(err)`: listening failed (as `net.Server`), or user code failed
 *   (`UwsgiServerError` `HANDLER_FAILED`, the thrown value as `cause`): a request handler, or a
 *   listener the server ran (request `'data'`, a pipe's destination, `'drain'`, `'aborted'`,
 *   `'clientError'`). Such failures are written to stderr when nobody listens (and when an
 *   `'error'` listener throws itself), so they never crash the process. Listeners that Node calls
 *   from its own queue (`'end'`, `'close'`, `'finish'`, an `AbortSignal`'s) behave as with
 *   `node:http`.
 *
 * `close()` stops accepting, lets requests in flight finish for up to `closeTimeout` ms, then
 * cuts what is left (`SHUTDOWN`), and calls back once every connection is closed.
 */
export class UwsgiServer extends Server {
  /** The options in force, defaults filled in. */
  readonly options: ResolvedServerOptions;
  readonly #owner: ConnectionOwner;
  readonly #connections = new ConnectionList<Connection>();
  readonly #clock: DeadlineClock;
  #graceTimer: NodeJS.Timeout | null = null;
  #closePending = false;

  /** See {@link createServer}: `(options?, handler?)`, or `(handler?, options?)`. */
  constructor(options?: ServerOptions, handler?: RequestHandler);
  constructor(handler?: RequestHandler, options?: ServerOptions);
  constructor(
    first?: ServerOptions | RequestHandler | null,
    second?: ServerOptions | RequestHandler | null,
  ) {
    const [options, handler] = argumentsOf(first, second);
    const resolved = resolveServerOptions(options);
    // allowHalfOpen: a peer may shut its sending side after the request and still read the answer.
    super({ allowHalfOpen: true, noDelay: true });
    this.options = resolved;
    this.maxConnections = resolved.maxConnections;
    const period = deadlinePeriod(
      resolved.headersTimeout,
      resolved.requestTimeout,
      resolved.idleTimeout,
    );
    this.#clock = new DeadlineClock(this.#connections, period);
    const parserOptions = parserOptionsOf(resolved);
    this.#owner = new Owner(this, resolved, parserOptions, this.#clock, this.#connections, () => {
      if (this.#closePending) {
        this.#closePending = false;
        this.emit("close");
      }
    });
    if (handler !== undefined) this.on("request", handler);
    this.on("connection", this.#accept);
  }

  /** Connections open now (each carries at most one request). */
  get openConnections(): number {
    return this.#connections.size;
  }

  readonly #accept = (socket: Socket): void => {
    this.#clock.start();
    this.#connections.add(new Connection(this.#owner, socket));
  };

  /**
   * Stops accepting; requests in flight go on for up to `closeTimeout` ms, then their connections
   * are cut. `callback` runs (and `'close'` is emitted) once every connection is closed; it gets
   * an error if the server was not listening.
   */
  override close(callback?: (err?: Error) => void): this {
    if (this.#graceTimer === null && this.#connections.size > 0) {
      this.#graceTimer = setTimeout(shutdownAll, this.options.closeTimeout, this.#connections);
    }
    super.close((err?: Error) => {
      if (this.#graceTimer !== null) {
        clearTimeout(this.#graceTimer);
        this.#graceTimer = null;
      }
      callback?.(err);
    });
    return this;
  }

  // net.Server says 'close' when its sockets are gone, a tick before their 'close' events have
  // released requests: hold it until every connection here is released too.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "close" && this.#connections.size > 0) {
      this.#closePending = true;
      return true;
    }
    return super.emit(event, ...args);
  }

  override on(event: "request", listener: RequestHandler): this;
  override on(event: "clientError", listener: ClientErrorListener): this;
  override on(event: "error", listener: (err: Error) => void): this;
  override on(event: "close" | "listening", listener: () => void): this;
  override on(event: "connection", listener: (socket: Socket) => void): this;
  override on(event: string, listener: (...args: never[]) => void): this;
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once(event: "request", listener: RequestHandler): this;
  override once(event: "clientError", listener: ClientErrorListener): this;
  override once(event: "error", listener: (err: Error) => void): this;
  override once(event: "close" | "listening", listener: () => void): this;
  override once(event: "connection", listener: (socket: Socket) => void): this;
  override once(event: string, listener: (...args: never[]) => void): this;
  override once(event: string, listener: (...args: never[]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }
}

/** Sorts `createServer`'s arguments: an options object and a handler, in either order. */
function argumentsOf(
  first: unknown,
  second: unknown,
): [ServerOptions | undefined, RequestHandler | undefined] {
  let options: unknown;
  let handler: unknown;
  if (
    typeof first === "function" ||
    (first == null && second != null && typeof second === "object")
  ) {
    // (handler, options), the order this package had first; or (undefined, options).
    handler = first;
    options = second;
  } else {
    options = first;
    handler = second;
  }
  if (options === null) options = undefined;
  if (handler === null) handler = undefined;
  if (handler !== undefined && typeof handler !== "function") {
    throw invalidArgType("handler", "a function (req, res) => {}", handler);
  }
  if (options !== undefined && typeof options === "function") {
    throw invalidArgType("options", "an object (one handler only)", options);
  }
  return [options as ServerOptions | undefined, handler as RequestHandler | undefined];
}

function shutdownAll(connections: ConnectionList<Connection>): void {
  for (const c of connections.snapshot()) c.shutdown();
}

/** The server seen from its connections. */
class Owner implements ConnectionOwner {
  readonly server: UwsgiServer;
  readonly options: ResolvedServerOptions;
  readonly parserOptions: ParserOptions;
  readonly clock: DeadlineClock;
  readonly #connections: ConnectionList<Connection>;
  readonly #drained: () => void;

  constructor(
    server: UwsgiServer,
    options: ResolvedServerOptions,
    parserOptions: ParserOptions,
    clock: DeadlineClock,
    connections: ConnectionList<Connection>,
    drained: () => void,
  ) {
    this.server = server;
    this.#drained = drained;
    this.options = options;
    this.parserOptions = parserOptions;
    this.clock = clock;
    this.#connections = connections;
  }

  dispatch(req: UwsgiRequest, res: UwsgiServerResponse, connection: Connection): void {
    const server = this.server;
    const handlers = server.listeners("request") as RequestHandler[];
    if (handlers.length === 0) {
      this.#failed(new Error("the server has no 'request' listener"), connection);
      return;
    }
    for (let i = 0; i < handlers.length; i++) {
      let result: unknown;
      try {
        result = handlers[i]!.call(server, req, res);
      } catch (err) {
        this.#failed(err, connection);
        return;
      }
      if (
        result !== null &&
        typeof result === "object" &&
        typeof (result as Promise<void>).then === "function"
      ) {
        (result as Promise<void>).then(undefined, (err: unknown) => this.#failed(err, connection));
      }
    }
  }

  clientError(err: UwsgiError | UwsgiServerError, socket: Socket): void {
    const server = this.server;
    if (server.listenerCount("clientError") === 0) return;
    try {
      server.emit("clientError", err, socket);
    } catch (thrown) {
      this.handlerError(
        new UwsgiServerError("HANDLER_FAILED", "a 'clientError' listener threw", { cause: thrown }),
      );
    }
  }

  handlerError(err: Error): void {
    const server = this.server;
    if (server.listenerCount("error") === 0) {
      console.error(err);
      return;
    }
    try {
      server.emit("error", err);
    } catch (thrown) {
      // An 'error' listener that throws has nowhere else to go: both go to stderr.
      console.error(err);
      console.error(thrown);
    }
  }

  closed(connection: Connection): void {
    this.#connections.delete(connection);
    if (this.#connections.size === 0) this.#drained();
  }

  #failed(thrown: unknown, connection: Connection): void {
    const err = userCodeFailed("a request handler failed", thrown);
    connection.handlerFailed(err);
    this.handlerError(err);
  }
}

/**
 * Makes a uwsgi server, as `http.createServer` makes an HTTP one, with the same arguments:
 * `createServer(options?, handler?)` (`createServer(handler, options)` works too). `handler`
 * becomes a `'request'` listener. Options are checked at once, as Node checks arguments: an
 * unknown key is `ERR_UNKNOWN_OPTION` (naming ours when it is `node:http`'s spelling), a wrong
 * type `ERR_INVALID_ARG_TYPE`, a number out of range `ERR_OUT_OF_RANGE`; see
 * {@link DEFAULT_SERVER_OPTIONS} for the defaults.
 *
 * ```js
 * const server = createServer({ requestTimeout: 60_000 }, (req, res) => {
 *   res.setHeader("Content-Type", "text/plain");
 *   res.end(`hello ${req.url}\n`);
 * });
 * server.listen(3031, "127.0.0.1"); // nginx: uwsgi_pass 127.0.0.1:3031;
 * ```
 */
export function createServer(options?: ServerOptions, handler?: RequestHandler): UwsgiServer;
export function createServer(handler?: RequestHandler, options?: ServerOptions): UwsgiServer;
export function createServer(
  first?: ServerOptions | RequestHandler | null,
  second?: ServerOptions | RequestHandler | null,
): UwsgiServer {
  return new UwsgiServer(first as ServerOptions, second as RequestHandler);
}
