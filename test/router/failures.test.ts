import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer as createNetServer, type Server, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/codec/packet.js";
import type { UwsgiRouterError } from "../../src/router/errors.js";
import type { NodeEvent } from "../../src/router/health.js";
import type { RouterOptions } from "../../src/router/options.js";
import type { UwsgiRouter } from "../../src/router/router.js";
import { createServer } from "../../src/server/server.js";
import { exchange, parseHttpAnswer } from "../interop/support/exchange.js";
import { freePort } from "../interop/support/ports.js";
import { type Backend, startBackend } from "./support/backends.js";
import { parseIdentity, startRouter, stopRouter } from "./support/router.js";

// Health, retries, fallbacks, time-outs and refusals, against a real uWSGI and sockets that fail
// on purpose.

const PACKET = Buffer.from(
  encodePacket({
    vars: [
      ["REQUEST_METHOD", "GET"],
      ["PATH_INFO", "/"],
      ["SERVER_PROTOCOL", "HTTP/1.1"],
      ["HTTP_HOST", "app.test"],
    ],
  }),
);

let live: Backend;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  // With the ping plugin, uWSGI answers modifier1 100: active health checks can use it.
  live = await startBackend("live", ["--plugin", "ping"]);
});
afterAll(() => live.stop());
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function router(options: RouterOptions) {
  const r = await startRouter(options);
  const errors: UwsgiRouterError[] = [];
  const events: (NodeEvent & { event: string })[] = [];
  r.router.on("requestError", (e: UwsgiRouterError) => errors.push(e));
  for (const event of ["nodeDown", "nodeUp", "nodeAdded", "nodeRemoved"]) {
    r.router.on(event, (e: NodeEvent) => events.push({ event, ...e }));
  }
  cleanups.push(() => stopRouter(r.router));
  return { ...r, errors, events };
}

/** Options with one pool, "app", of `nodes`, the default pool. */
function onApp(nodes: string[], options: Omit<RouterOptions, "pools" | "defaultPool"> = {}) {
  return { pools: { app: { nodes } }, defaultPool: "app", ...options };
}

/** A request for `path` (identity.py answers /slow/MS after MS ms). */
function packetTo(path: string): Buffer {
  return Buffer.from(
    encodePacket({
      vars: [
        ["PATH_INFO", path],
        ["HTTP_HOST", "x"],
      ],
    }),
  );
}

/** `n` client connections to `port`, open. */
function openSockets(port: number, n: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve) => {
          const s: Socket = new Socket().connect(port, "127.0.0.1", () => resolve(s));
          s.on("error", () => {});
        }),
    ),
  );
}

/** A TCP port on 127.0.0.1 where nothing listens (connects are refused). */
async function deadAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

async function get(
  port: number,
  parts: Buffer[] = [PACKET],
): Promise<{ status: number; node: string }> {
  const raw = (await exchange(port, parts)).answer;
  const { status } = parseHttpAnswer(raw);
  return { status, node: status === 200 ? parseIdentity(raw).node : "" };
}

/** Resolves once `ready()` holds (checked every 10 ms, at most 5 s). */
async function until(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !ready(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ready()).toBe(true);
}

function eventOf(r: UwsgiRouter, name: string): Promise<NodeEvent> {
  return new Promise((resolve) => r.once(name, resolve));
}

describe("passive health and retries", () => {
  it("retries a refused connect on another node, marks the node down for the grace, then up", async () => {
    const dead = await deadAddress();
    const {
      router: r,
      port,
      errors,
      events,
    } = await router(onApp([dead, live.address], { grace: 300 }));
    const up = eventOf(r, "nodeUp");
    expect(await get(port)).toEqual({ status: 200, node: "live" });
    expect(events).toEqual([{ event: "nodeDown", pool: "app", address: dead, reason: "connect" }]);
    const stats = r.stats().pools[0]!.nodes;
    expect(stats.map((n) => [n.state, n.downReason, n.requests, n.failures])).toEqual([
      ["down", "connect", 1, 1],
      ["up", undefined, 1, 0],
    ]);
    expect(await up).toEqual({ pool: "app", address: dead, reason: "grace" });
    expect(errors).toEqual([]);
  });

  it("gives up after the retries with RETRIES_EXHAUSTED and a 502, then says NO_NODE while all are down", async () => {
    const nodes = [await deadAddress(), await deadAddress(), await deadAddress()];
    const { router: r, port, errors } = await router(onApp(nodes, { retries: 1 }));
    expect((await get(port)).status).toBe(502);
    expect(errors.map((e) => [e.code, e.pool, e.bytesSent])).toEqual([
      ["RETRIES_EXHAUSTED", "app", 0],
    ]);
    expect(r.stats().pools[0]!.nodes.map((n) => n.requests)).toEqual([1, 1, 0]);
    // The third node was never tried (one retry): it is up, and takes the next request.
    expect((await get(port)).status).toBe(502);
    expect(errors[1]!.code).toBe("RETRIES_EXHAUSTED");
    expect((await get(port)).status).toBe(502);
    expect(errors[2]!.code).toBe("NO_NODE");
    expect(r.stats().failed).toEqual({ RETRIES_EXHAUSTED: 2, NO_NODE: 1 });
  });

  it("moves to the fallback pool when the pool's nodes cannot be reached", async () => {
    const { port, errors } = await router({
      pools: {
        app: { nodes: [await deadAddress()], fallback: "spare" },
        spare: { nodes: [live.address] },
      },
      defaultPool: "app",
    });
    expect(await get(port)).toEqual({ status: 200, node: "live" });
    // Now the only node is down: straight to the fallback.
    expect(await get(port)).toEqual({ status: 200, node: "live" });
    expect(errors).toEqual([]);
  });

  it("with grace 0 never marks a node down", async () => {
    const dead = await deadAddress();
    const { router: r, port, events } = await router(onApp([dead, live.address], { grace: 0 }));
    expect((await get(port)).node).toBe("live");
    expect(events).toEqual([]);
    expect(r.stats().pools[0]!.nodes[0]!.state).toBe("up");
  });
});

describe("active health (modifier1 100 pings)", () => {
  it("marks a node that does not answer pings down, and up once it does", async () => {
    const port2 = await freePort();
    const silent = `127.0.0.1:${port2}`;
    const { router: r, port } = await router({
      pools: {
        app: { nodes: [silent, live.address], healthCheck: { interval: 100, timeout: 500 } },
      },
      defaultPool: "app",
      grace: 0,
    });
    const down = await eventOf(r, "nodeDown");
    expect(down).toEqual({ pool: "app", address: silent, reason: "ping" });
    for (let i = 0; i < 3; i++) expect((await get(port)).node).toBe("live");
    // Our own uwsgi server answers pings: started on that port, the node comes back.
    const server = createServer((_req, res) => res.end("pong server\n"));
    const upEvent = eventOf(r, "nodeUp");
    await new Promise<void>((resolve) => server.listen(port2, "127.0.0.1", () => resolve()));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    expect(await upEvent).toEqual({ pool: "app", address: silent, reason: "ping" });
    expect(r.stats().pools[0]!.nodes.map((n) => n.state)).toEqual(["up", "up"]);
  });
});

describe("time-outs", () => {
  let stall: Server;
  let stallAddress: string;
  beforeAll(async () => {
    // Accepts, reads, never answers.
    stall = createNetServer((s) => s.resume());
    await new Promise<void>((r) => stall.listen(0, "127.0.0.1", () => r()));
    stallAddress = `127.0.0.1:${(stall.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => stall.close(() => r())));

  it("answers 504 when the backend stays silent past answerTimeout", async () => {
    const { port, errors, router: r } = await router(onApp([stallAddress], { answerTimeout: 200 }));
    const raw = (await exchange(port, [PACKET])).answer.toString("latin1");
    expect(raw).toBe(
      "HTTP/1.1 504 Gateway Timeout\r\nContent-Type: text/plain\r\nContent-Length: 20\r\n\r\n504 Gateway Timeout\n",
    );
    expect(errors.map((e) => [e.code, e.address, e.bytesSent])).toEqual([
      ["ANSWER_TIMEOUT", stallAddress, PACKET.length],
    ]);
    expect(r.stats().pools[0]!.nodes[0]!.inFlight).toBe(0);
  });

  it("gives up on a connect that hangs after connectTimeout, and retries elsewhere", async () => {
    // A listener with a full accept queue: the kernel drops further SYNs, so connects hang.
    const port2 = await freePort();
    const py = spawn(
      "python3",
      [
        "-c",
        `import socket,time\ns=socket.socket()\ns.bind(("127.0.0.1",${port2}))\ns.listen(0)\nprint("ready",flush=True)\ntime.sleep(30)`,
      ],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    cleanups.push(async () => void py.kill("SIGKILL"));
    await new Promise<void>((r) => py.stdout!.once("data", () => r()));
    // Fill the accept queue: connect until one connect does not complete.
    const fillers: Socket[] = [];
    cleanups.push(async () => {
      for (const f of fillers) f.destroy();
    });
    for (let i = 0; i < 8; i++) {
      const f = new Socket();
      f.on("error", () => {});
      fillers.push(f);
      const connected = await Promise.race([
        new Promise((r) => f.connect(port2, "127.0.0.1", () => r(true))),
        new Promise((r) => setTimeout(() => r(false), 300)),
      ]);
      if (!connected) break;
    }
    const hung = `127.0.0.1:${port2}`;
    const { port, errors, events } = await router(
      onApp([hung, live.address], { connectTimeout: 300 }),
    );
    expect(await get(port)).toEqual({ status: 200, node: "live" });
    expect(events).toEqual([{ event: "nodeDown", pool: "app", address: hung, reason: "connect" }]);
    expect(errors).toEqual([]);
  });

  it("answers 408 to a client that sends part of a packet and stops", async () => {
    const { router: r, port } = await router(onApp([live.address], { headersTimeout: 200 }));
    const clientErrors: Error[] = [];
    r.on("clientError", (e: Error) => clientErrors.push(e));
    const raw = (await exchange(port, [PACKET.subarray(0, 10)])).answer.toString("latin1");
    expect(raw.startsWith("HTTP/1.1 408 Request Timeout\r\n")).toBe(true);
    expect(clientErrors.map((e) => (e as UwsgiRouterError).code)).toEqual(["HEADER_TIMEOUT"]);
  });
});

describe("refusals", () => {
  it("answers 400 to bytes that are not a uwsgi packet", async () => {
    const { router: r, port } = await router(onApp([live.address]));
    const clientErrors: { code: string; offset: number }[] = [];
    r.on("clientError", (e: { code: string; offset: number }) => clientErrors.push(e));
    // datasize 5, then a var whose key length is 0.
    const raw = (await exchange(port, [Buffer.from([0, 5, 0, 0, 0, 0, 1, 0, 0x41])])).answer;
    expect(parseHttpAnswer(raw).status).toBe(400);
    expect(clientErrors.map((e) => [e.code, e.offset])).toEqual([["EMPTY_KEY", 4]]);
  });

  it("NO_KEY without a key or default pool, NO_POOL for an unknown pool, 500 for middleware that throws", async () => {
    const { port, errors } = await router({
      pools: { "app.test": { nodes: [live.address] } },
      middleware: [
        (req) => {
          if (req.vars.get("PATH_INFO") === "/throw") throw new Error("boom");
          if (req.vars.get("PATH_INFO") === "/reject")
            return Promise.reject(new Error("async boom"));
          if (req.vars.get("PATH_INFO") === "/nowhere") req.pool = "nowhere";
          return undefined;
        },
        async (req) => {
          await new Promise((r) => setTimeout(r, 5));
          if (req.vars.get("PATH_INFO") === "/late") req.respond(204);
        },
      ],
    });
    const send = (vars: [string, string][]) => get(port, [Buffer.from(encodePacket({ vars }))]);
    expect((await send([["PATH_INFO", "/"]])).status).toBe(502);
    expect(
      (
        await send([
          ["PATH_INFO", "/"],
          ["HTTP_HOST", "other.test"],
        ])
      ).status,
    ).toBe(502);
    expect(
      (
        await send([
          ["PATH_INFO", "/nowhere"],
          ["HTTP_HOST", "app.test"],
        ])
      ).status,
    ).toBe(502);
    expect(
      (
        await send([
          ["PATH_INFO", "/throw"],
          ["HTTP_HOST", "app.test"],
        ])
      ).status,
    ).toBe(500);
    expect(
      (
        await send([
          ["PATH_INFO", "/reject"],
          ["HTTP_HOST", "app.test"],
        ])
      ).status,
    ).toBe(500);
    expect(
      (
        await send([
          ["PATH_INFO", "/late"],
          ["HTTP_HOST", "app.test"],
        ])
      ).status,
    ).toBe(204);
    expect(
      (
        await send([
          ["PATH_INFO", "/"],
          ["HTTP_HOST", "app.test"],
        ])
      ).node,
    ).toBe("live");
    expect(errors.map((e) => e.code)).toEqual([
      "NO_KEY",
      "NO_POOL",
      "NO_POOL",
      "MIDDLEWARE_FAILED",
      "MIDDLEWARE_FAILED",
    ]);
    expect((errors[3] as Error).cause).toEqual(new Error("boom"));
  });

  it("counts a client that leaves before the answer as CLIENT_ABORTED and frees the node", async () => {
    const { router: r, port, errors } = await router(onApp([live.address]));
    const slow = packetTo("/slow/400");
    const aborted = new Promise<UwsgiRouterError>((resolve) => r.once("requestError", resolve));
    const client = new Socket();
    client.on("error", () => {});
    await new Promise<void>((resolve) => client.connect(port, "127.0.0.1", () => resolve()));
    client.write(slow);
    await until(() => r.stats().inFlight === 1);
    // A reset, not a FIN: a half-closed client may still be waiting for its answer.
    client.resetAndDestroy();
    expect((await aborted).code).toBe("CLIENT_ABORTED");
    expect(errors.length).toBe(1);
    expect(r.stats().inFlight).toBe(0);
    expect(r.stats().pools[0]!.nodes[0]!.inFlight).toBe(0);
  });
});

describe("pattern pools and key functions", () => {
  it("maps the key through %s to a unix socket, refusing keys that could leave the pattern", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-pattern-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const server = createServer((req, res) => res.end(`served ${req.vars.get("PATH_INFO")}\n`));
    await new Promise<void>((r) => server.listen(join(dir, "shop.sock"), () => r()));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const { port, errors } = await router({
      pools: { sites: { pattern: join(dir, "%s.sock") } },
      defaultPool: "sites",
      // The first path segment is the key.
      key: (req) => (req.vars.get("PATH_INFO") ?? "").split("/")[1],
      grace: 0,
    });
    const send = (path: string) =>
      exchange(port, [Buffer.from(encodePacket({ vars: [["PATH_INFO", path]] }))]);
    const ok = parseHttpAnswer((await send("/shop/cart")).answer);
    expect([ok.status, ok.body.toString()]).toEqual([200, "served /shop/cart\n"]);
    expect(parseHttpAnswer((await send("/..%2F..%2Fetc/x")).answer).status).toBe(502);
    expect(parseHttpAnswer((await send("/nosuch/x")).answer).status).toBe(502);
    expect(errors.map((e) => e.code)).toEqual(["NO_NODE", "RETRIES_EXHAUSTED"]);
  });
});

describe("close", () => {
  it("lets a request in flight finish, then closes", async () => {
    const r = await startRouter(onApp([live.address]));
    const slow = packetTo("/slow/300");
    const answer = exchange(r.port, [slow]);
    await until(() => r.router.stats().inFlight === 1);
    await stopRouter(r.router);
    expect(parseIdentity((await answer).answer).node).toBe("live");
  });

  it("cuts what is still running after closeTimeout", async () => {
    const r = await startRouter(onApp([live.address], { closeTimeout: 100 }));
    const errors: UwsgiRouterError[] = [];
    r.router.on("requestError", (e: UwsgiRouterError) => errors.push(e));
    const slow = packetTo("/slow/1500");
    const answer = exchange(r.port, [slow]);
    await until(() => r.router.stats().inFlight === 1);
    await stopRouter(r.router);
    expect(parseHttpAnswer((await answer).answer).status).toBe(502);
    expect(errors.map((e) => e.code)).toEqual(["SHUTDOWN"]);
  });

  it("cuts idle connections at once, whichever connections left before", async () => {
    const r = await startRouter(onApp([live.address], { closeTimeout: 60_000 }));
    const sockets = await openSockets(r.port, 8);
    for (const s of sockets) s.write(PACKET.subarray(0, 3));
    const gone = [5, 0, 3];
    for (const i of gone) sockets[i]!.destroy();
    // Answered after them: the router took every connection above before this one.
    expect(parseIdentity((await exchange(r.port, [PACKET])).answer).node).toBe("live");
    const closed = sockets
      .filter((_, i) => !gone.includes(i))
      .map((s) => new Promise((resolve) => s.once("close", resolve)));
    // Were one of them missing from the router's list, close() would wait for closeTimeout.
    await stopRouter(r.router);
    await Promise.all(closed);
  });
});

describe("resources", () => {
  it("makes no timer per connection, waiting for its packet or for its answer", async () => {
    // Timers that keep the process alive (unref'd ones are not listed).
    const timers = () => process.getActiveResourcesInfo().filter((n) => n === "Timeout").length;
    const r = await router(onApp([live.address]));
    const before = timers();
    const waiting = await openSockets(r.port, 8);
    for (const s of waiting) s.write(PACKET.subarray(0, 3));
    const slow = packetTo("/slow/300");
    // Not exchange(): its own time-out is a timer.
    const answers = [slow, slow].map(
      (bytes) =>
        new Promise<Buffer>((resolve, reject) => {
          const chunks: Buffer[] = [];
          const s: Socket = new Socket().connect(r.port, "127.0.0.1", () => s.write(bytes));
          s.on("data", (c: Buffer) => chunks.push(c));
          s.on("close", () => resolve(Buffer.concat(chunks)));
          s.on("error", reject);
        }),
    );
    await until(() => r.router.stats().inFlight === 2);
    // Answered after them: the router took every connection above before this one.
    expect(parseIdentity((await exchange(r.port, [PACKET])).answer).node).toBe("live");
    expect(timers() - before).toBe(0);
    for (const s of waiting) s.destroy();
    for (const a of answers) expect(parseIdentity(await a).node).toBe("live");
  });

  it("leaves no socket or timer behind once closed, after retries, time-outs, pings and subscriptions", async () => {
    const count = () =>
      process.getActiveResourcesInfo().filter((r) => r !== "CloseReq" && r !== "FSReqCallback")
        .length;
    // Whatever other tests of this file left winding down goes first.
    let before = count();
    for (let i = 0; i < 20; i++) {
      await new Promise((res) => setTimeout(res, 10));
      before = Math.min(before, count());
    }
    const stall = createNetServer((s) => s.resume());
    await new Promise<void>((r) => stall.listen(0, "127.0.0.1", () => r()));
    const stallAddress = `127.0.0.1:${(stall.address() as { port: number }).port}`;
    const r = await startRouter({
      pools: {
        app: { nodes: [await deadAddress(), live.address], healthCheck: { interval: 50 } },
        stall: { nodes: [stallAddress] },
      },
      defaultPool: "app",
      answerTimeout: 100,
      subscriptions: { listen: `127.0.0.1:${await freePort()}`, tolerance: 1000 },
      middleware: [
        (req) => {
          if (req.vars.get("PATH_INFO") === "/stall") req.pool = "stall";
        },
      ],
    });
    for (let i = 0; i < 3; i++) expect((await get(r.port)).status).toBe(200);
    const stalled = packetTo("/stall");
    expect((await get(r.port, [stalled])).status).toBe(504);
    await exchange(r.port, [PACKET.subarray(0, 3)], 50).catch(() => undefined);
    await stopRouter(r.router);
    await new Promise<void>((res) => stall.close(() => res()));
    // Sockets and timers wind down within a few turns of the event loop.
    for (let i = 0; i < 100 && count() > before; i++)
      await new Promise((res) => setTimeout(res, 10));
    expect(count()).toBe(before);
  });
});
