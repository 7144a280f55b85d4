import type { NodeAddress } from "./address.js";
import { type Balanced, hash32 } from "./balancer.js";
import { LatencyHistogram, type LatencySnapshot } from "./latency.js";

/** Where a node came from. */
export type NodeSource = "static" | "pattern" | "subscription";

/** A node of a pool: a uwsgi backend address, its weight and its backup level. */
export interface NodeInit {
  /** `host:port` or a unix socket path, as uWSGI writes addresses. */
  readonly address: string;
  /** Weight for the weighted algorithms, an integer >= 1. Defaults to 1. */
  readonly weight?: number;
  /** Backup level: 0 (the default) is a primary; level N serves only when levels below are all down. */
  readonly backup?: number;
  /** modifier1 to send this node instead of the request's (subscriptions always set it). */
  readonly modifier1?: number;
  /** modifier2 to send this node instead of the request's. */
  readonly modifier2?: number;
}

/** One node in a stats snapshot. */
export interface NodeStats {
  readonly address: string;
  readonly source: NodeSource;
  readonly state: "up" | "down";
  /** Why the node is down: `"connect"` (passive), `"ping"` (active). */
  readonly downReason: string | undefined;
  readonly weight: number;
  readonly backup: number;
  /** Requests sent to the node (answered or not). */
  readonly requests: number;
  /** Requests that failed at this node (connect errors and time-outs, broken answers). */
  readonly failures: number;
  readonly inFlight: number;
  /** For subscribed nodes: what the last announcement said, and when it came (ms since epoch). */
  readonly cores: number;
  readonly load: number;
  readonly lastSeen: number | undefined;
  /** Milliseconds from the choice of this node to the end of the answer. */
  readonly latency: LatencySnapshot;
}

/** A backend node and its counters. @internal (read through stats and events). */
export class BackendNode implements Balanced {
  readonly address: string;
  readonly connect: NodeAddress;
  readonly source: NodeSource;
  /** A stable name for cookies and hashing: not the address itself. */
  readonly token: string;
  weight: number;
  backup: number;
  modifier1: number | undefined;
  modifier2: number | undefined;
  cores = 0;
  load = 0;
  /** Last subscription announcement (ms since epoch), for subscribed nodes. */
  lastSeen: number | undefined = undefined;
  /** Smooth weighted round robin: the node's running score (see balancer.ts). */
  current = 0;
  inFlight = 0;
  requests = 0;
  failures = 0;
  /** Down after a failure, until the grace period ends (passive health). */
  passiveDown = false;
  /** Down after a failed ping, until a ping answers (active health). */
  activeDown = false;
  /** The pending end of a passive grace period. */
  graceTimer: NodeJS.Timeout | undefined = undefined;
  /** False once the node left its pool: no more requests, no more events. */
  attached = true;
  readonly latency: LatencyHistogram = new LatencyHistogram();

  constructor(init: NodeInit, connect: NodeAddress, source: NodeSource) {
    this.address = init.address;
    this.connect = connect;
    this.source = source;
    this.token = hash32(init.address).toString(36);
    this.weight = init.weight ?? 1;
    this.backup = init.backup ?? 0;
    this.modifier1 = init.modifier1;
    this.modifier2 = init.modifier2;
  }

  get up(): boolean {
    return !this.passiveDown && !this.activeDown;
  }

  stats(): NodeStats {
    return {
      address: this.address,
      source: this.source,
      state: this.up ? "up" : "down",
      downReason: this.activeDown ? "ping" : this.passiveDown ? "connect" : undefined,
      weight: this.weight,
      backup: this.backup,
      requests: this.requests,
      failures: this.failures,
      inFlight: this.inFlight,
      cores: this.cores,
      load: this.load,
      lastSeen: this.lastSeen,
      latency: this.latency.snapshot(),
    };
  }
}
