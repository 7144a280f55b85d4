import type { AddressInfo } from "node:net";
import type { RouterOptions } from "../../../src/router/options.js";
import { createRouter, type UwsgiRouter } from "../../../src/router/router.js";
import { parseHttpAnswer } from "../../interop/support/exchange.js";

/** A router of ours listening on a free port of 127.0.0.1. */
export async function startRouter(
  options: RouterOptions,
): Promise<{ router: UwsgiRouter; port: number }> {
  const router = createRouter(options);
  await new Promise<void>((resolve, reject) => {
    router.once("error", reject);
    router.listen(0, "127.0.0.1", () => {
      router.off("error", reject);
      resolve();
    });
  });
  return { router, port: (router.address() as AddressInfo).port };
}

/** Closes a router and waits for it. */
export function stopRouter(router: UwsgiRouter): Promise<void> {
  return new Promise((resolve) => router.close(() => resolve()));
}

/** What fixtures/apps/identity.py answered. */
export interface Identity {
  readonly status: number;
  readonly node: string;
  readonly environ: Map<string, string>;
  readonly headers: readonly (readonly [string, string])[];
}

/** Parses an identity answer (environ keys and values as latin1 strings of the wire bytes). */
export function parseIdentity(raw: Buffer): Identity {
  const answer = parseHttpAnswer(raw);
  const json = JSON.parse(answer.body.toString("utf8")) as {
    node: string;
    environ: [string, string][];
  };
  const environ = new Map<string, string>();
  for (const [k, v] of json.environ) {
    environ.set(Buffer.from(k, "hex").toString("latin1"), Buffer.from(v, "hex").toString("latin1"));
  }
  return { status: answer.status, node: json.node, environ, headers: answer.headers };
}

/** Counts of each value. */
export function tally(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
