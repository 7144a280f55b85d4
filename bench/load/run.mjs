// Load benchmark (not a test): nginx (1 worker) in front of the same trivial Node handler served
// three ways, driven by the same wrk:
//   uwsgi    nginx uwsgi_pass   -> this package's createServer (dist/node.js)
//   fastcgi  nginx fastcgi_pass -> node-fastcgi
//   http     nginx proxy_pass   -> node:http (HTTP/1.0, a connection per request, nginx's default)
//   http-ka  nginx proxy_pass   -> node:http with upstream keepalive (HTTP/1.1, reused connections)
//   static   nginx `return 200` -> no backend: nginx's own ceiling on this machine
// Each backend runs in its own child process (bench/load/backend.mjs); nginx has one worker.
// Rows are measured in interleaved rounds (uwsgi, fastcgi, ..., then again), so a slow spell of
// the machine does not land on one row only; each row gets a warm-up first. Reported: requests/s
// (mean of the rounds, with min-max), p50 and p99 latency (median of the rounds' wrk figures).
// With --pin (the default when there are 2+ cores) wrk runs on the last core and nginx and the
// backends on the others, so the load generator does not steal the server side's CPU.
// For the Node backends it also reports major (mark-compact) GCs per 10k requests and CPU time
// per request over the measured rounds: the backend's as it counts it (bench/load/backend.mjs)
// and nginx's from /proc (bench/load/group-cpu.mjs). When both rows ran, uwsgi's rate over
// node:http's (the `http` row), overall and round by round, and the same ratio read from the
// server side's CPU per request (backend + nginx), which is what the rate ratio would be with the
// server side alone on its core, and moves far less than rates when other work shares it.
// --profile DIR starts the Node backends with `--cpu-prof --cpu-prof-dir DIR` (one .cpuprofile
// each, written when they stop).
//
//   npm run build && node bench/load/run.mjs [--duration 8] [--rounds 2] [--connections 32]
//       [--threads 1] [--warmup 2] [--only uwsgi,http] [--transport unix|tcp] [--no-pin] [--json]
//       [--profile DIR]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { get } from "node:http";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nginxArgs, writeNginxConf } from "../../scripts/lib/nginx-conf.mjs";
import { freePort } from "../../scripts/lib/ports.mjs";
import { groupCpuMicros } from "./group-cpu.mjs";
import { ROUTER_ROWS, routerCost, startRouterRows } from "./router.mjs";
import { parseWrk, runWrk } from "./wrk.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const ROWS = ["uwsgi", "fastcgi", "http", "http-ka", "static", ...ROUTER_ROWS];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const cores = cpus().length;
const config = {
  seconds: Number(option("duration", "8")),
  rounds: Number(option("rounds", "2")),
  warmup: Number(option("warmup", "2")),
  connections: Number(option("connections", "32")),
  threads: Number(option("threads", "1")),
  rows: option("only", ROWS.join(",")).split(","),
  pin: cores >= 2 && !process.argv.includes("--no-pin"),
  json: process.argv.includes("--json"),
  // Unix sockets by default: over loopback TCP, an upstream connection per request at these rates
  // leaves tens of thousands of sockets in TIME_WAIT (38k seen after one run) and the throughput of
  // the rows without keep-alive then swung by 2x between rounds.
  transport: option("transport", "unix"),
  profile: option("profile", undefined),
};
// The rows served by bench/load/backend.mjs, whose GCs are counted.
const NODE_ROWS = { uwsgi: "uwsgi", fastcgi: "fastcgi", http: "http", "http-ka": "http" };
// Server side on cores 0..n-2, wrk on core n-1.
const serverCpus = `0-${Math.max(0, cores - 2)}`;
const wrkCpus = String(cores - 1);
for (const row of config.rows) {
  if (!ROWS.includes(row)) throw new Error(`unknown row ${row}; rows: ${ROWS.join(", ")}`);
}

function need(binary, hint) {
  if (spawnSync("sh", ["-c", `command -v ${binary}`]).status !== 0) {
    console.error(`${binary} is not installed: ${hint}`);
    process.exit(1);
  }
}
need("wrk", "apt-get install -y wrk");
need("nginx", "apt-get install -y nginx-light");
if (!existsSync(join(root, "dist", "node.js"))) {
  console.error("dist/node.js is missing: run `npm run build` first");
  process.exit(1);
}

/** Starts a process in its own group; `ready` resolves when its stdout says "ready" (or at once). */
function startProcess(cmd, args, { waitReady = false, cwd = root, ipc = false } = {}) {
  if (config.pin) {
    args = ["-c", serverCpus, cmd, ...args];
    cmd = "taskset";
  }
  const stdio = ["ignore", "pipe", "pipe"];
  if (ipc) stdio.push("ipc");
  const child = spawn(cmd, args, { cwd, detached: true, stdio });
  let output = "";
  const exited = new Promise((r) => child.once("exit", r));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${cmd} ${args.join(" ")} not ready:\n${output}`)),
      10_000,
    );
    child.stdout.on("data", (c) => {
      output += c;
      if (waitReady && output.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr.on("data", (c) => (output += c));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited (${code}):\n${output}`));
    });
    if (!waitReady) {
      clearTimeout(timer);
      resolve();
    }
  });
  ready.catch(() => {});
  return {
    ready,
    pid: child.pid,
    output: () => output,
    /** The backend's counters (bench/load/backend.mjs): requests, majorGcs, minorGcs, cpuMicros. */
    stats() {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${cmd}: no stats`)), 5000);
        child.once("message", (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        child.send("stats");
      });
    },
    async stop() {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function fetchOnce(port, path) {
  return new Promise((resolve, reject) => {
    const req = get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () =>
        resolve({ status: res.statusCode, type: res.headers["content-type"], body }),
      );
    });
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on("error", reject);
  });
}

async function waitForNginx(port) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await fetchOnce(port, "/static");
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

const procs = [];
let dir;
async function main() {
  if (config.transport !== "unix" && config.transport !== "tcp") {
    throw new Error(`--transport is unix or tcp, not ${config.transport}`);
  }
  dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-load-"));
  const at = {};
  for (const kind of ["uwsgi", "fastcgi", "http"]) {
    at[kind] = config.transport === "unix" ? join(dir, `${kind}.sock`) : String(await freePort());
  }
  // How nginx names each upstream.
  const up = (kind) => (config.transport === "unix" ? `unix:${at[kind]}` : `127.0.0.1:${at[kind]}`);
  const backends = {};
  const profileArgs =
    config.profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${config.profile}`];
  for (const kind of ["uwsgi", "fastcgi", "http"]) {
    const p = startProcess(
      process.execPath,
      [...profileArgs, join(here, "backend.mjs"), kind, at[kind]],
      { waitReady: true, ipc: true },
    );
    procs.push(p);
    backends[kind] = p;
    await p.ready;
  }
  // The router rows (bench/load/router.mjs): uWSGI direct, through our router, through FastRouter.
  let routerLocations = "";
  let routerRows;
  if (config.rows.some((row) => ROUTER_ROWS.includes(row))) {
    need("uwsgi", "apt-get install -y uwsgi-core uwsgi-plugin-python3");
    const ctx = { dir, here, transport: config.transport, freePort, startProcess, procs };
    routerRows = await startRouterRows(ctx);
    routerLocations = routerRows.locations;
  }
  const port = await freePort();
  writeNginxConf(dir, {
    logLevel: "warn",
    workerConnections: 4096,
    http: `  upstream node_http_ka { server ${up("http")}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location = /uwsgi { include /etc/nginx/uwsgi_params; uwsgi_pass ${up("uwsgi")}; }
    location = /fastcgi { include /etc/nginx/fastcgi_params; fastcgi_pass ${up("fastcgi")}; }
    location = /http { proxy_pass http://${config.transport === "unix" ? `unix:${at.http}:` : up("http")}; }
    location = /http-ka {
      proxy_pass http://node_http_ka;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
    location = /static { default_type text/plain; return 200 "hello world"; }
${routerLocations}
  }`,
  });
  const nginx = startProcess("nginx", nginxArgs(dir), {
    cwd: dir,
  });
  procs.push(nginx);
  routerRows?.watch("nginx", nginx.pid);
  await waitForNginx(port);

  for (const row of config.rows) {
    // Every row must answer the same thing before it is measured.
    const check = await fetchOnce(port, `/${row}`);
    if (check.status !== 200 || check.body !== "hello world" || check.type !== "text/plain") {
      throw new Error(
        `/${row} answered ${check.status} ${check.type} ${JSON.stringify(check.body)}`,
      );
    }
  }
  const wrkOptions = {
    threads: config.threads,
    connections: config.connections,
    cpus: config.pin ? wrkCpus : undefined,
  };
  const url = (row) => `http://127.0.0.1:${port}/${row}`;
  if (config.warmup > 0) {
    for (const row of config.rows)
      await runWrk(url(row), { ...wrkOptions, seconds: config.warmup });
  }
  const runs = new Map(config.rows.map((row) => [row, []]));
  // Each Node backend's counters summed over the measured runs of its rows.
  const gcs = new Map(config.rows.filter((row) => row in NODE_ROWS).map((row) => [row, null]));
  const addStats = (row, before, after) => {
    const sum = gcs.get(row) ?? { requests: 0, majorGcs: 0, minorGcs: 0, cpuMicros: 0 };
    for (const key of Object.keys(sum)) sum[key] += after[key] - before[key];
    gcs.set(row, sum);
  };
  // nginx's CPU during the measured runs of the Node rows, over the requests wrk counted.
  const nginxCpu = new Map();
  for (let round = 0; round < config.rounds; round++) {
    for (const row of config.rows) {
      const backend = backends[NODE_ROWS[row]];
      const before = gcs.has(row) ? await backend.stats() : null;
      const nginxBefore = gcs.has(row) ? groupCpuMicros(nginx.pid) : 0;
      const cpuBefore = routerRows?.sample();
      const r = parseWrk(await runWrk(url(row), { ...wrkOptions, seconds: config.seconds }));
      if (cpuBefore !== undefined) routerRows.record(row, cpuBefore, r.requests);
      if (before !== null) {
        addStats(row, before, await backend.stats());
        const sum = nginxCpu.get(row) ?? { micros: 0, requests: 0 };
        sum.micros += groupCpuMicros(nginx.pid) - nginxBefore;
        sum.requests += r.requests;
        nginxCpu.set(row, sum);
      }
      runs.get(row).push(r);
      if (!config.json) {
        process.stderr.write(`round ${round + 1} ${row}: ${r.requestsPerSec.toFixed(0)} req/s\n`);
      }
    }
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  const results = config.rows.map((row) => {
    const rs = runs.get(row);
    const rps = rs.map((r) => r.requestsPerSec);
    return {
      row,
      requestsPerSec: rps.reduce((a, b) => a + b, 0) / rps.length,
      requestsPerSecMin: Math.min(...rps),
      requestsPerSecMax: Math.max(...rps),
      p50Ms: median(rs.map((r) => r.p50Ms)),
      p99Ms: median(rs.map((r) => r.p99Ms)),
      requests: rs.reduce((a, r) => a + r.requests, 0),
      errors: rs.reduce((a, r) => a + r.errors, 0),
      ...gcFigures(gcs.get(row)),
      ...nginxFigures(nginxCpu.get(row)),
      ...routerRows?.figures(row),
      rounds: rs,
    };
  });
  // uwsgi over node:http, round by round.
  let versusHttp;
  if (runs.has("uwsgi") && runs.has("http")) {
    const per = runs
      .get("uwsgi")
      .map((r, i) => r.requestsPerSec / runs.get("http")[i].requestsPerSec);
    const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const u = results.find((r) => r.row === "uwsgi");
    const h = results.find((r) => r.row === "http");
    versusHttp = {
      median: median(per),
      // Server-side CPU per request (nginx + backend), node:http's over ours: the rate ratio when
      // the server side's core is the bottleneck, read from CPU time, which moves far less than
      // the rate when other work shares the machine.
      cpuRatio:
        (h.nginxCpuMicrosPerRequest + h.cpuMicrosPerRequest) /
        (u.nginxCpuMicrosPerRequest + u.cpuMicrosPerRequest),
      ratio:
        mean(runs.get("uwsgi").map((r) => r.requestsPerSec)) /
        mean(runs.get("http").map((r) => r.requestsPerSec)),
      min: Math.min(...per),
      max: Math.max(...per),
      rounds: per,
    };
  }
  const errorLog = readFileSync(join(dir, "logs", "error.log"), "utf8").trim();

  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    node: process.version,
    nginx: spawnSync("nginx", ["-v"], { encoding: "utf8" })
      .stderr.trim()
      .replace("nginx version: ", ""),
    wrk: `-t${config.threads} -c${config.connections} -d${config.seconds}s --latency, ${config.rounds} rounds, warm-up ${config.warmup}s`,
    pinned: config.pin ? `wrk on core ${wrkCpus}; nginx and backends on ${serverCpus}` : "no",
    upstreams: config.transport === "unix" ? "unix sockets" : "TCP on 127.0.0.1",
  };
  if (config.json) {
    console.log(
      JSON.stringify(
        { machine, results, versusHttp, routerCost: routerCost(results), nginxErrorLog: errorLog },
        null,
        2,
      ),
    );
    return;
  }
  const base = results.find((r) => r.row === "uwsgi");
  const header =
    "| backend | req/s (min-max) | p50 ms | p99 ms | errors | req/s vs uwsgi | major GCs / 10k req | CPU us / req: backend + nginx |";
  console.log(`\n${header}\n|---|---:|---:|---:|---:|---:|---:|---:|`);
  for (const r of results) {
    const ratio =
      base === undefined ? "" : `${(r.requestsPerSec / base.requestsPerSec).toFixed(2)}x`;
    const spread = `${r.requestsPerSecMin.toFixed(0)}-${r.requestsPerSecMax.toFixed(0)}`;
    const gc = r.majorGcsPer10k === undefined ? "" : r.majorGcsPer10k.toFixed(2);
    const cpu =
      r.cpuMicrosPerRequest === undefined
        ? ""
        : `${r.cpuMicrosPerRequest.toFixed(1)} + ${r.nginxCpuMicrosPerRequest.toFixed(1)}`;
    console.log(
      `| ${r.row} | ${r.requestsPerSec.toFixed(0)} (${spread}) | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.errors} | ${ratio} | ${gc} | ${cpu} |`,
    );
  }
  if (versusHttp !== undefined) {
    const rounds = versusHttp.rounds.map((x) => `${x.toFixed(2)}x`).join(", ");
    console.log(
      `\nuwsgi vs http (node:http, a connection per request): ${versusHttp.ratio.toFixed(2)}x req/s; by round ${rounds} (median ${versusHttp.median.toFixed(2)}x, min ${versusHttp.min.toFixed(2)}x, max ${versusHttp.max.toFixed(2)}x); from server-side CPU per request (backend + nginx): ${versusHttp.cpuRatio.toFixed(2)}x`,
    );
  }
  for (const line of routerCost(results)) console.log(line);
  console.log(
    `\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, nginx ${machine.nginx}, wrk ${machine.wrk}, pinned: ${machine.pinned}, upstreams: ${machine.upstreams}`,
  );
  if (errorLog !== "")
    console.log(`\nnginx error log:\n${errorLog.split("\n").slice(-10).join("\n")}`);
}

/** nginx's CPU per request over a row's measured runs. */
function nginxFigures(sum) {
  if (sum == null || sum.requests === 0) return {};
  return { nginxCpuMicrosPerRequest: sum.micros / sum.requests };
}

/** Major GCs per 10k requests and CPU per request (and the counts) from a backend's counters. */
function gcFigures(sum) {
  if (sum == null || sum.requests === 0) return {};
  return {
    backendRequests: sum.requests,
    majorGcs: sum.majorGcs,
    minorGcs: sum.minorGcs,
    majorGcsPer10k: (sum.majorGcs * 10_000) / sum.requests,
    cpuMicrosPerRequest: sum.cpuMicros / sum.requests,
  };
}

try {
  await main();
} finally {
  for (const p of procs.reverse()) await p.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}
