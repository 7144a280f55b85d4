import { connect, type Socket } from "node:net";
import { FcgiResponseParser } from "../fastcgi/response-parser.js";
import { AnswerReader, MalformedAnswer } from "./answer-reader.js";
import type { EnginePlan, EngineResult, ErrorKind } from "./engine.js";
import { record } from "./histogram.js";
import { connectTo } from "./target.js";

/** What a slot needs from the engine that runs it (engine.ts). */
export interface SlotEngine {
  readonly plan: EnginePlan;
  readonly result: EngineResult;
  /** Milliseconds between two requests of one slot (0: no rate). */
  readonly interval: number;
  /** When the run started, and when it stops sending (`performance.now()`). */
  readonly start: number;
  readonly deadline: number;
  /** When the last answer (or failure) came. */
  last: number;
  /** Takes one request from the budget: false when none is left or the run was stopped. */
  take(): boolean;
  /** Gives back a request taken and not sent. */
  untake(): void;
  /** The slot finished a request: the engine gives it the next or sees whether all is done. */
  continue(slot: Slot): void;
}

function errorKind(err: NodeJS.ErrnoException, connected: boolean): ErrorKind {
  if (!connected) return "connect";
  if (err.code === "ECONNRESET" || err.code === "EPIPE") return "reset";
  return "socket";
}

/** Each socket knows its slot, so one set of module-level listeners serves every socket. */
const SLOT = Symbol("slot");
type SlotSocket = Socket & { [SLOT]: Slot };

function onConnect(this: SlotSocket): void {
  this[SLOT].connected(this);
}
function onData(this: SlotSocket, chunk: Buffer): void {
  this[SLOT].data(this, chunk);
}
function onEnd(this: SlotSocket): void {
  this[SLOT].ended(this);
}
function onError(this: SlotSocket, err: Error): void {
  this[SLOT].failed(this, err as NodeJS.ErrnoException);
}

/**
 * One connection slot: it sends a request, reads the answer, records it, and starts the next at
 * its intended time (wrk2's schedule: with a rate, request k of slot i is due at
 * `start + (i / connections + k) * connections / rate`; one that is overdue goes at once, and its
 * latency counts from when it was due). Events of a socket the slot has dropped are ignored.
 */
export class Slot {
  readonly #engine: SlotEngine;
  readonly #reader: AnswerReader;
  readonly #fastcgi: boolean;
  readonly #http: boolean;
  readonly #keepConn: boolean;
  #socket: SlotSocket | null = null;
  #fcgi: FcgiResponseParser | null = null;
  #connected = false;
  #busy = false;
  #ended = false;
  /** The request in flight went on a kept-alive connection, and no byte of its answer came yet. */
  #reused = false;
  #intended = 0;
  #sentAt = 0;
  #timer: NodeJS.Timeout | undefined;
  #waiter: NodeJS.Timeout | undefined;
  /** Requests this slot has sent (for its schedule). */
  #k = 0;
  readonly #offset: number;

  constructor(engine: SlotEngine, index: number) {
    this.#engine = engine;
    this.#fastcgi = engine.plan.target.scheme === "fastcgi";
    this.#http = engine.plan.target.scheme === "http" && engine.plan.keepAlive;
    this.#keepConn = engine.plan.keepConn;
    this.#reader = new AnswerReader(this.#fastcgi);
    this.#offset = engine.interval > 0 ? (index / engine.plan.connections) * engine.interval : 0;
  }

  get busy(): boolean {
    return this.#busy || this.#waiter !== undefined;
  }

  /** Starts the next request, now or at its intended time; false when there is none to send. */
  next(): boolean {
    const engine = this.#engine;
    const now = performance.now();
    let due = now;
    if (engine.interval > 0) {
      due = engine.start + this.#offset + this.#k * engine.interval;
      if (due >= engine.deadline) return false;
    } else if (now >= engine.deadline) return false;
    if (!engine.take()) return false;
    this.#k++;
    this.#intended = due;
    if (due > now) {
      // Node's timers count whole milliseconds: round up, or a request would go before it is due.
      this.#waiter = setTimeout(this.#fire, Math.ceil(due - now));
      return true;
    }
    this.#send(now);
    return true;
  }

  /** Closes a kept-alive connection once the run is over. */
  close(): void {
    this.#drop();
  }

  /** Stops: a pending request is not sent (returned to the budget); one in flight ends. */
  stop(): void {
    if (this.#waiter !== undefined) {
      clearTimeout(this.#waiter);
      this.#waiter = undefined;
      this.#engine.untake();
    }
  }

  #fire = (): void => {
    const now = performance.now();
    if (now < this.#intended) {
      this.#waiter = setTimeout(this.#fire, Math.ceil(this.#intended - now));
      return;
    }
    this.#waiter = undefined;
    this.#send(now);
  };

  #send(now: number): void {
    const engine = this.#engine;
    this.#busy = true;
    this.#sentAt = now;
    this.#reader.reset(engine.plan.wire.head);
    engine.result.sent++;
    this.#timer = setTimeout(this.#onTimeout, engine.plan.timeoutMs);
    this.#write();
  }

  /** Writes the request: on the kept-alive connection, or on a new one. */
  #write(): void {
    const engine = this.#engine;
    let socket = this.#socket;
    this.#reused = socket !== null;
    if (socket === null) {
      socket = connect(connectTo(engine.plan.target)) as SlotSocket;
      socket[SLOT] = this;
      socket.setNoDelay(true);
      socket.on("connect", onConnect);
      socket.on("data", onData);
      socket.on("end", onEnd);
      socket.on("close", onEnd);
      socket.on("error", onError);
      this.#socket = socket;
      this.#connected = false;
      this.#ended = false;
      if (this.#fastcgi) this.#fcgi = new FcgiResponseParser(this);
    }
    const parts = engine.plan.wire.parts;
    socket.cork();
    for (let i = 0; i < parts.length; i++) socket.write(parts[i]!);
    socket.uncork();
    engine.result.bytesWritten += engine.plan.wire.byteLength;
  }

  /** @internal */
  connected(socket: Socket): void {
    if (socket === this.#socket) this.#connected = true;
  }

  /** @internal */
  data(socket: Socket, chunk: Buffer): void {
    if (socket !== this.#socket || !this.#busy) return;
    this.#reused = false;
    this.#engine.result.bytesRead += chunk.length;
    try {
      if (this.#fcgi !== null) this.#fcgi.push(chunk);
      else {
        this.#reader.push(chunk);
        // uwsgi and SCGI carry one request per connection, whatever the answer's head says.
        if (this.#reader.done) this.#complete(this.#http && this.#reader.keepAlive);
      }
    } catch (err) {
      this.#fail(err instanceof MalformedAnswer || this.#fastcgi ? "malformed" : "socket");
    }
  }

  /** @internal FastCGI STDOUT: the CGI answer, whose head gives the status. */
  onStdout(piece: Uint8Array): void {
    if (this.#busy && this.#reader.status === 0) this.#reader.push(piece);
  }

  /** @internal */
  onStderr(): void {}

  /** @internal END_REQUEST ends a FastCGI answer. */
  onEnd(): void {
    if (!this.#busy) return;
    if (this.#reader.status === 0) this.#fail("malformed");
    else this.#complete(this.#keepConn);
  }

  /**
   * A kept-alive connection the server closed as the next request went out (HTTP servers close
   * idle connections; uWSGI's --http-socket closes after every answer): no byte of the answer
   * came, so the request goes again on a new connection, as HTTP clients retry, and its latency
   * includes the retry.
   */
  #retry(): boolean {
    if (!this.#reused) return false;
    this.#drop();
    this.#write();
    return true;
  }

  /** @internal The socket's end or close. */
  ended(socket: Socket): void {
    if (socket !== this.#socket) return;
    this.#ended = true;
    if (!this.#busy) this.#drop();
    else if (this.#retry()) return;
    else if (this.#fcgi === null && this.#reader.end()) this.#complete(false);
    else this.#fail("closed");
  }

  /** @internal */
  failed(socket: Socket, err: NodeJS.ErrnoException): void {
    if (socket !== this.#socket) return;
    if (!this.#busy) this.#drop();
    else if (!this.#retry()) this.#fail(errorKind(err, this.#connected));
  }

  #onTimeout = (): void => {
    this.#timer = undefined;
    this.#fail("timeout");
  };

  #complete(keep: boolean): void {
    const engine = this.#engine;
    const now = performance.now();
    clearTimeout(this.#timer);
    this.#busy = false;
    const status = String(this.#reader.status);
    engine.result.statuses[status] = (engine.result.statuses[status] ?? 0) + 1;
    engine.result.completed++;
    record(engine.result.histogram, (now - this.#intended) * 1000);
    if (engine.result.uncorrected !== null) {
      record(engine.result.uncorrected, (now - this.#sentAt) * 1000);
    }
    engine.last = now;
    if (!keep || this.#ended) this.#drop();
    engine.continue(this);
  }

  #fail(kind: ErrorKind): void {
    if (!this.#busy) return;
    const engine = this.#engine;
    clearTimeout(this.#timer);
    this.#busy = false;
    engine.result.errors[kind]++;
    engine.last = performance.now();
    this.#drop();
    engine.continue(this);
  }

  #drop(): void {
    const socket = this.#socket;
    if (socket === null) return;
    this.#socket = null;
    this.#fcgi = null;
    socket.destroy();
  }
}
