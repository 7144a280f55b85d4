import { ping } from "../client/ping.js";
import type { BackendNode } from "./node.js";
import type { Pool } from "./pool.js";

/** What a `'nodeDown'`, `'nodeUp'`, `'nodeAdded'` or `'nodeRemoved'` event carries. */
export interface NodeEvent {
  readonly pool: string;
  readonly address: string;
  /**
   * Why: `"connect"` (a connect error or time-out: passive health), `"ping"` (active health),
   * `"grace"` (the grace period ended), `"subscribe"`, `"unsubscribe"`, `"tolerance"` (no
   * announcement within the tolerance), `"static"`.
   */
  readonly reason: string;
}

type Emit = (event: "nodeDown" | "nodeUp", info: NodeEvent) => void;

/**
 * Passive and active health of the router's nodes: every timer it starts, it stops in `close`.
 * @internal
 */
export class Health {
  readonly #emit: Emit;
  readonly #grace: number;
  readonly #checks = new Map<Pool, NodeJS.Timeout>();
  #closed = false;

  constructor(grace: number, emit: Emit) {
    this.#grace = grace;
    this.#emit = emit;
  }

  /** A connect failed: the node is down for the grace period (passive health). */
  connectFailed(pool: Pool, node: BackendNode): void {
    if (this.#grace === 0 || this.#closed || !node.attached) return;
    const wasUp = node.up;
    node.passiveDown = true;
    if (node.graceTimer !== undefined) clearTimeout(node.graceTimer);
    node.graceTimer = setTimeout(() => {
      node.graceTimer = undefined;
      node.passiveDown = false;
      if (node.up && node.attached)
        this.#emit("nodeUp", { pool: pool.name, address: node.address, reason: "grace" });
    }, this.#grace);
    if (wasUp)
      this.#emit("nodeDown", { pool: pool.name, address: node.address, reason: "connect" });
  }

  /** Starts pinging every node of `pool` at its `healthCheck.interval`, first at once. */
  watch(pool: Pool): void {
    const check = pool.healthCheck;
    if (check === undefined || this.#checks.has(pool) || this.#closed) return;
    const run = () => {
      for (const node of pool.nodes) {
        // The client's ping(): a whole pong (modifier2 1, with its warning text) within the timeout.
        void ping(node.connect, { timeout: check.timeout }).then((result) =>
          this.#pinged(pool, node, result.alive),
        );
      }
    };
    const timer = setInterval(run, check.interval);
    this.#checks.set(pool, timer);
    run();
  }

  /** Stops watching a pool (it was removed). */
  unwatch(pool: Pool): void {
    const timer = this.#checks.get(pool);
    if (timer !== undefined) clearInterval(timer);
    this.#checks.delete(pool);
  }

  /** A node left its pool: its grace timer goes with it. */
  forget(node: BackendNode): void {
    if (node.graceTimer !== undefined) clearTimeout(node.graceTimer);
    node.graceTimer = undefined;
  }

  /** Stops every timer. */
  close(pools: Iterable<Pool>): void {
    this.#closed = true;
    for (const timer of this.#checks.values()) clearInterval(timer);
    this.#checks.clear();
    for (const pool of pools) for (const node of pool.nodes) this.forget(node);
  }

  #pinged(pool: Pool, node: BackendNode, alive: boolean): void {
    if (this.#closed || !node.attached) return;
    const wasUp = node.up;
    node.activeDown = !alive;
    const info = { pool: pool.name, address: node.address, reason: "ping" };
    if (wasUp && !node.up) this.#emit("nodeDown", info);
    else if (!wasUp && node.up) this.#emit("nodeUp", info);
  }
}
