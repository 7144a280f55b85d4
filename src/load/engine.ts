import type { EventLoopUtilization } from "node:perf_hooks";
import type { Histogram } from "hdr-histogram-js";
import { newHistogram } from "./histogram.js";
import { Slot, type SlotEngine } from "./slot.js";
import type { Target } from "./target.js";
import type { Wire } from "./wire.js";

/**
 * The kinds of failed requests, counted apart:
 * - `connect`: the connection could not be made (refused, no such socket, connect timeout).
 * - `timeout`: no whole answer within the request timeout.
 * - `reset`: the peer reset the connection (ECONNRESET, EPIPE).
 * - `closed`: the peer closed the connection before the whole answer.
 * - `malformed`: the answer is not HTTP/1.x, a CGI head or FastCGI records.
 * - `socket`: any other socket error.
 */
export type ErrorKind = "connect" | "timeout" | "reset" | "closed" | "malformed" | "socket";

/** The error kinds, in report order. */
export const ERROR_KINDS: readonly ErrorKind[] = Object.freeze([
  "connect",
  "timeout",
  "reset",
  "closed",
  "malformed",
  "socket",
]);

/** What one engine (one thread) is asked to do. */
export interface EnginePlan {
  readonly target: Target;
  readonly wire: Wire;
  /** Concurrent connections (each carries one request at a time). */
  readonly connections: number;
  /** Requests per second over all connections; 0 = each connection as fast as it can. */
  readonly rate: number;
  /** Requests to send in all; 0 = no limit (the duration ends the run). */
  readonly requests: number;
  /** Milliseconds to send requests for; 0 = until `requests` are sent. */
  readonly durationMs: number;
  /** Milliseconds a request may take before it is a `timeout`. */
  readonly timeoutMs: number;
  /** Reuse a FastCGI connection after END_REQUEST when the server keeps it open. */
  readonly keepConn: boolean;
  /** Reuse an HTTP connection the server keeps open. */
  readonly keepAlive: boolean;
}

/** What one engine measured. */
export interface EngineResult {
  sent: number;
  completed: number;
  errors: Record<ErrorKind, number>;
  statuses: Record<string, number>;
  bytesRead: number;
  bytesWritten: number;
  /** Milliseconds from the first request to the last answer (or failure). */
  elapsedMs: number;
  /** Latency of every completed request, µs: from its intended start when there is a rate. */
  histogram: Histogram;
  /** With a rate: latency from the actual send (what an uncorrected tool reports); else null. */
  uncorrected: Histogram | null;
  /**
   * The share of the run the engine's event loop was busy (Node's event loop utilization, 0-1;
   * the mean over threads once merged): near 1, the generator and not the server was the bound.
   */
  busy: number;
}

/** Runs the slots of one thread until the plan is done; see {@link runEngine}. */
class Engine implements SlotEngine {
  readonly plan: EnginePlan;
  readonly result: EngineResult;
  /** Milliseconds between two requests of one slot (0: no rate). */
  readonly interval: number;
  start = 0;
  deadline = Number.POSITIVE_INFINITY;
  last = 0;
  #left: number;
  #stopped = false;
  readonly #slots: Slot[] = [];
  #resolve: (() => void) | undefined;
  #elu: EventLoopUtilization | undefined;

  constructor(plan: EnginePlan) {
    this.plan = plan;
    this.interval = plan.rate > 0 ? (plan.connections / plan.rate) * 1000 : 0;
    this.#left = plan.requests > 0 ? plan.requests : Number.POSITIVE_INFINITY;
    this.result = {
      sent: 0,
      completed: 0,
      errors: { connect: 0, timeout: 0, reset: 0, closed: 0, malformed: 0, socket: 0 },
      statuses: {},
      bytesRead: 0,
      bytesWritten: 0,
      elapsedMs: 0,
      histogram: newHistogram(),
      uncorrected: plan.rate > 0 ? newHistogram() : null,
      busy: 0,
    };
  }

  take(): boolean {
    if (this.#stopped || this.#left <= 0) return false;
    this.#left--;
    return true;
  }

  untake(): void {
    this.#left++;
  }

  run(): Promise<EngineResult> {
    return new Promise((resolve) => {
      this.#resolve = () => resolve(this.result);
      this.start = performance.now();
      this.#elu = performance.eventLoopUtilization();
      this.last = this.start;
      if (this.plan.durationMs > 0) this.deadline = this.start + this.plan.durationMs;
      for (let i = 0; i < this.plan.connections; i++) this.#slots.push(new Slot(this, i));
      for (const slot of this.#slots) slot.next();
      this.#checkDone();
    });
  }

  /** A slot finished a request: give it the next, or see whether everything is done. */
  continue(slot: Slot): void {
    if (!slot.next()) this.#checkDone();
  }

  /** Sends no more requests; those in flight finish (or time out). */
  stop(): void {
    this.#stopped = true;
    for (const slot of this.#slots) slot.stop();
    this.#checkDone();
  }

  #checkDone(): void {
    if (this.#resolve === undefined) return;
    for (const slot of this.#slots) if (slot.busy) return;
    for (const slot of this.#slots) slot.close();
    this.result.elapsedMs = this.last - this.start;
    this.result.busy = performance.eventLoopUtilization(this.#elu).utilization;
    const resolve = this.#resolve;
    this.#resolve = undefined;
    resolve();
  }
}

/** A running engine: its live counters and a way to stop it early. */
export interface RunningEngine {
  readonly done: Promise<EngineResult>;
  /** Live counters (read them for progress). */
  readonly result: Readonly<EngineResult>;
  /** Sends no more requests; the run ends once those in flight are done. */
  stop(): void;
}

/** Starts an engine on this thread's event loop. */
export function runEngine(plan: EnginePlan): RunningEngine {
  const engine = new Engine(plan);
  const done = engine.run();
  return { done, result: engine.result, stop: () => engine.stop() };
}
