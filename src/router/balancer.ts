// Balancing algorithms: which up node of a pool takes the next request. Pure functions over the
// nodes' counters, no I/O, no timers, so a property test can drive them through any history.

/** How a pool picks a node. */
export type BalancerName =
  /** Smooth weighted round robin (nginx's): over any sum(weights) picks, each node gets its weight. */
  | "round-robin"
  /** The node with the fewest requests in flight (uWSGI's lrc); ties rotate. */
  | "least-connections"
  /** The fewest requests in flight per unit of weight (uWSGI's wlrc); ties rotate. */
  | "weighted-least-connections"
  /** The client address (REMOTE_ADDR) picks the node: weighted rendezvous hashing. */
  | "ip-hash"
  /** The node the client's cookie names, while it is up; else round robin, and the cookie is set. */
  | "cookie";

/** All balancer names, for option checks. */
export const BALANCERS: readonly BalancerName[] = [
  "round-robin",
  "least-connections",
  "weighted-least-connections",
  "ip-hash",
  "cookie",
];

/** What a balancer reads of a node. */
export interface Balanced {
  readonly weight: number;
  /** 0 for a primary; level N is used only when every node of lower levels is down. */
  readonly backup: number;
  readonly up: boolean;
  readonly inFlight: number;
  /** A stable name of the node for hashing and cookies. */
  readonly token: string;
  /** Round-robin state: the node's current score (smooth WRR). */
  current: number;
}

/** Per-pool state of the balancer. */
export interface BalancerState {
  /** Rotates the start of ties for the least-connections algorithms. */
  turn: number;
}

/** What the request tells the balancer. */
export interface PickHint {
  /** The client address, for ip-hash. */
  readonly clientAddress?: string | undefined;
  /** The token from the client's cookie, for cookie stickiness. */
  readonly sticky?: string | undefined;
}

/** The lowest backup level that has an up node not in `exclude`, or -1. */
function activeLevel<T extends Balanced>(
  nodes: readonly T[],
  exclude: ReadonlySet<T> | undefined,
): number {
  let level = -1;
  for (const n of nodes) {
    if (n.up && (exclude === undefined || !exclude.has(n)) && (level < 0 || n.backup < level)) {
      level = n.backup;
    }
  }
  return level;
}

/**
 * Picks the node for a request: only up nodes of the lowest backup level that has one, never one
 * in `exclude` (nodes a retry already tried). Undefined when no node qualifies.
 */
export function pickNode<T extends Balanced>(
  algorithm: BalancerName,
  nodes: readonly T[],
  state: BalancerState,
  hint: PickHint,
  exclude?: ReadonlySet<T>,
): T | undefined {
  const level = activeLevel(nodes, exclude);
  if (level < 0) return undefined;
  switch (algorithm) {
    case "least-connections":
    case "weighted-least-connections":
      return leastConnections(
        nodes,
        level,
        exclude,
        state,
        algorithm === "weighted-least-connections",
      );
    case "ip-hash":
      return rendezvous(nodes, level, exclude, hint.clientAddress ?? "");
    case "cookie":
      if (hint.sticky !== undefined) {
        for (const n of nodes) {
          if (n.token === hint.sticky && eligible(n, level, exclude)) return n;
        }
      }
      return smoothRoundRobin(nodes, level, exclude);
    default:
      return smoothRoundRobin(nodes, level, exclude);
  }
}

function eligible<T extends Balanced>(
  n: T,
  level: number,
  exclude: ReadonlySet<T> | undefined,
): boolean {
  return n.up && n.backup === level && (exclude === undefined || !exclude.has(n));
}

// nginx's smooth weighted round robin: every candidate gains its weight, the highest score wins
// and pays back the total. Spreads a heavy node's turns instead of sending them in a burst.
function smoothRoundRobin<T extends Balanced>(
  nodes: readonly T[],
  level: number,
  exclude: ReadonlySet<T> | undefined,
): T | undefined {
  let best: T | undefined;
  let total = 0;
  for (const n of nodes) {
    if (!eligible(n, level, exclude)) continue;
    n.current += n.weight;
    total += n.weight;
    if (best === undefined || n.current > best.current) best = n;
  }
  if (best !== undefined) best.current -= total;
  return best;
}

function leastConnections<T extends Balanced>(
  nodes: readonly T[],
  level: number,
  exclude: ReadonlySet<T> | undefined,
  state: BalancerState,
  weighted: boolean,
): T | undefined {
  const count = nodes.length;
  if (count === 0) return undefined;
  const start = state.turn++ % count;
  if (state.turn > 0x3fffffff) state.turn = 0;
  let best: T | undefined;
  for (let k = 0; k < count; k++) {
    const n = nodes[(start + k) % count]!;
    if (!eligible(n, level, exclude)) continue;
    if (best === undefined) best = n;
    else if (weighted) {
      // inFlight / weight, compared without division.
      if (n.inFlight * best.weight < best.inFlight * n.weight) best = n;
    } else if (n.inFlight < best.inFlight) best = n;
  }
  return best;
}

/** FNV-1a, 32 bits, over a string's UTF-16 code units. */
export function hash32(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche (murmur3's fmix32): FNV alone leaves nearby inputs close.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

// Weighted rendezvous hashing: each node scores -weight / ln(u) with u uniform from the hash of
// (client, node); the best score wins. A client moves only when its node goes away or a node that
// outscores it arrives, and nodes get clients in proportion to their weights.
function rendezvous<T extends Balanced>(
  nodes: readonly T[],
  level: number,
  exclude: ReadonlySet<T> | undefined,
  client: string,
): T | undefined {
  const base = hash32(client);
  let best: T | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const n of nodes) {
    if (!eligible(n, level, exclude)) continue;
    const u = (hash32(n.token, base) + 0.5) / 4294967296;
    const score = -n.weight / Math.log(u);
    if (score > bestScore) {
      bestScore = score;
      best = n;
    }
  }
  return best;
}
