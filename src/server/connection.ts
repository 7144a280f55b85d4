import type { Socket } from "node:net";
import type { UwsgiError } from "../codec/errors.js";
import type { Packet } from "../codec/packet.js";
import { PacketParser, type ParserHandler, type ParserOptions } from "../parser/packet-parser.js";
import {
  answerDestroyed,
  answerFailed,
  bodyCutShort,
  headerTimedOut,
  idleTimedOut,
  lengthRequired,
  peerLeftAnswer,
  peerLeftPacket,
  requestTimedOut,
  shutDown,
  userCodeFailed,
} from "./connection-errors.js";
import {
  type DeadlineClock,
  type DeadlineOwner,
  Deadlines,
  LINGER_MS,
  type Timed,
} from "./deadlines.js";
import type { ResolvedServerOptions } from "./options.js";
import { answerPacket } from "./packet-answer.js";
import { type BodySource, UwsgiRequest } from "./request.js";
import { type AnswerSink, UwsgiServerResponse } from "./response.js";
import type { UwsgiServerError } from "./server-error.js";
import { listenTo, type SocketEvents } from "./socket-events.js";
import { statusAnswer } from "./status.js";

/** What a connection needs from its server. */
export interface ConnectionOwner {
  /** The server itself (what serveRpc() files its functions under). */
  readonly server: object;
  readonly options: ResolvedServerOptions;
  readonly parserOptions: ParserOptions;
  /** Checks the deadlines of every open connection. */
  readonly clock: DeadlineClock;
  /** Runs the request handlers. */
  dispatch(req: UwsgiRequest, res: UwsgiServerResponse, connection: Connection): void;
  /** Reports what the peer did wrong (never throws). */
  clientError(err: UwsgiError | UwsgiServerError, socket: Socket): void;
  /** Reports a failure of user code (never throws). */
  handlerError(err: Error): void;
  /** The connection is closed and released. */
  closed(connection: Connection): void;
}

/**
 * One connection, one request: parses the packet, makes the request and its answer, streams the
 * body with backpressure, and releases everything when the socket closes. Socket listeners are
 * shared functions (socket-events.ts), and the server's clock checks the deadlines
 * (deadlines.ts): no closure and no timer is made per connection.
 *
 * User code (request and response listeners, a pipe's destination) runs inside these callbacks;
 * whatever it throws is the handler's failure (`HANDLER_FAILED`), never taken for the peer's, and
 * never answered into a response that already started.
 */
export class Connection
  implements ParserHandler, BodySource, AnswerSink, DeadlineOwner, SocketEvents, Timed
{
  readonly socket: Socket;
  /** @internal Where the server's list of connections keeps this one. */
  listIndex = -1;
  /** @internal Checked by the server's clock. */
  readonly deadlines: Deadlines;
  readonly #owner: ConnectionOwner;
  readonly #parser: PacketParser;
  #request: UwsgiRequest | null = null;
  #response: UwsgiServerResponse | null = null;
  #anyData = false;
  #pending = false;
  #unsupported: Packet | null = null;
  #lengthRequired = false;
  #bodyDone = false;
  #paused = false;
  #discard = false;
  #finished = false;
  // Input is read and dropped: the request was refused or given up, or user code broke the parse.
  #refused = false;
  #closed = false;
  // Why the server ended the connection (already reported); null when the peer closed it.
  #reason: UwsgiError | UwsgiServerError | null = null;

  constructor(owner: ConnectionOwner, socket: Socket) {
    this.socket = socket;
    this.#owner = owner;
    this.#parser = new PacketParser(this, owner.parserOptions);
    listenTo(socket, this);
    const { idleTimeout, headersTimeout, requestTimeout } = owner.options;
    this.deadlines = new Deadlines(this, owner.clock, headersTimeout, requestTimeout, idleTimeout);
  }

  /** Bytes from the peer. */
  data(chunk: Buffer): void {
    this.deadlines.touch();
    if (this.#refused) return; // read and dropped until the peer closes
    this.#anyData = true;
    try {
      this.#parser.push(chunk);
    } catch (err) {
      // The parser's own error leaves it failed; anything else came from user code it ran (a
      // body listener, a pipe destination) and is the handler's failure, not the peer's.
      if (this.#parser.state === "failed") this.#badInput(err as UwsgiError);
      else this.#userFailed(err);
      return;
    }
    if (this.#pending) {
      this.#pending = false;
      this.#owner.dispatch(this.#request!, this.#response!, this);
    } else if (this.#unsupported !== null) {
      this.#answerPacket(this.#unsupported);
    } else if (this.#lengthRequired) {
      this.#refuse(lengthRequired());
    }
  }

  onPacket(packet: Packet): void {
    this.deadlines.packetIn();
    if (packet.kind !== "vars") {
      this.#unsupported = packet;
      return;
    }
    const parser = this.#parser;
    const chunked = parser.bodyMode === "chunked";
    if (chunked && !this.#owner.options.allowChunked) {
      // Refused once the push is over; what the parser decodes till then is dropped.
      this.#discard = true;
      this.#lengthRequired = true;
      return;
    }
    const req = new UwsgiRequest(
      packet,
      chunked ? undefined : parser.bodyLength,
      this.socket,
      this,
    );
    this.#request = req;
    this.#response = new UwsgiServerResponse(this.socket, this, req);
    this.#pending = true;
  }

  onBody(piece: Uint8Array): void {
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
    this.deadlines.stop();
    if (!this.#discard) req.endBody();
  }

  onTrailing(): void {
    // Bytes after the request's body (as CONTENT_LENGTH or the chunked framing delimits it): no
    // request reads them, uWSGI drops them too; they are dropped, never held.
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
    const socket = this.socket;
    if (this.#bodyDone) {
      // The whole request was read: close now, as uWSGI does, rather than half-close and wait
      // for the peer to close (a wake-up and a read per request). nginx reads the answer, then
      // the end of the stream. With bytes still queued (a large answer), close once they are out.
      if (socket.writableLength === 0) socket.destroy();
      else socket.destroySoon();
      return;
    }
    // The handler answered without reading the whole body: half-close, and read and drop the
    // rest until the peer closes, as node:http does (closing with unread bytes would reset the
    // connection, and the peer could lose the answer).
    socket.end();
    this.#request!.destroy();
  }

  answerDestroyed(err: Error | null): void {
    if (this.#finished || this.#closed || this.#refused) return;
    // The handler destroyed its answer: nginx must see the answer cut, not complete.
    this.#cut(answerDestroyed(err));
  }

  answerError(err: Error): void {
    this.#owner.handlerError(answerFailed(err));
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
        const reason = bodyCutShort(err as UwsgiError, req.contentLength);
        this.#owner.clientError(reason, this.socket);
        this.#cut(reason);
      }
    }
    // A request complete and then a half-close: the answer may still go out.
  }

  /** The socket is closed: release everything and tell whoever waits. */
  close(): void {
    this.#closed = true;
    this.deadlines.stop();
    const req = this.#request;
    if (req !== null && !this.#finished) {
      let reason = this.#reason as UwsgiServerError | null;
      if (reason === null) {
        reason = peerLeftAnswer();
        this.#owner.clientError(reason, this.socket);
      }
      this.#abortRequest(req, reason);
      this.#response!.destroy();
    } else if (req === null && this.#anyData && !this.#refused) {
      this.#owner.clientError(
        (this.#reason as UwsgiServerError | null) ?? peerLeftPacket(),
        this.socket,
      );
    }
    this.#owner.closed(this);
  }

  answerWrote(): void {
    this.deadlines.touch();
  }

  drained(): void {
    this.deadlines.touch();
    this.#response?.socketDrained();
  }

  listenerFailed(err: unknown): void {
    this.#userFailed(err);
  }

  idle(): void {
    if (this.#refused) {
      this.socket.destroy();
      return;
    }
    const reason = idleTimedOut(this.#owner.options.idleTimeout);
    this.#owner.clientError(reason, this.socket);
    this.#cut(reason);
  }

  headerTimeout(): void {
    this.#refuse(headerTimedOut(this.#owner.options.headersTimeout));
  }

  requestTimeout(): void {
    if (this.#bodyDone || this.#refused || this.#closed) return;
    const reason = requestTimedOut(this.#owner.options.requestTimeout);
    if (this.#request === null) this.#refuse(reason);
    else this.#giveUp(reason);
  }

  /** `close()` gave up waiting: cut the connection. */
  shutdown(): void {
    if (this.#closed) return;
    this.#cut(shutDown(this.#owner.options.closeTimeout));
  }

  #cut(reason: UwsgiServerError): void {
    this.#reason ??= reason;
    this.socket.destroy();
  }

  /** The parser refused the peer's bytes. */
  #badInput(err: UwsgiError): void {
    if (this.#request !== null && !this.#pending) {
      this.#giveUp(err);
      return;
    }
    // In the same read as the packet, before any handler saw the request: never dispatched.
    this.#pending = false;
    this.#request = null;
    this.#response = null;
    this.#refuse(err);
  }

  /**
   * A listener the server ran (user code) threw: the handler's failure, with what it threw as
   * `cause`. Nothing more is read (the parser may have stopped inside a chunk); the answer
   * becomes a 500 if it has not started, else the connection is cut.
   */
  #userFailed(thrown: unknown): void {
    const err = userCodeFailed("a listener threw", thrown);
    if (!this.#closed) {
      this.#refused = true;
      this.deadlines.stop();
      this.#reason ??= err;
      if (this.#response !== null) this.handlerFailed(err);
      else this.#cut(err);
    }
    this.#owner.handlerError(err);
  }

  /**
   * The request was dispatched but cannot go on (bad body bytes, a deadline): its body stream
   * errors with `reason`, the peer gets a status if the answer has not started, else the
   * connection is cut; what the handler writes afterwards is dropped.
   */
  #giveUp(reason: UwsgiError | UwsgiServerError): void {
    this.#refused = true;
    this.deadlines.stop();
    this.#reason ??= reason;
    this.#owner.clientError(reason, this.socket);
    const res = this.#response!;
    this.#abortRequest(this.#request!, reason);
    if (res.answerStarted || !this.socket.writable) {
      this.socket.destroy();
      return;
    }
    res.destroy();
    this.socket.end(statusAnswer(reason.code), "latin1");
    this.#linger();
  }

  #abortRequest(req: UwsgiRequest, reason: UwsgiError | UwsgiServerError): void {
    // What 'aborted' listeners throw reaches listenerFailed through the request's emit.
    req.abort(reason);
  }

  /** A packet that is not a request (packet-answer.ts): answered, then the rest is dropped. */
  #answerPacket(packet: Packet): void {
    this.#unsupported = null;
    this.#refused = true;
    // False for an RPC call: serveRpc()'s functions took the socket; they answer or close.
    if (answerPacket(this.#owner, packet, this.socket)) this.#linger();
  }

  /** Bad input before any request: report, answer a status nginx can pass on, end, drop the rest. */
  #refuse(err: UwsgiError | UwsgiServerError): void {
    this.#refused = true;
    this.deadlines.stop();
    this.#reason ??= err;
    this.#owner.clientError(err, this.socket);
    if (this.socket.writable) this.socket.end(statusAnswer(err.code), "latin1");
    this.#linger();
  }

  #linger(): void {
    const idle = this.#owner.options.idleTimeout;
    this.deadlines.linger(idle > 0 && idle < LINGER_MS ? idle : LINGER_MS);
  }
}
