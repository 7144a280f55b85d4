// The load generator against in-process servers: every scheme counts exactly what the server
// answered; wrk2's correction shows a stall that the uncorrected histogram hides; closed-loop and
// count runs end by themselves; failures are counted by kind.
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { describe, expect, it } from "vitest";
import { mergeLoadResults, runLoad, SCHEMES, startTrivialServer } from "../../src/load/index.js";
import { countAbove, FIXED, wireBytes } from "./support.js";

describe("load against a trivial server", () => {
  for (const scheme of SCHEMES) {
    it(`${scheme}: completed requests equal the requests the server answered`, async () => {
      const server = await startTrivialServer(scheme, wireBytes(scheme));
      try {
        const r = await runLoad({
          url: `${scheme}://127.0.0.1:${server.port}/`,
          requests: 300,
          connections: 6,
          ...FIXED,
        });
        expect(r.requests).toEqual({ sent: 300, completed: 300, failed: 0, non2xx: 0 });
        expect(server.answered()).toBe(300);
        expect(r.statuses).toEqual({ "200": 300 });
        expect(r.scheme).toBe(scheme);
        expect(r.uncorrectedLatencyMs).toBeNull();
      } finally {
        await server.close();
      }
    });
  }

  it("a body goes with every request, framed by each protocol", async () => {
    const body = new Uint8Array(5000).fill(7);
    for (const scheme of SCHEMES) {
      const server = await startTrivialServer(scheme, wireBytes(scheme, body));
      try {
        const r = await runLoad({
          url: `${scheme}://127.0.0.1:${server.port}/`,
          requests: 20,
          connections: 2,
          body,
          ...FIXED,
        });
        expect([scheme, r.requests.completed, server.answered()]).toEqual([scheme, 20, 20]);
        expect(r.request.method).toBe("POST");
      } finally {
        await server.close();
      }
    }
  });
});

describe("coordinated omission", () => {
  it("a 1 s stall at 100 req/s: the corrected histogram has ~100 delayed requests, the uncorrected one ~1 per connection", async () => {
    const server = await startTrivialServer("http", wireBytes("http"));
    try {
      const stall = setTimeout(() => server.stall(1000), 1000);
      const r = await runLoad({
        url: `http://127.0.0.1:${server.port}/`,
        rate: 100,
        connections: 10,
        duration: 3000,
        ...FIXED,
      });
      clearTimeout(stall);
      expect(r.requests.failed).toBe(0);
      expect(r.requests.completed).toBe(server.answered());
      // 300 requests due in 3 s; those due during the second second waited for its end.
      expect(r.requests.completed).toBeGreaterThanOrEqual(295);
      // Slower than 100 ms: the requests due in the stall's first 900 ms (about 90), and not the
      // rest (a busy machine's own hiccups rarely reach 100 ms).
      const delayed = countAbove(r.histogram, 100);
      const seen = countAbove(r.uncorrectedHistogram!, 100);
      expect(delayed).toBeGreaterThanOrEqual(75);
      expect(delayed).toBeLessThanOrEqual(110);
      // Only the request each connection had in flight saw the stall; the backlog went fast.
      expect(seen).toBeLessThanOrEqual(20);
      expect(r.latencyMs.max).toBeGreaterThan(900);
    } finally {
      await server.close();
    }
  }, 20_000);
});

describe("the schedule", () => {
  it("no request goes before it is due: corrected latencies are never below the uncorrected ones", async () => {
    const server = await startTrivialServer("uwsgi", wireBytes("uwsgi"));
    try {
      const r = await runLoad({
        url: `uwsgi://127.0.0.1:${server.port}/`,
        rate: 700,
        connections: 4,
        duration: 1000,
        ...FIXED,
      });
      expect(r.requests.completed).toBe(700);
      expect(r.latencyMs.min).toBeGreaterThanOrEqual(r.uncorrectedLatencyMs!.min);
      expect(r.latencyMs.p50).toBeGreaterThanOrEqual(r.uncorrectedLatencyMs!.p50);
    } finally {
      await server.close();
    }
  });
});

describe("failures by kind", () => {
  it("nothing listening: every request is a connect error, and the run ends", async () => {
    const probe = createNetServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await runLoad({ url: `uwsgi://127.0.0.1:${port}/`, requests: 50, connections: 5 });
    expect(r.requests).toEqual({ sent: 50, completed: 0, failed: 50, non2xx: 0 });
    expect(r.errors.connect).toBe(50);
  });

  it("a server that closes without answering: closed; one that never answers: timeout", async () => {
    const closer = createNetServer((s) => s.on("data", () => s.end()));
    const silent = createNetServer(() => {});
    await new Promise<void>((r) => closer.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const a = await runLoad({
        url: `scgi://127.0.0.1:${(closer.address() as { port: number }).port}/`,
        requests: 10,
        connections: 2,
      });
      expect(a.errors.closed).toBe(10);
      const b = await runLoad({
        url: `uwsgi://127.0.0.1:${(silent.address() as { port: number }).port}/`,
        requests: 3,
        connections: 3,
        timeout: 200,
      });
      expect(b.errors.timeout).toBe(3);
    } finally {
      closer.close();
      silent.close();
    }
  });

  it("answers that are not HTTP are malformed; non-2xx statuses are counted apart", async () => {
    const junk = createNetServer((s) => s.on("data", () => s.end("GARBAGE\r\n\r\n")));
    const http = createServer((req, res) => {
      res.statusCode = req.url === "/missing" ? 404 : 200;
      res.end("x");
    });
    await new Promise<void>((r) => junk.listen(0, "127.0.0.1", r));
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    try {
      const a = await runLoad({
        url: `uwsgi://127.0.0.1:${(junk.address() as { port: number }).port}/`,
        requests: 4,
        connections: 1,
      });
      expect(a.errors.malformed).toBe(4);
      const b = await runLoad({
        url: `http://127.0.0.1:${(http.address() as { port: number }).port}/missing`,
        requests: 5,
        connections: 1,
      });
      expect(b.statuses).toEqual({ "404": 5 });
      expect(b.requests.non2xx).toBe(5);
    } finally {
      junk.close();
      http.close();
    }
  });
});

describe("connections", () => {
  it("http keeps connections alive unless keepAlive is false; runs merge into one", async () => {
    const http = createServer((_req, res) => res.end("x"));
    let connections = 0;
    http.on("connection", () => connections++);
    await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(http.address() as { port: number }).port}/`;
    try {
      const kept = await runLoad({ url, requests: 50, connections: 2 });
      expect(connections).toBe(2);
      connections = 0;
      const fresh = await runLoad({ url, requests: 50, connections: 2, keepAlive: false });
      expect(connections).toBe(50);
      const both = mergeLoadResults([kept, fresh], "both");
      expect([both.label, both.requests.completed, both.elapsedMs]).toEqual([
        "both",
        100,
        Math.round((kept.elapsedMs + fresh.elapsedMs) * 1000) / 1000,
      ]);
      expect(() => mergeLoadResults([], "none")).toThrow(RangeError);
    } finally {
      http.close();
    }
  });
});
