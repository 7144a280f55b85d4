// `load` against real servers for a few seconds: one uWSGI serving the same app on its uwsgi,
// FastCGI, SCGI and HTTP sockets counts exactly the requests load says it completed (uWSGI's
// stats server), and php-fpm logs exactly as many FastCGI requests as load completed.
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad, type Scheme } from "../../src/load/index.js";
import { SERVER_ECHO } from "../interop/support/php-fpm.js";
import { freePort } from "../interop/support/ports.js";
import { awaitListening, requireBinary, startDaemon } from "../interop/support/process.js";
import { startUwsgi, type UwsgiPeer } from "../interop/support/uwsgi.js";
import { cli } from "../tools/support/cli.js";

let uwsgi: UwsgiPeer | undefined;
const ports: Record<Scheme, number> = { uwsgi: 0, fastcgi: 0, scgi: 0, http: 0 };
let stats = 0;

beforeAll(async () => {
  ports.fastcgi = await freePort();
  ports.scgi = await freePort();
  ports.http = await freePort();
  stats = await freePort();
  uwsgi = await startUwsgi({
    extraArgs: [
      "--fastcgi-socket",
      `127.0.0.1:${ports.fastcgi}`,
      "--scgi-socket",
      `127.0.0.1:${ports.scgi}`,
      "--http-socket",
      `127.0.0.1:${ports.http}`,
      "--stats",
      `127.0.0.1:${stats}`,
      "--disable-logging",
    ],
  });
  ports.uwsgi = uwsgi.port;
});
afterAll(async () => {
  await uwsgi?.stop();
});

/** Requests uWSGI's workers have served (its stats server's JSON, summed over workers). */
function served(): Promise<number> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const s = connect({ host: "127.0.0.1", port: stats });
    s.on("data", (c: Buffer) => parts.push(c));
    s.on("error", reject);
    s.on("close", () => {
      const json = JSON.parse(Buffer.concat(parts).toString("utf8")) as {
        workers: { requests: number }[];
      };
      resolve(json.workers.reduce((n, w) => n + w.requests, 0));
    });
  });
}

describe("load against one uWSGI on four sockets", () => {
  for (const scheme of ["uwsgi", "fastcgi", "scgi", "http"] as const) {
    it(`${scheme}: load's completed requests equal uWSGI's count of requests served`, async () => {
      const before = await served();
      const r = await runLoad({
        url: `${scheme}://127.0.0.1:${ports[scheme]}/count`,
        duration: 1500,
        connections: 4,
      });
      const after = await served();
      expect(r.requests.failed).toBe(0);
      expect(r.requests.completed).toBeGreaterThan(50);
      expect(after - before).toBe(r.requests.completed);
      expect(r.statuses).toEqual({ "200": r.requests.completed });
    });
  }

  it("the CLI: --json per the schema, --fail-if sets the exit code, --plot writes an SVG", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-load-"));
    try {
      const url = `uwsgi://127.0.0.1:${ports.uwsgi}/`;
      const run = await cli([
        "load",
        url,
        "-n",
        "100",
        "-c",
        "2",
        "--json",
        "--fail-if",
        "errors>0",
      ]);
      expect(run.code).toBe(0);
      const result = JSON.parse(run.stdout.toString()) as Record<string, unknown> & {
        requests: { completed: number };
        thresholds: { expression: string; failed: boolean }[];
      };
      expect(result["schema"]).toBe("uwsgi-codec/load-result@1");
      expect(result.requests.completed).toBe(100);
      expect(result.thresholds).toEqual([{ expression: "errors>0", actual: 0, failed: false }]);
      const failing = await cli(["load", url, "-n", "20", "--fail-if", "completed<1000", "-q"]);
      expect(failing.code).toBe(1);
      expect(failing.stdout.toString()).toContain(
        "FAIL        --fail-if completed<1000 (actual 20.0)",
      );
      const plot = join(dir, "latency.svg");
      const runs = join(dir, "runs.json");
      await writeFile(runs, run.stdout);
      const drawn = await cli([
        "load",
        `scgi://127.0.0.1:${ports.scgi}/`,
        "-n",
        "50",
        "--plot",
        plot,
        "--from",
        runs,
      ]);
      expect(drawn.code).toBe(0);
      const svg = readFileSync(plot, "utf8");
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg).toContain(url);
      expect(svg).toContain(`scgi://127.0.0.1:${ports.scgi}/`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("load against php-fpm", () => {
  it("fastcgi: load's completed requests equal php-fpm's access log lines", async () => {
    requireBinary("php-fpm8.2", "php8.2-fpm");
    const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-fpm-load-"));
    const port = await freePort();
    const access = join(dir, "access.log");
    const root = process.getuid?.() === 0;
    const conf = `
[global]
error_log = ${join(dir, "fpm.log")}
daemonize = no
pid = ${join(dir, "fpm.pid")}

[load]
${root ? "user = root\ngroup = root" : ""}
listen = 127.0.0.1:${port}
pm = static
pm.max_children = 2
access.log = ${access}
access.format = "%m %r %s"
`;
    await writeFile(join(dir, "fpm.conf"), conf);
    const daemon = startDaemon(
      "php-fpm8.2",
      [...(root ? ["-R"] : []), "-F", "-y", join(dir, "fpm.conf"), "-p", dir],
      dir,
    );
    const stop = await awaitListening("php-fpm", daemon, port, dir);
    try {
      const r = await runLoad({
        url: `fastcgi://127.0.0.1:${port}/echo`,
        vars: { SCRIPT_FILENAME: SERVER_ECHO },
        duration: 1500,
        connections: 2,
        keepConn: true,
      });
      expect(r.requests.failed).toBe(0);
      expect(r.requests.completed).toBeGreaterThan(20);
      // php-fpm writes the access line once the request is over: wait for the last ones.
      let lines = 0;
      for (let i = 0; i < 50 && lines < r.requests.completed; i++) {
        lines = readFileSync(access, "utf8")
          .split("\n")
          .filter((l) => l.startsWith("GET ")).length;
        if (lines < r.requests.completed) await new Promise((res) => setTimeout(res, 20));
      }
      expect(lines).toBe(r.requests.completed);
    } finally {
      await stop();
    }
  });
});
