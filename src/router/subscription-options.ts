import { createPublicKey, getHashes, KeyObject } from "node:crypto";
import {
  checkBoolean,
  checkInteger,
  checkOptions,
  invalidArgType,
  invalidArgValue,
} from "../codec/arguments.js";
import { checkAddress } from "./address.js";
import { checkPoolOptions, type PoolOptions } from "./pool.js";

/** How signed subscriptions are checked (uWSGI's `--subscriptions-sign-check`). */
export interface SubscriptionVerifyOptions {
  /**
   * Public keys (PEM text or `KeyObject`s) by key prefix: a subscription for `app.example.com` is
   * checked with the key of the longest prefix of it (`""` matches every key).
   */
  readonly keys: Readonly<Record<string, string | KeyObject>>;
  /** The digest signatures are made with (`SHA1` in `--subscribe-to ...,SHA1:key.pem`). Defaults to `"sha1"`. */
  readonly algorithm?: string;
  /** Refuse unsigned subscriptions for keys no public key covers too. Defaults to true. */
  readonly required?: boolean;
  /**
   * Largest distance between a signed `unix` time and now, ms (uWSGI allows a day). A signed
   * announcement must also be newer than the last one accepted for that node: a copy sent again
   * is refused. Defaults to 300 000.
   */
  readonly window?: number;
}

/** Options of a subscription server. */
export interface SubscriptionServerOptions {
  /** UDP addresses to listen on (`"127.0.0.1:7000"`, `"[::1]:7000"`). */
  readonly listen: string | readonly string[];
  /** A node that misses its announcements this long is dropped, ms. Defaults to 17 000, as uWSGI. */
  readonly tolerance?: number;
  /** Options of the pools subscriptions create: `balancer`, `cookie`, `fallback`, `healthCheck`. */
  readonly pool?: PoolOptions;
  /** Check signatures. Without it, unsigned and signed subscriptions are taken as they come. */
  readonly verify?: SubscriptionVerifyOptions;
}

/** Checked verify options, with keys parsed. @internal */
export interface ResolvedVerify {
  readonly keys: readonly (readonly [prefix: string, key: KeyObject])[];
  readonly algorithm: string;
  readonly required: boolean;
  readonly window: number;
}

/** The default subscription tolerance (uWSGI's `--subscription-tolerance`), ms. */
export const DEFAULT_SUBSCRIPTION_TOLERANCE = 17_000;

function checkVerify(value: unknown): ResolvedVerify {
  if (value === null || typeof value !== "object") {
    throw invalidArgType("options.subscriptions.verify", "of type object", value);
  }
  checkOptions("options.subscriptions.verify", value, ["keys", "algorithm", "required", "window"]);
  const v = value as SubscriptionVerifyOptions;
  if (v.keys === null || typeof v.keys !== "object") {
    throw invalidArgType("options.subscriptions.verify.keys", "of type object", v.keys);
  }
  const keys: [string, KeyObject][] = [];
  for (const prefix of Object.keys(v.keys)) {
    const k = v.keys[prefix]!;
    try {
      const key = k instanceof KeyObject && k.type === "public" ? k : createPublicKey(k as string);
      keys.push([prefix, key]);
    } catch (err) {
      throw invalidArgValue(
        `options.subscriptions.verify.keys.${prefix}`,
        k,
        `is not a public key (${(err as Error).message})`,
      );
    }
  }
  // Longest prefix first, so the first match is the most specific.
  keys.sort((a, b) => b[0].length - a[0].length);
  const algorithm = v.algorithm ?? "sha1";
  if (typeof algorithm !== "string" || !getHashes().includes(algorithm.toLowerCase())) {
    throw invalidArgValue(
      "options.subscriptions.verify.algorithm",
      algorithm,
      "must be a digest name node:crypto knows",
    );
  }
  return {
    keys,
    algorithm: algorithm.toLowerCase(),
    required:
      v.required === undefined
        ? true
        : checkBoolean("options.subscriptions.verify.required", v.required),
    window:
      v.window === undefined
        ? 300_000
        : checkInteger("options.subscriptions.verify.window", v.window, 0, 2_147_483_647),
  };
}

/** Subscription options after checks. @internal */
export interface ResolvedSubscriptionOptions extends SubscriptionServerOptions {
  readonly resolvedVerify: ResolvedVerify | undefined;
  readonly addresses: readonly string[];
}

/** Checks subscription server options; returns them with `verify` resolved. @internal */
export function checkSubscriptionOptions(value: unknown): ResolvedSubscriptionOptions {
  if (value === null || typeof value !== "object") {
    throw invalidArgType("options.subscriptions", "of type object", value);
  }
  checkOptions("options.subscriptions", value, ["listen", "tolerance", "pool", "verify"]);
  const o = value as SubscriptionServerOptions;
  const addresses = typeof o.listen === "string" ? [o.listen] : o.listen;
  if (!Array.isArray(addresses) || addresses.length === 0) {
    throw invalidArgType("options.subscriptions.listen", "a string or a non-empty array", o.listen);
  }
  for (const a of addresses) {
    const parsed = checkAddress("options.subscriptions.listen", a);
    if (!("port" in parsed)) {
      throw invalidArgValue(
        "options.subscriptions.listen",
        a,
        "must be a UDP host:port (Node has no unix datagram sockets)",
      );
    }
  }
  if (o.tolerance !== undefined)
    checkInteger("options.subscriptions.tolerance", o.tolerance, 1, 2_147_483_647);
  if (o.pool !== undefined) {
    checkPoolOptions("options.subscriptions.pool", o.pool);
    if (o.pool.nodes !== undefined || o.pool.pattern !== undefined) {
      throw invalidArgValue("options.subscriptions.pool", o.pool, "cannot have nodes or a pattern");
    }
  }
  return {
    ...o,
    addresses,
    resolvedVerify: o.verify === undefined ? undefined : checkVerify(o.verify),
  };
}
