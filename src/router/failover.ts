import type { PickHint } from "./balancer.js";
import type { Health } from "./health.js";
import type { BackendNode } from "./node.js";
import type { Pool } from "./pool.js";

/** What a failover needs from its router. @internal */
export interface FailoverHost {
  readonly options: { readonly retries: number };
  readonly health: Health;
  pool(name: string): Pool | undefined;
}

/**
 * Where one request goes once its first pick failed (a connect that failed, or a pool with no node
 * up): the nodes of its pool not tried yet, for `retries` more connects, then the pool's fallback,
 * and that pool's own fallback, each pool once. Made at the first failure only: a request whose
 * first node answers never makes one.
 * @internal
 */
export class Failover {
  /** The pool searched now: the request's, then each fallback taken. */
  pool: Pool;
  readonly #host: FailoverHost;
  /** Nodes of the current pool a connect failed to (made at the first failure). */
  #tried: Set<BackendNode> | undefined = undefined;
  /** Pools already tried, once a fallback is taken. */
  #visited: Set<string> | undefined = undefined;
  #retriesLeft: number;

  constructor(host: FailoverHost, pool: Pool) {
    this.#host = host;
    this.pool = pool;
    this.#retriesLeft = host.options.retries;
  }

  /** True when a node of the current pool was tried and failed (else its pool had none up). */
  get exhausted(): boolean {
    return this.#tried !== undefined && this.#tried.size > 0;
  }

  /** The connect to `node`, of the current pool, failed: its counts, its health, no retry to it. */
  failed(node: BackendNode): void {
    node.failures++;
    node.inFlight--;
    this.#tried ??= new Set();
    this.#tried.add(node);
    this.#host.health.connectFailed(this.pool, node);
    if (this.#retriesLeft > 0) {
      this.#retriesLeft--;
      return;
    }
    // Out of retries in this pool: the next pick moves on to its fallback, or gives up.
    for (const n of this.pool.nodes) this.#tried.add(n);
  }

  /** The next node to try, in the current pool or else a fallback; undefined when none is left. */
  next(key: string | undefined, hint: PickHint): BackendNode | undefined {
    return this.pool.pick(key, hint, this.#tried) ?? this.fallback(key, hint);
  }

  /**
   * The current pool has no node for the request: a node of its fallback (or of that pool's own
   * fallback, each pool once), which becomes the current pool; undefined when none is left.
   */
  fallback(key: string | undefined, hint: PickHint): BackendNode | undefined {
    let node: BackendNode | undefined;
    while (node === undefined) {
      const fallback = this.pool.fallback;
      const next =
        fallback === undefined || fallback === this.pool.name || this.#visited?.has(fallback)
          ? undefined
          : this.#host.pool(fallback);
      if (next === undefined) return undefined;
      this.#visited ??= new Set([this.pool.name]);
      this.#visited.add(next.name);
      this.pool = next;
      this.#tried = undefined;
      this.#retriesLeft = this.#host.options.retries;
      node = next.pick(key, hint, this.#tried);
    }
    return node;
  }
}
