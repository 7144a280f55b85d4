import { performance } from "node:perf_hooks";
import type { ConnectionList, Listed } from "./connection-list.js";

/** What a connection's deadlines call when one passes. */
export interface DeadlineOwner {
  /** The request packet did not arrive whole within `headersTimeout`. */
  headerTimeout(): void;
  /** The request (packet and body) was not complete within `requestTimeout`. */
  requestTimeout(): void;
  /** No byte went either way for `idleTimeout` (or for the linger after a refusal). */
  idle(): void;
}

/** What the clock checks at each tick: an open connection's deadlines. */
export interface Timed extends Listed {
  readonly deadlines: Deadlines;
}

/** After refusing, how long the peer has to read the answer and close before the socket is cut. */
export const LINGER_MS = 2000;

/**
 * The check period for a server's timeouts (0 = off): a twentieth of the shortest, the linger
 * after a refusal included, so a deadline passes at most a tenth of it late.
 */
export function deadlinePeriod(headersMs: number, requestMs: number, idleMs: number): number {
  let shortest = LINGER_MS;
  for (const ms of [headersMs, requestMs, idleMs]) if (ms > 0 && ms < shortest) shortest = ms;
  return Math.max(1, Math.floor(shortest / 20));
}

/**
 * A server's clock: one interval timer checks the deadlines of every open connection, as
 * `node:http` checks its `headersTimeout` and `requestTimeout` (connectionsCheckingInterval). A
 * timer per connection, and the socket's idle timer refreshed at every read and write, cost about
 * 3% of the CPU of serving a GET (bench/load). Connections stamp events with {@link now}, the time
 * of the last tick, so no clock is read per event; a check allows for that (a deadline passes at
 * most two periods late, never early). The timer runs only while connections are open, and does
 * not keep the process alive.
 */
export class DeadlineClock {
  /** The time of the last tick (`performance.now()`, ms): what connections stamp events with. */
  now = 0;
  /** Milliseconds between checks. */
  readonly period: number;
  readonly #connections: ConnectionList<Timed>;
  #timer: NodeJS.Timeout | null = null;

  constructor(connections: ConnectionList<Timed>, period: number) {
    this.#connections = connections;
    this.period = period;
  }

  /** A connection is about to open: the clock runs, with a fresh `now`, while any is open. */
  start(): void {
    if (this.#timer !== null) return;
    this.now = performance.now();
    this.#timer = setInterval(onTick, this.period, this);
    this.#timer.unref();
  }

  /** @internal A tick: every open connection's deadlines are checked; stops once none is open. */
  tick(): void {
    const now = performance.now();
    this.now = now;
    const connections = this.#connections;
    if (connections.size === 0) {
      clearInterval(this.#timer!);
      this.#timer = null;
      return;
    }
    // A copy: what a deadline does (user code in 'clientError' or 'aborted' listeners) may open
    // or close others.
    for (const c of connections.snapshot()) c.deadlines.check(now, this.period);
  }
}

// A shared timer callback: nothing is made per server tick.
function onTick(clock: DeadlineClock): void {
  clock.tick();
}

/**
 * One connection's deadlines, with `node:http`'s meanings, all counted from when it was
 * accepted: `headersTimeout` for the request packet, `requestTimeout` for the whole request (a GET
 * is complete with its packet); and `idleTimeout` since the last byte either way (or, after a
 * refusal, the linger). 0 turns any off. No timer of its own: its server's clock checks it.
 */
export class Deadlines {
  readonly #owner: DeadlineOwner;
  readonly #clock: DeadlineClock;
  readonly #headersMs: number;
  readonly #requestMs: number;
  #idleMs: number;
  readonly #since: number;
  #active: number;
  #packetIn = false;
  #done = false;

  constructor(
    owner: DeadlineOwner,
    clock: DeadlineClock,
    headersMs: number,
    requestMs: number,
    idleMs: number,
  ) {
    this.#owner = owner;
    this.#clock = clock;
    this.#headersMs = headersMs;
    this.#requestMs = requestMs;
    this.#idleMs = idleMs;
    this.#since = clock.now;
    this.#active = clock.now;
  }

  /** A byte went either way: the idle deadline starts again. */
  touch(): void {
    this.#active = this.#clock.now;
  }

  /** The packet is in: its deadline is off. */
  packetIn(): void {
    this.#packetIn = true;
  }

  /** The body is complete, or the request is over: only the idle deadline is left. */
  stop(): void {
    this.#done = true;
  }

  /** The request was refused: the connection is cut after `ms` without a byte either way. */
  linger(ms: number): void {
    this.#done = true;
    this.#idleMs = ms;
    this.touch();
  }

  /** @internal Checked at a tick of the clock; stamps may be up to `slack` ms old. */
  check(now: number, slack: number): void {
    if (!this.#done) {
      const age = now - this.#since - slack;
      if (!this.#packetIn && this.#headersMs > 0 && age >= this.#headersMs) {
        this.#done = true;
        this.#owner.headerTimeout();
        return;
      }
      if (this.#requestMs > 0 && age >= this.#requestMs) {
        this.#done = true;
        this.#owner.requestTimeout();
        return;
      }
    }
    if (this.#idleMs > 0 && now - this.#active - slack >= this.#idleMs) {
      this.#idleMs = 0; // once; a linger set by what idle() does arms it again
      this.#owner.idle();
    }
  }
}
