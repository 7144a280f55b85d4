import { afterEach, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/codec/packet.js";
import type { UwsgiRouterError } from "../../src/router/errors.js";
import type { NodeEvent } from "../../src/router/health.js";
import type { UwsgiRouter } from "../../src/router/router.js";
import { exchange, parseHttpAnswer } from "../interop/support/exchange.js";
import { freePort } from "../interop/support/ports.js";
import { type Backend, startBackend } from "./support/backends.js";
import { parseIdentity, startRouter, stopRouter, tally } from "./support/router.js";

// Real uWSGI backends started with --subscribe-to join the router's pools by themselves.

const running: { stop(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop()));
});

function request(host: string, path = "/"): Buffer {
  return Buffer.from(
    encodePacket({
      vars: [
        ["REQUEST_METHOD", "GET"],
        ["PATH_INFO", path],
        ["QUERY_STRING", ""],
        ["SERVER_PROTOCOL", "HTTP/1.1"],
        ["HTTP_HOST", host],
      ],
    }),
  );
}

/** Resolves with the first event `name` whose payload passes `match` (bounded by the test's time-out). */
function nextEvent(
  router: UwsgiRouter,
  name: string,
  match: (e: NodeEvent) => boolean,
): Promise<NodeEvent> {
  return new Promise((resolve) => {
    const on = (e: NodeEvent) => {
      if (!match(e)) return;
      router.off(name, on);
      resolve(e);
    };
    router.on(name, on);
  });
}

async function subscribedSetup(ids: readonly string[], tolerance: number) {
  const udp = await freePort();
  const { router, port } = await startRouter({
    subscriptions: { listen: `127.0.0.1:${udp}`, tolerance },
  });
  running.push({ stop: () => stopRouter(router) });
  const seen = new Set<string>();
  const added = new Promise<void>((resolve) => {
    router.on("nodeAdded", (e: NodeEvent) => {
      if (e.pool === "app.test") seen.add(e.address);
      if (seen.size === ids.length) resolve();
    });
  });
  const backends: Backend[] = [];
  for (const id of ids) {
    const b = await startBackend(id, [
      "--master",
      "--subscribe-to",
      `127.0.0.1:${udp}:app.test`,
      "--subscribe-freq",
      "1",
    ]);
    backends.push(b);
    running.push(b);
  }
  await added;
  return { router, port, backends };
}

describe("uWSGI --subscribe-to registers with the router's subscription server", () => {
  it("serves subscribed backends, drops one that unsubscribes and one SIGKILLed after the tolerance", async () => {
    const { router, port, backends } = await subscribedSetup(["a", "b", "c"], 4000);
    const [a, b] = backends as [Backend, Backend, Backend];
    const pool = router.stats().pools.find((p) => p.name === "app.test")!;
    expect(pool.kind).toBe("subscription");
    expect(new Set(pool.nodes.map((n) => n.address))).toEqual(
      new Set(backends.map((x) => x.address)),
    );
    const nodes: string[] = [];
    for (let i = 0; i < 6; i++)
      nodes.push(parseIdentity((await exchange(port, [request("app.test")])).answer).node);
    expect(tally(nodes)).toEqual({ a: 2, b: 2, c: 2 });

    // A clean shutdown: uWSGI's master sends an unsubscription.
    const left = nextEvent(router, "nodeRemoved", (e) => e.address === a.address);
    await a.stop();
    expect((await left).reason).toBe("unsubscribe");

    // SIGKILL: no unsubscription; the node goes once it misses announcements for the tolerance
    // (4 s: uWSGI announces each second, but its master may be late on a busy machine).
    const dropped = nextEvent(router, "nodeRemoved", (e) => e.address === b.address);
    b.kill();
    expect((await dropped).reason).toBe("tolerance");
    const after: string[] = [];
    for (let i = 0; i < 4; i++)
      after.push(parseIdentity((await exchange(port, [request("app.test")])).answer).node);
    expect(after).toEqual(["c", "c", "c", "c"]);
    // A key nobody subscribed: no pool, a 502 from the router.
    expect(parseHttpAnswer((await exchange(port, [request("other.test")])).answer).status).toBe(
      502,
    );
  });

  it("loses no request under steady load when a backend is killed mid-run", async () => {
    const { router, port, backends } = await subscribedSetup(["a", "b", "c"], 4000);
    const errors: UwsgiRouterError[] = [];
    router.on("requestError", (e: UwsgiRouterError) => errors.push(e));
    const victim = backends[1]!;
    const outcomes: { status: number; node: string }[] = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const raw = (await exchange(port, [request("app.test", "/slow/20")])).answer;
        const status = parseHttpAnswer(raw).status;
        outcomes.push({ status, node: status === 200 ? parseIdentity(raw).node : "" });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    while (outcomes.length < 100) await new Promise((r) => setTimeout(r, 20));
    victim.kill();
    const killedAfter = outcomes.length;
    while (outcomes.length < killedAfter + 300) await new Promise((r) => setTimeout(r, 20));
    stop = true;
    await Promise.all(workers);

    // Every request was answered: by a live node, or with a 502 for a request that had reached
    // the killed node, each of which the router reported with a typed error.
    const failed = outcomes.filter((o) => o.status !== 200);
    expect(failed.every((o) => o.status === 502)).toBe(true);
    expect(errors.length).toBe(failed.length);
    for (const e of errors) {
      expect(e.code).toBe("BACKEND_FAILED");
      expect(e.address).toBe(victim.address);
      expect(e.bytesSent).toBeGreaterThan(0);
    }
    expect(router.stats().failed).toEqual(
      errors.length === 0 ? {} : { BACKEND_FAILED: errors.length },
    );
    // After the kill, the survivors answered; the last 100 requests all came from them.
    expect(outcomes.slice(-100).every((o) => o.node === "a" || o.node === "c")).toBe(true);
    expect(router.stats().inFlight).toBe(0);
  });
});
