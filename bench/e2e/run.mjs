// The end-to-end answer to "is uwsgi ten times faster than FastCGI?" (npm run bench:e2e): ONE
// uWSGI process tree, ONE WSGI app (fixtures/apps/bench_app.py), serving --socket (uwsgi),
// --fastcgi-socket, --scgi-socket and --http-socket at once. `uwsgi-codec load` (dist/load) drives
// each protocol in turn with the same three requests (nginx's GET, a 4 KiB form POST, a 1 MiB
// upload: fixtures/scenarios.json), interleaved over rounds so a slow spell of the shared machine
// does not land on one protocol; first at full speed, then at a fixed rate (0.3 x the slowest
// protocol's full-speed rate for that request). Every protocol opens a connection per request, as
// nginx does towards uWSGI. Measured: requests/s, p50/p99/p99.9 latency (histograms of all rounds
// added), and uWSGI's CPU time per request (utime + stime of the master and its workers, from
// /proc). The generator's own ceiling per protocol is measured first against a trivial
// in-process server. With 2+ cores, uWSGI runs on the first cores and the generator on the last.
//
//   npm run bench:e2e -- [--duration 3] [--rounds 2] [--connections 8] [--rate-fraction 0.3]
//       [--only nginx-get,post-4k] [--plot FILE.svg] [--json]
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, waitForPort } from "../../scripts/lib/ports.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const PROTOCOLS = ["uwsgi", "fastcgi", "scgi", "http"];
const SCENARIOS = ["nginx-get", "post-4k", "upload-1m"];

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}
const cores = cpus().length;
const config = {
  seconds: Number(option("duration", "3")),
  rounds: Number(option("rounds", "2")),
  connections: Number(option("connections", "8")),
  rateFraction: Number(option("rate-fraction", "0.3")),
  scenarios: option("only", SCENARIOS.join(",")).split(","),
  plot: option("plot", undefined),
  json: process.argv.includes("--json"),
};
for (const s of config.scenarios)
  if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);

if (spawnSync("sh", ["-c", "command -v uwsgi"]).status !== 0) {
  console.error("uwsgi is not installed: apt-get install -y uwsgi-core uwsgi-plugin-python3");
  process.exit(1);
}
if (!existsSync(join(root, "dist", "load", "index.js"))) {
  console.error("dist/ is missing: run `npm run build` first");
  process.exit(1);
}
// With 2+ cores the generator (this process) moves to the last core, uWSGI gets the others.
const pinned = cores >= 2;
if (pinned && process.env.UWSGI_CODEC_E2E_PINNED !== "1") {
  const r = spawnSync(
    "taskset",
    ["-c", String(cores - 1), process.execPath, ...process.argv.slice(1)],
    {
      stdio: "inherit",
      env: { ...process.env, UWSGI_CODEC_E2E_PINNED: "1" },
    },
  );
  process.exit(r.status ?? 1);
}

const { decodePacket, MAX_DATASIZE } = await import("../../dist/index.js");
const { mergeLoadResults, plotLatency, runLoad } = await import("../../dist/load/index.js");

/** A scenario as a request: nginx's packet read back into method, target, headers and body. */
function requestOf(name) {
  const specs = JSON.parse(readFileSync(join(root, "fixtures/scenarios.json"), "utf8")).scenarios;
  const spec = specs.find((s) => s.name === name);
  const packet = Buffer.from(
    readFileSync(join(root, "fixtures", spec.packet), "utf8").trim(),
    "hex",
  );
  const vars = decodePacket(packet, 0, { maxDatasize: MAX_DATASIZE }).vars;
  const headers = [];
  for (const [k, v] of vars) {
    if (!k.startsWith("HTTP_")) continue;
    const name = k
      .slice(5)
      .toLowerCase()
      .split("_")
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join("-");
    headers.push([name, v]);
  }
  let body;
  if (spec.body !== null) {
    const unit = Buffer.from(spec.body.repeat, "latin1");
    body = Buffer.alloc(spec.body.length);
    for (let i = 0; i < body.length; i += unit.length) unit.copy(body, i);
  }
  return {
    name,
    title: spec.title,
    method: vars.get("REQUEST_METHOD"),
    path: vars.get("REQUEST_URI"),
    headers,
    body,
  };
}

/** utime + stime (clock ticks) of `pid` and its children, from /proc. */
function cpuTicks(master) {
  let ticks = 0;
  for (const entry of spawnSync("ls", ["/proc"], { encoding: "utf8" }).stdout.split("\n")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // Fields after the command (which may hold spaces) start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const pid = Number(entry);
    const ppid = Number(f[1]);
    if (pid === master || ppid === master) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks;
}
const TICK_MS =
  1000 / Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);

let uwsgi;
let dir;
async function main() {
  dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-e2e-"));
  const ports = {};
  for (const p of PROTOCOLS) ports[p] = await freePort();
  const args = [
    "--plugin",
    "python3",
    "--master",
    "--processes",
    "2",
    "--die-on-term",
    "--disable-logging",
    "--buffer-size",
    "65535",
    "--wsgi-file",
    join(root, "fixtures/apps/bench_app.py"),
    "--socket",
    `127.0.0.1:${ports.uwsgi}`,
    "--fastcgi-socket",
    `127.0.0.1:${ports.fastcgi}`,
    "--scgi-socket",
    `127.0.0.1:${ports.scgi}`,
    "--http-socket",
    `127.0.0.1:${ports.http}`,
    "--chdir",
    dir,
  ];
  const cmd = pinned ? "taskset" : "uwsgi";
  const argv = pinned ? ["-c", `0-${cores - 2}`, "uwsgi", ...args] : args;
  uwsgi = spawn(cmd, argv, { cwd: dir, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  uwsgi.stderr.on("data", (c) => (log += c));
  for (const p of PROTOCOLS) await waitForPort(ports[p]);
  // taskset execs uwsgi in place: the child's pid is uWSGI's master.
  const master = uwsgi.pid;

  const requests = config.scenarios.map(requestOf);
  const base = (r, p) => ({
    url: `${p}://127.0.0.1:${ports[p]}${r.path}`,
    method: r.method,
    headers: r.headers,
    ...(r.body !== undefined ? { body: r.body } : {}),
    connections: config.connections,
    keepAlive: false,
    timeout: 30_000,
  });
  // Every protocol must answer every request the same way before it is measured.
  for (const r of requests) {
    for (const p of PROTOCOLS) {
      const check = await runLoad({ ...base(r, p), requests: 4 });
      if (check.statuses["200"] !== 4) {
        throw new Error(
          `${p} ${r.name}: ${JSON.stringify(check.statuses)} ${JSON.stringify(check.errors)}\n${log}`,
        );
      }
    }
  }
  const say = (s) => config.json || process.stderr.write(s);
  // The generator's ceiling, from a child process that is not pinned: the trivial server keeps
  // its main thread, the generator runs in a worker thread, each with a core.
  say("generator ceiling (trivial in-process server, 2 s each)...\n");
  // A child inherits this process's CPU mask: taskset gives it every core back.
  const ceilingArgs = [
    join(root, "dist/cli/main.js"),
    "load",
    "--ceiling",
    "--json",
    "-c",
    String(config.connections),
    "-d",
    "2s",
  ];
  const ceilingRun = pinned
    ? spawnSync("taskset", ["-c", `0-${cores - 1}`, process.execPath, ...ceilingArgs], {
        encoding: "utf8",
      })
    : spawnSync(process.execPath, ceilingArgs, { encoding: "utf8" });
  // Against the trivial server: what was reached, and what the generator could reach with its
  // thread fully busy (for a connection per request, Node's accept path in the trivial server is
  // often the bound there, not the generator).
  const ceilings = {};
  for (const line of ceilingRun.stdout.trim().split("\n")) {
    const r = JSON.parse(line);
    ceilings[r.scheme] = {
      reached: r.throughput.requestsPerSecond,
      busy: r.generator.busy,
      ceiling: r.generator.ceilingRequestsPerSecond,
    };
  }
  say(
    `  ${PROTOCOLS.map((p) => `${p} ${Math.round(ceilings[p].reached)} (busy ${Math.round(100 * ceilings[p].busy)}%)`).join(", ")}\n`,
  );
  for (const r of requests)
    for (const p of PROTOCOLS) await runLoad({ ...base(r, p), duration: 1000 });

  const runs = new Map(); // key `${scenario} ${mode} ${protocol}` -> { results, ticks }
  const add = (key, result, ticks) => {
    const e = runs.get(key) ?? { results: [], ticks: 0 };
    e.results.push(result);
    e.ticks += ticks;
    runs.set(key, e);
  };
  const rates = {};
  for (let round = 0; round < config.rounds; round++) {
    for (const mode of ["full", "rate"]) {
      for (const r of requests) {
        for (const p of PROTOCOLS) {
          const options = { ...base(r, p), duration: config.seconds * 1000, label: p };
          if (mode === "rate") options.rate = rates[r.name];
          const before = cpuTicks(master);
          const result = await runLoad(options);
          const ticks = cpuTicks(master) - before;
          add(`${r.name} ${mode} ${p}`, result, ticks);
          say(
            `round ${round + 1} ${mode} ${r.name} ${p}: ${Math.round(result.throughput.requestsPerSecond)} req/s, p99 ${result.latencyMs.p99} ms, ${result.requests.failed} failed\n`,
          );
        }
        if (mode === "full" && rates[r.name] === undefined) {
          const slowest = Math.min(
            ...PROTOCOLS.map(
              (p) => runs.get(`${r.name} full ${p}`).results[0].throughput.requestsPerSecond,
            ),
          );
          // A round number below the slowest protocol's rate, so every protocol can keep it.
          const raw = slowest * config.rateFraction;
          const step = 10 ** Math.max(0, Math.floor(Math.log10(raw)) - 1);
          rates[r.name] = Math.max(1, Math.floor(raw / step) * step);
        }
      }
    }
  }

  const rows = [];
  for (const r of requests) {
    for (const mode of ["full", "rate"]) {
      for (const p of PROTOCOLS) {
        const { results, ticks } = runs.get(`${r.name} ${mode} ${p}`);
        const merged = mergeLoadResults(results, `${p}`);
        const rps = results.map((x) => x.throughput.requestsPerSecond);
        rows.push({
          request: r.name,
          mode: mode === "full" ? "full speed" : `${rates[r.name]} req/s`,
          protocol: p,
          requestsPerSecond: rps.reduce((a, b) => a + b, 0) / rps.length,
          requestsPerSecondMin: Math.min(...rps),
          requestsPerSecondMax: Math.max(...rps),
          p50: merged.latencyMs.p50,
          p99: merged.latencyMs.p99,
          "p99.9": merged.latencyMs["p99.9"],
          cpuMsPerRequest: (ticks * TICK_MS) / merged.requests.completed,
          // How busy the generator's event loop was: near 100%, it (not uWSGI) was the bound.
          generatorBusy: merged.generator.busy,
          generatorCeiling: merged.generator.ceilingRequestsPerSecond,
          completed: merged.requests.completed,
          failed: merged.requests.failed,
          wireBytes: merged.request.wireBytes,
          merged,
        });
      }
    }
  }
  const machine = {
    cpu: cpus()[0]?.model ?? "unknown",
    cores,
    node: process.version,
    uwsgi: spawnSync("uwsgi", ["--version"], { encoding: "utf8" }).stdout.trim(),
    layout: pinned
      ? `uWSGI (master + 2 workers) on cpu 0-${cores - 2}, generator on cpu ${cores - 1}`
      : "not pinned (1 core)",
    run: `${config.rounds} rounds x ${config.seconds} s, ${config.connections} connections, a connection per request, rate = ${config.rateFraction} x the slowest protocol's full-speed rate`,
  };
  if (config.plot !== undefined) {
    const first = requests[0];
    const picked = rows
      .filter((x) => x.request === first.name && x.mode !== "full speed")
      .map((x) => x.merged);
    writeFileSync(
      config.plot,
      await plotLatency(picked, {
        title: `${first.name} at ${rates[first.name]} req/s: latency by percentile, one uWSGI`,
      }),
    );
  }
  if (config.json) {
    console.log(
      JSON.stringify(
        { machine, ceilings, rates, rows: rows.map(({ merged, ...row }) => row) },
        null,
        2,
      ),
    );
    return;
  }
  const f = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  const lines = [
    "| request | load | protocol | bytes/request | req/s (min-max) | p50 ms | p99 ms | p99.9 ms | uWSGI CPU ms/request | generator busy |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const x of rows) {
    lines.push(
      `| ${x.request} | ${x.mode} | ${x.protocol} | ${x.wireBytes} | ${Math.round(x.requestsPerSecond)} (${Math.round(x.requestsPerSecondMin)}-${Math.round(x.requestsPerSecondMax)}) | ${f(x.p50)} | ${f(x.p99)} | ${f(x["p99.9"])} | ${x.cpuMsPerRequest.toFixed(3)} | ${Math.round(100 * x.generatorBusy)}% |`,
    );
  }
  console.log(lines.join("\n"));
  console.log(
    `\nGenerator against a trivial in-process server (unpinned, ${config.connections} connections): ${PROTOCOLS.map((p) => `${p} ${Math.round(ceilings[p].reached)} req/s at ${Math.round(100 * ceilings[p].busy)}% busy (ceiling ~${Math.round(ceilings[p].ceiling)})`).join(", ")}`,
  );
  console.log(
    `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, uWSGI ${machine.uwsgi}; ${machine.layout}; ${machine.run}`,
  );
  const failed = rows.reduce((n, x) => n + x.failed, 0);
  if (failed > 0) console.log(`\n${failed} request(s) failed`);
}

try {
  await main();
} finally {
  if (uwsgi !== undefined) {
    try {
      process.kill(-uwsgi.pid, "SIGTERM");
    } catch {}
    await new Promise((r) => setTimeout(r, 300));
    try {
      process.kill(-uwsgi.pid, "SIGKILL");
    } catch {}
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}
