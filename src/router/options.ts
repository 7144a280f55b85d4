import { checkInteger, checkOptions, invalidArgType, invalidArgValue } from "../codec/arguments.js";
import { checkPoolOptions, type PoolOptions } from "./pool.js";
import type { Middleware, RouterRequest } from "./request.js";
import {
  checkSubscriptionOptions,
  type ResolvedSubscriptionOptions,
  type SubscriptionServerOptions,
} from "./subscription-options.js";

/** Options of `createRouter`. Defaults are in {@link DEFAULT_ROUTER_OPTIONS}. */
export interface RouterOptions {
  /** Pools by name. A request goes to the pool named by its key, else to `defaultPool`. */
  readonly pools?: Readonly<Record<string, PoolOptions>>;
  /** The pool for requests whose key names no pool (e.g. a static list, or a `pattern` pool). */
  readonly defaultPool?: string;
  /**
   * The routing key. Defaults to FastRouter's: `UWSGI_FASTROUTER_KEY` (from trusted sources),
   * else `HTTP_HOST`, else `SERVER_NAME`, at most 255 bytes, the port kept.
   */
  readonly key?: (req: RouterRequest) => string | undefined;
  /** Functions run in order on every request before it is forwarded. */
  readonly middleware?: readonly Middleware[];
  /**
   * Sources whose `UWSGI_*` vars are kept: `true` (all), a list of IP addresses (`"unix"` for unix
   * socket peers), or a function of the source. Defaults to none: an exposed uWSGI socket that
   * honours `UWSGI_FILE` and friends runs code, so vars that steer uWSGI itself are dropped.
   */
  readonly trust?: boolean | readonly string[] | ((source: string) => boolean);
  /** Further nodes to try after a failed connect (never once a byte reached a backend). Defaults to 3. */
  readonly retries?: number;
  /** How long a node that failed to connect stays down (passive health), ms. Defaults to 30 000. */
  readonly grace?: number;
  /** Time allowed to connect to a backend, ms. Defaults to 10 000. */
  readonly connectTimeout?: number;
  /** Longest silence from a backend while its answer is awaited or streamed, ms. Defaults to 60 000. */
  readonly answerTimeout?: number;
  /**
   * Time allowed for a client to send its whole request packet, ms (`node:http`'s
   * `headersTimeout`: the packet is the request's head). Defaults to 10 000; 0 disables it.
   */
  readonly headersTimeout?: number;
  /** How long `close()` lets requests in flight finish, ms. Defaults to 10 000. */
  readonly closeTimeout?: number;
  /** A subscription server feeding pools named by the subscriptions' keys. */
  readonly subscriptions?: SubscriptionServerOptions;
}

/** The defaults of {@link RouterOptions}. */
export const DEFAULT_ROUTER_OPTIONS: Readonly<{
  retries: number;
  grace: number;
  connectTimeout: number;
  answerTimeout: number;
  headersTimeout: number;
  closeTimeout: number;
}> = Object.freeze({
  retries: 3,
  grace: 30_000,
  connectTimeout: 10_000,
  answerTimeout: 60_000,
  headersTimeout: 10_000,
  closeTimeout: 10_000,
});

/** Options after checks, with defaults applied. @internal */
export interface ResolvedRouterOptions {
  readonly pools: Readonly<Record<string, PoolOptions>>;
  readonly defaultPool: string | undefined;
  readonly key: ((req: RouterRequest) => string | undefined) | undefined;
  readonly middleware: readonly Middleware[];
  /** A boolean when it does not depend on the source (the peer's address is then never read). */
  readonly trust: boolean | ((source: string) => boolean);
  readonly retries: number;
  readonly grace: number;
  readonly connectTimeout: number;
  readonly answerTimeout: number;
  readonly headersTimeout: number;
  readonly closeTimeout: number;
  readonly subscriptions: ResolvedSubscriptionOptions | undefined;
}

const KEYS = [
  "pools",
  "defaultPool",
  "key",
  "middleware",
  "trust",
  "retries",
  "grace",
  "connectTimeout",
  "answerTimeout",
  "headersTimeout",
  "closeTimeout",
  "subscriptions",
];
// node:http's and uWSGI's spellings of the same things, and the router's former names.
const ALIASES = {
  timeout: "answerTimeout",
  headerTimeout: "headersTimeout",
  maxRetries: "retries",
};
const MAX_MS = 2_147_483_647;

function trustOf(value: RouterOptions["trust"]): boolean | ((source: string) => boolean) {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (typeof value === "function") return value;
  if (Array.isArray(value)) {
    const set = new Set<string>();
    for (const s of value) {
      if (typeof s !== "string") throw invalidArgType("options.trust[]", "of type string", s);
      set.add(s);
    }
    return (source) => set.has(source);
  }
  throw invalidArgType("options.trust", "a boolean, an array of addresses or a function", value);
}

/** Checks router options and applies defaults. @internal */
export function resolveRouterOptions(options: RouterOptions | undefined): ResolvedRouterOptions {
  checkOptions("createRouter", options, KEYS, ALIASES);
  const o = options ?? {};
  const d = DEFAULT_ROUTER_OPTIONS;
  const pools = o.pools ?? {};
  if (pools === null || typeof pools !== "object" || Array.isArray(pools)) {
    throw invalidArgType("options.pools", "of type object", pools);
  }
  for (const name of Object.keys(pools)) checkPoolOptions(`options.pools.${name}`, pools[name]);
  for (const name of Object.keys(pools)) {
    const fallback = pools[name]!.fallback;
    if (fallback !== undefined && !Object.hasOwn(pools, fallback)) {
      throw invalidArgValue(`options.pools.${name}.fallback`, fallback, "must name a pool");
    }
  }
  if (
    o.defaultPool !== undefined &&
    (typeof o.defaultPool !== "string" || !Object.hasOwn(pools, o.defaultPool))
  ) {
    throw invalidArgValue(
      "options.defaultPool",
      o.defaultPool,
      "must name a pool of options.pools",
    );
  }
  if (o.key !== undefined && typeof o.key !== "function") {
    throw invalidArgType("options.key", "of type function", o.key);
  }
  const middleware = o.middleware ?? [];
  if (!Array.isArray(middleware))
    throw invalidArgType("options.middleware", "an array", middleware);
  middleware.forEach((m, i) => {
    if (typeof m !== "function")
      throw invalidArgType(`options.middleware[${i}]`, "of type function", m);
  });
  const ms = (name: keyof typeof d, min = 0) =>
    o[name] === undefined ? d[name] : checkInteger(`options.${name}`, o[name], min, MAX_MS);
  return {
    pools,
    defaultPool: o.defaultPool,
    key: o.key,
    middleware,
    trust: trustOf(o.trust),
    retries:
      o.retries === undefined ? d.retries : checkInteger("options.retries", o.retries, 0, 100),
    grace: ms("grace"),
    connectTimeout: ms("connectTimeout", 1),
    answerTimeout: ms("answerTimeout"),
    headersTimeout: ms("headersTimeout"),
    closeTimeout: ms("closeTimeout"),
    subscriptions:
      o.subscriptions === undefined ? undefined : checkSubscriptionOptions(o.subscriptions),
  };
}
