// `load http://` agrees with wrk and autocannon on the same server: a plain node:http server in
// its own process, each tool for 2 s with 8 connections, in two interleaved rounds; each tool's
// better round counts (the one a shared machine disturbed less). The margin is wide (requests/s
// within 0.5x-2x of the two tools' mean, p50 within 3x) because the machine is shared and the
// tools measure one after the other; a generator that counted wrongly (twice, or half) or timed
// wrongly (ms as µs) falls far outside it.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import autocannon from "autocannon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad } from "../../src/load/index.js";
import { requireBinary } from "../interop/support/process.js";

let server: ChildProcess | undefined;
let port = 0;

beforeAll(async () => {
  server = spawn(
    process.execPath,
    [
      "-e",
      `const s = require("node:http").createServer((q, r) => r.end("ok"));
       s.keepAliveTimeout = 60000;
       s.listen(0, "127.0.0.1", () => console.log(s.address().port));`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  port = await new Promise<number>((resolve, reject) => {
    server!.stdout!.once("data", (c: Buffer) => resolve(Number(c.toString().trim())));
    server!.once("exit", () => reject(new Error("the server exited")));
  });
});
afterAll(() => {
  server?.kill();
});

function wrk(url: string): { rps: number; p50: number } {
  requireBinary("wrk", "wrk");
  const out = spawnSync("wrk", ["-t1", "-c8", "-d2s", "--latency", url], {
    encoding: "utf8",
    timeout: 20_000,
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out.stdout)?.[1]);
  const m = /\n\s+50%\s+([\d.]+)(us|ms|s)/.exec(out.stdout);
  const p50 = m === null ? Number.NaN : Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2] as "ms"];
  return { rps, p50 };
}

describe("http:// results agree with wrk and autocannon", () => {
  it("requests/s and p50 within the stated margin", async () => {
    const url = `http://127.0.0.1:${port}/`;
    type Run = { rps: number; p50: number; failed: number };
    const best = (a: Run | undefined, b: Run) => (a === undefined || b.rps > a.rps ? b : a);
    let mine: Run | undefined;
    let theirs: Run | undefined;
    let cannon: Run | undefined;
    for (let round = 0; round < 2; round++) {
      const r = await runLoad({ url, connections: 8, duration: 2000 });
      mine = best(mine, {
        rps: r.throughput.requestsPerSecond,
        p50: r.latencyMs.p50,
        failed: r.requests.failed,
      });
      theirs = best(theirs, { ...wrk(url), failed: 0 });
      const ac = await autocannon({ url, connections: 8, duration: 2 });
      cannon = best(cannon, { rps: ac.requests.average, p50: ac.latency.p50, failed: ac.errors });
    }
    const ours = mine!;
    const others = { rps: (theirs!.rps + cannon!.rps) / 2, p50: (theirs!.p50 + cannon!.p50) / 2 };
    const ratio = ours.rps / others.rps;
    const info = JSON.stringify({ ours, wrk: theirs, autocannon: cannon });
    process.stderr.write(`agreement: ${info}\n`);
    expect(ours.failed, info).toBe(0);
    expect(ratio, info).toBeGreaterThan(0.5);
    expect(ratio, info).toBeLessThan(2);
    // autocannon reports whole milliseconds; allow for that at the low end.
    expect(ours.p50, info).toBeLessThan(Math.max(others.p50 * 3, 1.5));
    expect(ours.p50, info).toBeGreaterThan(others.p50 / 3 - 0.5);
  }, 30_000);
});
