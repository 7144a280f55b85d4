// Worker threads run from the built package (a worker loads dist/load/worker.js; Node 20 cannot
// start one on a .ts file): two threads share the connections and their histograms add up, and
// the ceiling is measured with the generator in a worker and the trivial server on the main thread.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { startTrivialServer } from "../../src/load/index.js";
import { ensureDist, ROOT } from "../support/dist.js";
import { FIXED, wireBytes } from "./support.js";

beforeAll(() => ensureDist(), 120_000);

const run = promisify(execFile);

/**
 * Runs `code` (an ES module body with `load` = dist/load/index.js) in a child Node, without
 * blocking this process (whose trivial servers must keep answering).
 */
async function child(code: string): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-threads-"));
  try {
    const script = join(dir, "run.mjs");
    const entry = pathToFileURL(join(ROOT, "dist/load/index.js")).href;
    writeFileSync(script, `const load = await import(${JSON.stringify(entry)});\n${code}`);
    const { stdout } = await run(process.execPath, [script], { encoding: "utf8", timeout: 30_000 });
    return JSON.parse(stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("worker threads", () => {
  it("two threads: every request counted once, histograms merged", async () => {
    const server = await startTrivialServer("uwsgi", wireBytes("uwsgi"));
    try {
      const r = (await child(`
        const r = await load.runLoad({
          url: "uwsgi://127.0.0.1:${server.port}/", requests: 400, connections: 5, threads: 2,
          headers: ${JSON.stringify(FIXED.headers)}, vars: ${JSON.stringify(FIXED.vars)},
        });
        process.stdout.write(JSON.stringify(r));`)) as {
        options: { threads: number; connections: number };
        requests: { completed: number; failed: number };
        histogram: string;
      };
      expect(r.options).toMatchObject({ threads: 2, connections: 5 });
      expect(r.requests).toMatchObject({ completed: 400, failed: 0 });
      expect(server.answered()).toBe(400);
    } finally {
      await server.close();
    }
  });

  it("a constant rate split over threads keeps the total rate", async () => {
    const server = await startTrivialServer("http", wireBytes("http"));
    try {
      const r = (await child(`
        const r = await load.runLoad({
          url: "http://127.0.0.1:${server.port}/", rate: 200, duration: 1000, connections: 4, threads: 2,
          headers: ${JSON.stringify(FIXED.headers)},
        });
        process.stdout.write(JSON.stringify(r));`)) as {
        requests: { completed: number };
        uncorrectedHistogram: string | null;
      };
      // 200 req/s for 1 s: 200 requests were due (each thread sends its share of the rate).
      expect(r.requests.completed).toBe(200);
      expect(r.uncorrectedHistogram).not.toBeNull();
    } finally {
      await server.close();
    }
  });

  it("measureCeiling: the generator against a trivial server in the same process", async () => {
    const r = (await child(`
      const r = await load.measureCeiling("scgi", { duration: 500, connections: 4 });
      process.stdout.write(JSON.stringify(r));`)) as {
      label: string;
      requests: { completed: number; failed: number };
    };
    expect(r.label).toBe("scgi ceiling");
    expect(r.requests.failed).toBe(0);
    expect(r.requests.completed).toBeGreaterThan(100);
  });

  it("the CLI's --ceiling prints one result per scheme asked for", async () => {
    const { stdout } = await run(
      process.execPath,
      [
        join(ROOT, "dist/cli/main.js"),
        "load",
        "--ceiling",
        "uwsgi",
        "http",
        "-d",
        "300ms",
        "-c",
        "2",
        "--json",
      ],
      { encoding: "utf8", timeout: 30_000 },
    );
    const results = stdout
      .trim()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            label: string;
            requests: { failed: number };
            generator: { busy: number };
          },
      );
    expect(results.map((r) => [r.label, r.requests.failed])).toEqual([
      ["uwsgi ceiling", 0],
      ["http ceiling", 0],
    ]);
    for (const r of results) expect(r.generator.busy).toBeGreaterThan(0);
  });
});
