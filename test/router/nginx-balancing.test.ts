import { get } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BalancerName } from "../../src/router/balancer.js";
import type { UwsgiRouter } from "../../src/router/router.js";
import { type NginxPeer, startNginx, uwsgiLocation } from "../interop/support/nginx.js";
import { type Backend, startBackends } from "./support/backends.js";
import { startRouter, stopRouter, tally } from "./support/router.js";

// nginx (uwsgi_pass) -> our router -> three real uWSGI backends answering their identity.

interface Answer {
  readonly status: number;
  readonly node: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

function fetchVia(
  port: number,
  path: string,
  init: { from?: string; cookie?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = get(
      {
        host: "127.0.0.1",
        port,
        path,
        agent: false,
        ...(init.from === undefined ? {} : { localAddress: init.from }),
        headers: init.cookie === undefined ? {} : { Cookie: init.cookie },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const node = res.statusCode === 200 ? (JSON.parse(body) as { node: string }).node : "";
          resolve({ status: res.statusCode ?? 0, node, headers: res.headers });
        });
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
  });
}

/** `count` requests, `parallel` at a time; the nodes that answered, in order of completion. */
async function load(port: number, count: number, parallel: number, path = "/"): Promise<string[]> {
  const nodes: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next++;
      const a = await fetchVia(port, path);
      expect(a.status).toBe(200);
      nodes.push(a.node);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return nodes;
}

let backends: Backend[];

/** Resolves once `ready()` holds (checked every 10 ms, at most 5 s). */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ready()).toBe(true);
}

beforeAll(async () => {
  backends = await startBackends(["a", "b", "c"]);
});

afterAll(async () => {
  await Promise.all(backends.map((b) => b.stop()));
});

/** Runs `body` with nginx in front of a router whose one pool has the three backends. */
async function withRouter(
  balancer: BalancerName,
  weights: readonly number[],
  body: (nginxPort: number, router: UwsgiRouter) => Promise<void>,
): Promise<void> {
  const { router, port } = await startRouter({
    pools: {
      app: {
        balancer,
        nodes: backends.map((b, i) => ({ address: b.address, weight: weights[i]! })),
      },
    },
    defaultPool: "app",
  });
  let nginx: NginxPeer | undefined;
  try {
    nginx = await startNginx(uwsgiLocation(`127.0.0.1:${port}`));
    await body(nginx.port, router);
  } finally {
    await nginx?.stop();
    await stopRouter(router);
  }
}

describe("nginx -> router -> uWSGI: the distribution follows the algorithm", () => {
  it("weighted round robin 1:2:3 over 600 requests gives exactly 100:200:300", async () => {
    await withRouter("round-robin", [1, 2, 3], async (port, router) => {
      const nodes = await load(port, 600, 6);
      expect(tally(nodes)).toEqual({ a: 100, b: 200, c: 300 });
      const stats = router.stats().pools[0]!;
      expect(stats.nodes.map((n) => n.requests)).toEqual([100, 200, 300]);
      // Counted once the router's socket took the last byte, which may be just after nginx has it.
      await until(() => router.stats().answered === 600);
    });
  });

  it("least connections ignores weights: 6 slow requests at once go 2:2:2", async () => {
    await withRouter("least-connections", [1, 2, 3], async (port) => {
      expect(tally(await load(port, 6, 6, "/slow/400"))).toEqual({ a: 2, b: 2, c: 2 });
    });
  });

  it("weighted least connections: 6 slow requests at once go 1:2:3", async () => {
    await withRouter("weighted-least-connections", [1, 2, 3], async (port) => {
      expect(tally(await load(port, 6, 6, "/slow/400"))).toEqual({ a: 1, b: 2, c: 3 });
    });
  });

  it("least connections keeps quick requests away from a node busy with a slow one", async () => {
    await withRouter("least-connections", [1, 1, 1], async (port, router) => {
      const slow = fetchVia(port, "/slow/1500");
      // The slow request holds its node before the quick ones start.
      await until(() => router.stats().inFlight === 1);
      const quick = await load(port, 30, 1);
      const busy = (await slow).node;
      expect(quick).not.toContain(busy);
      expect(Object.keys(tally(quick)).length).toBe(2);
    });
  });

  it("IP hash sends each client address to one node, and spreads addresses over all nodes", async () => {
    await withRouter("ip-hash", [1, 1, 1], async (port) => {
      const byClient = new Map<string, Set<string>>();
      for (let i = 2; i < 32; i++) {
        const from = `127.0.0.${i}`;
        const seen = new Set<string>();
        for (let k = 0; k < 3; k++) seen.add((await fetchVia(port, "/", { from })).node);
        byClient.set(from, seen);
      }
      for (const seen of byClient.values()) expect(seen.size).toBe(1);
      const used = new Set([...byClient.values()].map((s) => [...s][0]));
      expect(used.size).toBe(3);
    });
  });

  it("cookie stickiness: the router's cookie keeps a client on its node", async () => {
    await withRouter("cookie", [1, 1, 1], async (port) => {
      const first = await fetchVia(port, "/cookie");
      const cookies = first.headers["set-cookie"] as string[];
      // The app's own cookie, and the router's, added to the answer head.
      expect(cookies).toContain("app=1; Path=/");
      const ours = cookies.find((c) => c.startsWith("uwsgi_node="))!;
      expect(ours).toMatch(/^uwsgi_node=[0-9a-z]+; Path=\/; HttpOnly$/);
      const token = ours.slice("uwsgi_node=".length, ours.indexOf(";"));
      const again: string[] = [];
      for (let i = 0; i < 20; i++) {
        const a = await fetchVia(port, "/", { cookie: `other=1; uwsgi_node=${token}` });
        again.push(a.node);
        // A client that presents a valid cookie is not sent a new one.
        expect(a.headers["set-cookie"]).toBeUndefined();
      }
      expect(new Set(again)).toEqual(new Set([first.node]));
      // Without the cookie, the same pool rotates over every node.
      expect(new Set(await load(port, 6, 1)).size).toBe(3);
    });
  });
});
