import { performance } from "node:perf_hooks";

/** What a connection's deadlines call when one passes. */
export interface DeadlineOwner {
  /** The request packet did not arrive whole within `headersTimeout`. */
  headerTimeout(): void;
  /** The request (packet and body) was not complete within `requestTimeout`. */
  requestTimeout(): void;
}

/**
 * A connection's two deadlines, both counted from when it was accepted, with `node:http`'s
 * meanings: `headersTimeout` for the request packet, `requestTimeout` for the whole request. One
 * timer at a time: `headersTimeout <= requestTimeout` (checked with the options), so the packet's
 * covers the start, and the request's is made only when a body is still to come once the packet
 * is in (a GET never makes one). 0 turns either off.
 */
export class Deadlines {
  readonly #owner: DeadlineOwner;
  readonly #requestMs: number;
  // When the connection was accepted (performance.now()); read only when requestTimeout is on.
  readonly #since: number;
  #header: NodeJS.Timeout | null = null;
  #request: NodeJS.Timeout | null = null;

  constructor(owner: DeadlineOwner, headersMs: number, requestMs: number) {
    this.#owner = owner;
    this.#requestMs = requestMs;
    this.#since = requestMs > 0 ? performance.now() : 0;
    if (headersMs > 0) this.#header = setTimeout(onHeader, headersMs, this);
    else if (requestMs > 0) this.#request = setTimeout(onRequest, requestMs, this);
  }

  /** The packet is in: its deadline is off. */
  packetIn(): void {
    if (this.#header !== null) {
      clearTimeout(this.#header);
      this.#header = null;
    }
  }

  /** The packet is in and its body is still to come: the request's deadline runs. */
  awaitBody(): void {
    const ms = this.#requestMs;
    if (ms === 0 || this.#request !== null) return;
    const left = Math.max(1, Math.ceil(ms - (performance.now() - this.#since)));
    this.#request = setTimeout(onRequest, left, this);
  }

  /** The body is complete, or the request is over: nothing is timed any more. */
  stop(): void {
    this.packetIn();
    if (this.#request !== null) {
      clearTimeout(this.#request);
      this.#request = null;
    }
  }

  /** @internal A timer fired. */
  passed(header: boolean): void {
    if (header) {
      this.#header = null;
      this.#owner.headerTimeout();
    } else {
      this.#request = null;
      this.#owner.requestTimeout();
    }
  }
}

// Shared timer callbacks: nothing is made per connection.
function onHeader(d: Deadlines): void {
  d.passed(true);
}
function onRequest(d: Deadlines): void {
  d.passed(false);
}
