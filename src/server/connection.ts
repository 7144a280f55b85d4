import type { Socket } from "node:net";
import type { UwsgiError } from "../codec/errors.js";
import type { Packet } from "../codec/packet.js";
import { PacketParser, type ParserHandler, type ParserOptions } from "../parser/packet-parser.js";
import type { ResolvedServerOptions } from "./options.js";
import { type BodySource, UwsgiRequest } from "./request.js";
import { type AnswerSink, UwsgiServerResponse } from "./response.js";
import { UwsgiServerError } from "./server-error.js";

/** What a connection needs from its server. */
export interface ConnectionOwner {
  readonly options: ResolvedServerOptions;
  readonly parserOptions: ParserOptions;
  /** Runs the request handlers. */
  dispatch(req: UwsgiRequest, res: UwsgiServerResponse, connection: Connection): void;
  /** Reports what the peer did wrong (never throws). */
  clientError(err: UwsgiError | UwsgiServerError, socket: Socket): void;
  /** Reports a handler's failure (never throws). */
  handlerError(err: Error): void;
  /** The connection is closed and released. */
  closed(connection: Connection): void;
}

const kConnection = Symbol("uwsgi-codec.connection");
type OwnedSocket = Socket & { [kConnection]: Connection };

// A pong: modifier1 100, datasize 0, modifier2 1, as uWSGI answers a ping.
const PONG = Buffer.from([100, 0, 0, 1]);
// After refusing, how long the peer has to read the answer and close before the socket is cut.
const LINGER_MS = 2000;

/**
 * One connection, one request: parses the packet, makes the request and its answer, streams the
 * body with backpressure, and releases everything when the socket closes. Socket listeners are
 * shared functions that find the connection on the socket, so none is made per connection.
 */
export class Connection implements ParserHandler, BodySource, AnswerSink {
  readonly socket: Socket;
  readonly #owner: ConnectionOwner;
  readonly #parser: PacketParser;
  #request: UwsgiRequest | null = null;
  #response: UwsgiServerResponse | null = null;
  #headerTimer: NodeJS.Timeout | null = null;
  #anyData = false;
  #pending = false;
  #unsupported: Packet | null = null;
  #bodyDone = false;
  #paused = false;
  #discard = false;
  #finished = false;
  #refused = false;
  #closed = false;
  // Why the server cut the connection; null when the peer closed it.
  #reason: UwsgiServerError | null = null;

  constructor(owner: ConnectionOwner, socket: Socket) {
    this.socket = socket;
    this.#owner = owner;
    this.#parser = new PacketParser(this, owner.parserOptions);
    (socket as OwnedSocket)[kConnection] = this;
    socket.on("data", onSocketData);
    socket.on("end", onSocketEnd);
    socket.on("close", onSocketClose);
    socket.on("error", onSocketError);
    socket.on("drain", onSocketDrain);
    socket.on("timeout", onSocketTimeout);
    const { idleTimeout, headerTimeout } = owner.options;
    if (idleTimeout > 0) socket.setTimeout(idleTimeout);
    if (headerTimeout > 0) this.#headerTimer = setTimeout(onHeaderTimeout, headerTimeout, this);
  }

  /** Bytes from the peer. */
  data(chunk: Buffer): void {
    if (this.#refused) return; // read and dropped until the peer closes
    this.#anyData = true;
    try {
      this.#parser.push(chunk);
    } catch (err) {
      this.#refuse(err as UwsgiError);
      return;
    }
    if (this.#pending) {
      this.#pending = false;
      this.#owner.dispatch(this.#request!, this.#response!, this);
    } else if (this.#unsupported !== null) {
      this.#answerPacket(this.#unsupported);
    }
  }

  onPacket(packet: Packet): void {
    this.#clearHeaderTimer();
    if (packet.kind !== "vars") {
      this.#unsupported = packet;
      return;
    }
    this.#request = new UwsgiRequest(packet, this.#parser.bodyLength, this.socket, this);
    this.#response = new UwsgiServerResponse(this.socket, this);
    this.#pending = true;
  }

  onBody(piece: Buffer): void {
    if (this.#discard) return;
    if (!this.#request!.pushBody(piece) && !this.#paused) {
      this.#paused = true;
      this.socket.pause();
    }
  }

  onBodyEnd(): void {
    const req = this.#request;
    if (req === null) return; // a ping or another packet without a body
    this.#bodyDone = true;
    if (!this.#discard) req.endBody();
  }

  onTrailing(): void {
    // uWSGI ignores bytes after a request; they are dropped, never held.
  }

  resumeBody(): void {
    if (this.#paused) {
      this.#paused = false;
      this.socket.resume();
    }
  }

  discardBody(): void {
    this.#discard = true;
    this.resumeBody();
  }

  answerFinished(): void {
    this.#finished = true;
    // The handler answered without reading the whole body: drop the rest, as node:http does.
    if (!this.#bodyDone) this.#request!.destroy();
  }

  answerDestroyed(err: Error | null): void {
    if (this.#finished || this.#closed) return;
    // The handler destroyed its answer: nginx must see the answer cut, not complete.
    this.#cut(
      new UwsgiServerError("HANDLER_FAILED", "the answer was destroyed before its end", {
        cause: err ?? undefined,
      }),
    );
  }

  answerError(err: Error): void {
    this.#owner.handlerError(
      err instanceof UwsgiServerError
        ? err
        : new UwsgiServerError("HANDLER_FAILED", `the answer failed: ${err.message}`, {
            cause: err,
          }),
    );
  }

  /** A handler failed: answer 500 if nothing was sent yet, else cut the connection. */
  handlerFailed(err: UwsgiServerError): void {
    const res = this.#response!;
    if (this.#closed || res.writableEnded) return;
    if (!res.answerInstead(500, "Internal Server Error\n")) this.#cut(err);
  }

  /** The peer half-closed. */
  end(): void {
    if (this.#refused) return;
    if (!this.#anyData) {
      // A port probe: connected and left without a byte. Not an error.
      this.socket.destroy();
      return;
    }
    try {
      this.#parser.end();
    } catch (err) {
      const req = this.#request;
      if (req === null) {
        this.#refuse(err as UwsgiError);
      } else {
        const got = req.contentLength - (err as UwsgiError).needed;
        const reason = new UwsgiServerError(
          "ABORTED",
          `the peer closed after ${got} of ${req.contentLength} body bytes`,
          { cause: err },
        );
        this.#owner.clientError(reason, this.socket);
        this.#cut(reason);
      }
    }
    // A request complete and then a half-close: the answer may still go out.
  }

  /** The socket is closed: release everything and tell whoever waits. */
  close(): void {
    this.#closed = true;
    this.#clearHeaderTimer();
    const req = this.#request;
    if (req !== null && !this.#finished) {
      let reason = this.#reason;
      if (reason === null) {
        reason = new UwsgiServerError(
          "ABORTED",
          "the peer closed the connection before the answer was complete",
        );
        this.#owner.clientError(reason, this.socket);
      }
      req.abort(reason);
      this.#response!.destroy();
    } else if (req === null && this.#anyData && !this.#refused) {
      this.#owner.clientError(
        this.#reason ??
          new UwsgiServerError("ABORTED", "the peer closed before the request packet was complete"),
        this.socket,
      );
    }
    this.#owner.closed(this);
  }

  drained(): void {
    this.#response?.socketDrained();
  }

  idle(): void {
    if (this.#refused) {
      this.socket.destroy();
      return;
    }
    const ms = this.#owner.options.idleTimeout;
    const reason = new UwsgiServerError("IDLE_TIMEOUT", `no byte went either way for ${ms} ms`);
    this.#owner.clientError(reason, this.socket);
    this.#cut(reason);
  }

  headerTimeout(): void {
    this.#headerTimer = null;
    const ms = this.#owner.options.headerTimeout;
    this.#refuse(
      new UwsgiServerError("HEADER_TIMEOUT", `the request packet did not arrive within ${ms} ms`),
    );
  }

  /** `close()` gave up waiting: cut the connection. */
  shutdown(): void {
    if (this.#closed) return;
    this.#cut(
      new UwsgiServerError(
        "SHUTDOWN",
        `the server closed; the request was not done after closeTimeout (${this.#owner.options.closeTimeout} ms)`,
      ),
    );
  }

  #cut(reason: UwsgiServerError): void {
    this.#reason ??= reason;
    this.socket.destroy();
  }

  #answerPacket(packet: Packet): void {
    this.#unsupported = null;
    this.#refused = true;
    if (packet.modifier1 === 100) {
      this.socket.end(PONG);
    } else {
      const err = new UwsgiServerError(
        "UNSUPPORTED_PACKET",
        `modifier1 ${packet.modifier1} (modifier2 ${packet.modifier2}) carries ${packet.kind} data, not a request's vars`,
      );
      this.#owner.clientError(err, this.socket);
      this.socket.end();
    }
    this.#linger();
  }

  /** Bad input before any request: report, answer a status nginx can pass on, end, drop the rest. */
  #refuse(err: UwsgiError | UwsgiServerError): void {
    this.#refused = true;
    this.#clearHeaderTimer();
    this.#owner.clientError(err, this.socket);
    const socket = this.socket;
    if (socket.writable) {
      const status = statusOf(err.code);
      const text = `${err.code}\n`;
      socket.end(
        `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
        "latin1",
      );
    }
    this.#linger();
  }

  #linger(): void {
    const idle = this.#owner.options.idleTimeout;
    this.socket.setTimeout(idle > 0 && idle < LINGER_MS ? idle : LINGER_MS);
  }

  #clearHeaderTimer(): void {
    if (this.#headerTimer !== null) {
      clearTimeout(this.#headerTimer);
      this.#headerTimer = null;
    }
  }
}

function statusOf(code: string): string {
  switch (code) {
    case "BODY_TOO_LARGE":
      return "413 Content Too Large";
    case "DATASIZE_OVER_LIMIT":
    case "TOO_MANY_VARS":
      return "431 Request Header Fields Too Large";
    case "HEADER_TIMEOUT":
      return "408 Request Timeout";
    default:
      return "400 Bad Request";
  }
}

function onSocketData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection].data(chunk);
}
function onSocketEnd(this: OwnedSocket): void {
  this[kConnection].end();
}
function onSocketClose(this: OwnedSocket): void {
  this[kConnection].close();
}
function onSocketError(this: OwnedSocket): void {
  // 'close' follows and does the cleanup; an ECONNRESET is just how a peer leaves.
}
function onSocketDrain(this: OwnedSocket): void {
  this[kConnection].drained();
}
function onSocketTimeout(this: OwnedSocket): void {
  this[kConnection].idle();
}
function onHeaderTimeout(connection: Connection): void {
  connection.headerTimeout();
}
