import {
  checkInteger,
  checkOneOf,
  checkOptions,
  invalidArgType,
  invalidArgValue,
} from "../codec/arguments.js";
import { checkAddress, parseAddress } from "./address.js";
import {
  BALANCERS,
  type BalancerName,
  type BalancerState,
  type PickHint,
  pickNode,
} from "./balancer.js";
import { BackendNode, type NodeInit, type NodeSource, type NodeStats } from "./node.js";

/** How a pool is made. Give `nodes`, or `pattern`, or neither for a pool fed by subscriptions. */
export interface PoolOptions {
  /** Static nodes: addresses (`host:port`, a unix socket path) or `{ address, weight, backup }`. */
  readonly nodes?: readonly (string | NodeInit)[];
  /**
   * A pattern whose `%s` becomes the request's key, giving the node's address (FastRouter's
   * `--fastrouter-use-pattern`), e.g. `/run/apps/%s.sock`. Keys other than letters, digits and
   * `.`, `-`, `_`, `:` are refused, so a key cannot reach a path outside the pattern.
   */
  readonly pattern?: string;
  /** How nodes are picked. Defaults to `"round-robin"` (weighted). */
  readonly balancer?: BalancerName;
  /** The cookie of the `"cookie"` balancer. Defaults to `"uwsgi_node"`. */
  readonly cookie?: string;
  /** A pool to use when this one has no node up, or every retry failed. */
  readonly fallback?: string;
  /** Active health: ping (modifier1 100) every node every `interval` ms; down until a ping answers. */
  readonly healthCheck?: { readonly interval: number; readonly timeout?: number };
}

const POOL_KEYS = ["nodes", "pattern", "balancer", "cookie", "fallback", "healthCheck"];
const NODE_KEYS = ["address", "weight", "backup", "modifier1", "modifier2"];
const PATTERN_KEY = /^[A-Za-z0-9._:-]{1,255}$/;
/** Pattern pools keep at most this many nodes; idle ones go first. */
const MAX_PATTERN_NODES = 1024;

/** Checks a node given as a string or an object; returns it as an object. */
export function checkNodeInit(name: string, value: unknown): NodeInit {
  if (typeof value === "string") {
    checkAddress(name, value);
    return { address: value };
  }
  if (value === null || typeof value !== "object") {
    throw invalidArgType(name, "a string or an object", value);
  }
  checkOptions(name, value, NODE_KEYS);
  const init = value as NodeInit;
  checkAddress(`${name}.address`, init.address);
  if (init.weight !== undefined) checkInteger(`${name}.weight`, init.weight, 1, 1_000_000);
  if (init.backup !== undefined) checkInteger(`${name}.backup`, init.backup, 0, 255);
  if (init.modifier1 !== undefined) checkInteger(`${name}.modifier1`, init.modifier1, 0, 255);
  if (init.modifier2 !== undefined) checkInteger(`${name}.modifier2`, init.modifier2, 0, 255);
  return init;
}

/** Checks pool options (`name` says where they came from in messages). */
export function checkPoolOptions(name: string, value: unknown): PoolOptions {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalidArgType(name, "of type object", value);
  }
  checkOptions(name, value, POOL_KEYS);
  const o = value as PoolOptions;
  if (o.nodes !== undefined && o.pattern !== undefined) {
    throw invalidArgValue(name, value, "has both nodes and pattern; a pool has one source");
  }
  if (o.nodes !== undefined) {
    if (!Array.isArray(o.nodes)) throw invalidArgType(`${name}.nodes`, "an array", o.nodes);
    for (const [i, n] of o.nodes.entries()) checkNodeInit(`${name}.nodes[${i}]`, n);
  }
  if (o.pattern !== undefined) {
    if (typeof o.pattern !== "string")
      throw invalidArgType(`${name}.pattern`, "of type string", o.pattern);
    if (!o.pattern.includes("%s") || parseAddress(o.pattern.replace("%s", "x")) === undefined) {
      throw invalidArgValue(`${name}.pattern`, o.pattern, "must hold %s and make an address");
    }
  }
  if (o.balancer !== undefined) checkOneOf(`${name}.balancer`, o.balancer, BALANCERS);
  if (
    o.cookie !== undefined &&
    (typeof o.cookie !== "string" || !/^[!#-'*+.^-z|~0-9A-Z-]+$/.test(o.cookie))
  ) {
    throw invalidArgValue(`${name}.cookie`, o.cookie, "must be a cookie name (an HTTP token)");
  }
  if (o.fallback !== undefined && typeof o.fallback !== "string") {
    throw invalidArgType(`${name}.fallback`, "of type string", o.fallback);
  }
  if (o.healthCheck !== undefined) {
    const h = o.healthCheck;
    if (h === null || typeof h !== "object")
      throw invalidArgType(`${name}.healthCheck`, "of type object", h);
    checkOptions(`${name}.healthCheck`, h, ["interval", "timeout"]);
    checkInteger(`${name}.healthCheck.interval`, h.interval, 10, 2_147_483_647);
    if (h.timeout !== undefined)
      checkInteger(`${name}.healthCheck.timeout`, h.timeout, 1, 2_147_483_647);
  }
  return o;
}

/** A pool in a stats snapshot. */
export interface PoolStats {
  readonly name: string;
  readonly kind: "static" | "pattern" | "subscription";
  readonly balancer: BalancerName;
  readonly nodes: NodeStats[];
}

/** A named set of nodes and how to pick among them. @internal */
export class Pool {
  readonly name: string;
  readonly kind: "static" | "pattern" | "subscription";
  readonly balancer: BalancerName;
  readonly cookie: string;
  readonly fallback: string | undefined;
  readonly healthCheck: { readonly interval: number; readonly timeout: number } | undefined;
  readonly #pattern: string | undefined;
  readonly #state: BalancerState = { turn: 0 };
  #nodes: BackendNode[] = [];

  constructor(name: string, options: PoolOptions, kind: "static" | "pattern" | "subscription") {
    this.name = name;
    this.kind = kind;
    this.balancer = options.balancer ?? "round-robin";
    this.cookie = options.cookie ?? "uwsgi_node";
    this.fallback = options.fallback;
    this.#pattern = options.pattern;
    const h = options.healthCheck;
    this.healthCheck =
      h === undefined ? undefined : { interval: h.interval, timeout: h.timeout ?? 2000 };
    for (const n of options.nodes ?? []) {
      const init = typeof n === "string" ? { address: n } : n;
      this.add(init, "static");
    }
  }

  /** The nodes, in the order they joined. */
  get nodes(): readonly BackendNode[] {
    return this.#nodes;
  }

  /** The node with this address, if any. */
  get(address: string): BackendNode | undefined {
    for (const n of this.#nodes) if (n.address === address) return n;
    return undefined;
  }

  /** Adds a node (its address already checked); returns it. */
  add(init: NodeInit, source: NodeSource): BackendNode {
    const node = new BackendNode(init, parseAddress(init.address)!, source);
    this.#nodes = [...this.#nodes, node];
    return node;
  }

  /** Removes a node; true when it was there. */
  remove(node: BackendNode): boolean {
    const i = this.#nodes.indexOf(node);
    if (i < 0) return false;
    this.#nodes = this.#nodes.filter((n) => n !== node);
    node.attached = false;
    return true;
  }

  /** Picks a node for a request (see the balancer), or undefined when none is up. */
  pick(
    key: string | undefined,
    hint: PickHint,
    exclude?: ReadonlySet<BackendNode>,
  ): BackendNode | undefined {
    if (this.#pattern !== undefined) return this.#patternNode(key, exclude);
    return pickNode(this.balancer, this.#nodes, this.#state, hint, exclude);
  }

  stats(): PoolStats {
    return {
      name: this.name,
      kind: this.kind,
      balancer: this.balancer,
      nodes: this.#nodes.map((n) => n.stats()),
    };
  }

  #patternNode(
    key: string | undefined,
    exclude?: ReadonlySet<BackendNode>,
  ): BackendNode | undefined {
    if (key === undefined || !PATTERN_KEY.test(key)) return undefined;
    const address = this.#pattern!.replace("%s", key);
    let node = this.get(address);
    if (node === undefined) {
      if (parseAddress(address) === undefined) return undefined;
      if (this.#nodes.length >= MAX_PATTERN_NODES) {
        const idle = this.#nodes.find((n) => n.inFlight === 0 && n.graceTimer === undefined);
        if (idle === undefined) return undefined;
        this.remove(idle);
      }
      node = this.add({ address }, "pattern");
    }
    return node.up && (exclude === undefined || !exclude.has(node)) ? node : undefined;
  }
}
