import { performance } from "node:perf_hooks";

/**
 * The check period for the router's time-outs: a twentieth of the shortest enabled one, so a
 * deadline passes at most a tenth of it late (500 ms with the defaults).
 */
export function clockPeriod(...timeouts: number[]): number {
  let shortest = Number.POSITIVE_INFINITY;
  for (const ms of timeouts) if (ms > 0 && ms < shortest) shortest = ms;
  return shortest === Number.POSITIVE_INFINITY ? 1000 : Math.max(1, Math.floor(shortest / 20));
}

/**
 * The router's clock: one interval timer checks the deadlines of every open connection and of
 * its request (headersTimeout, connectTimeout, answerTimeout), as `node:http` checks its
 * `headersTimeout` (connectionsCheckingInterval), instead of a timer per connection, one per
 * connect and the backend socket's idle timer refreshed at every read and write. Connections
 * stamp their events with `performance.now()` (a few tens of nanoseconds), so a deadline passes
 * at most a period (and the timer's own lateness) late, never early. It runs only while
 * connections are open, and does not keep the process alive. @internal
 */
export class RouterClock {
  /** Milliseconds between checks. */
  readonly period: number;
  /** Checks every open connection; false when none is open (the clock then stops). */
  readonly #check: (now: number) => boolean;
  #timer: NodeJS.Timeout | null = null;

  constructor(period: number, check: (now: number) => boolean) {
    this.period = period;
    this.#check = check;
  }

  /** A connection opened: the clock runs while any is open. */
  start(): void {
    if (this.#timer !== null) return;
    this.#timer = setInterval(onTick, this.period, this);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer === null) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }

  /** @internal A tick: checks the deadlines; stops once no connection is open. */
  tick(): void {
    if (!this.#check(performance.now())) this.stop();
  }
}

// A shared timer callback: nothing is made per tick.
function onTick(clock: RouterClock): void {
  clock.tick();
}
