// Two builds of the router side by side (not a test): one uWSGI app (bench/load/hello.py, 2
// workers), one nginx with a location for each build's router (bench/load/router-process.mjs with
// ROUTER_DIST), wrk on each in turn, the order alternating by round. Each round reads the router
// process's CPU time (user + system, /proc) over the requests wrk counted, so a busy spell of a
// shared machine lands on both builds alike: the ratio of CPU per request, round by round, moves a
// few percent where the rates of npm run bench:load move by tens. The figures in the router's
// commit messages come from here.
//
//   npm run build && node bench/load/router-ab.mjs <a: dist/node.js> <b: dist/node.js>
//       [--rounds 10] [--duration 3] [--transport unix|tcp] [--no-pin]
// Another build: `git archive <commit> src tsconfig.json tsconfig.build.json package.json | tar -x
// -C DIR`, link node_modules into DIR, then `npx tsc -p DIR/tsconfig.build.json`.
// With 2+ cores, wrk runs on the last core and the rest on the others.
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nginxArgs, writeNginxConf } from "../../scripts/lib/nginx-conf.mjs";
import { freePort, waitForAddress } from "../../scripts/lib/ports.mjs";
import { groupCpuMicros } from "./group-cpu.mjs";
import { parseWrk, runWrk } from "./wrk.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const VALUED = ["--rounds", "--duration", "--transport"];
const builds = argv.filter((a, i) => !a.startsWith("--") && !VALUED.includes(argv[i - 1] ?? ""));
if (builds.length !== 2) {
  console.error("usage: node bench/load/router-ab.mjs <a/dist/node.js> <b/dist/node.js> [options]");
  process.exit(2);
}
const rounds = Number(option("rounds", "10"));
const seconds = Number(option("duration", "3"));
const transport = option("transport", "unix");
const cores = cpus().length;
const pin = cores >= 2 && !argv.includes("--no-pin");
const serverCpus = `0-${Math.max(0, cores - 2)}`;
for (const binary of ["uwsgi", "nginx", "wrk"]) {
  if (spawnSync("sh", ["-c", `command -v ${binary}`]).status !== 0) {
    console.error(
      `${binary} is not installed (apt-get install -y uwsgi-core uwsgi-plugin-python3 nginx-light wrk)`,
    );
    process.exit(1);
  }
}

const procs = [];
/** Starts a process in its own group (pinned to the server cores); resolves once it runs. */
function start(cmd, args, env = {}) {
  const [exe, list] = pin ? ["taskset", ["-c", serverCpus, cmd, ...args]] : [cmd, args];
  const child = spawn(exe, list, {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  let output = "";
  child.stdout.on("data", (c) => (output += c));
  child.stderr.on("data", (c) => (output += c));
  procs.push(child);
  return { child, output: () => output };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-router-ab-"));
try {
  const at = async (name) =>
    transport === "unix" ? join(dir, `${name}.sock`) : `127.0.0.1:${await freePort()}`;
  const app = await at("app");
  const uwsgi = start("uwsgi", [
    ...["--plugin", "python3", "--master", "--socket", app, "--processes", "2"],
    ...["--wsgi-file", join(here, "hello.py"), "--chmod-socket=666", "--die-on-term"],
    "--disable-logging",
  ]);
  await waitForAddress(app, uwsgi.output);
  const routers = [];
  for (const [i, build] of builds.entries()) {
    const listen = await at(`router-${i}`);
    const proc = start(process.execPath, [join(here, "router-process.mjs"), listen, app], {
      ROUTER_DIST: resolve(build),
    });
    await waitForAddress(listen, proc.output);
    routers.push({ build, listen, proc, us: [], rates: [] });
  }
  const port = await freePort();
  const pass = (a) => (a.includes("/") ? `unix:${a}` : a);
  writeNginxConf(dir, {
    logLevel: "warn",
    workerConnections: 4096,
    http: `  server {
    listen 127.0.0.1:${port} backlog=4096;
${routers.map((r, i) => `    location = /${i} { include /etc/nginx/uwsgi_params; uwsgi_pass ${pass(r.listen)}; }`).join("\n")}
  }`,
  });
  start("nginx", nginxArgs(dir));
  await new Promise((r) => setTimeout(r, 500));
  const wrk = { threads: 1, connections: 32, cpus: pin ? String(cores - 1) : undefined };
  const url = (i) => `http://127.0.0.1:${port}/${i}`;
  for (const i of [0, 1]) await runWrk(url(i), { ...wrk, seconds: 2 }); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const r = routers[i];
      const before = groupCpuMicros(r.proc.child.pid);
      const result = parseWrk(await runWrk(url(i), { ...wrk, seconds }));
      const micros = groupCpuMicros(r.proc.child.pid) - before;
      if (result.errors > 0) throw new Error(`${r.build}: ${result.errors} errors`);
      r.us.push(micros / result.requests);
      r.rates.push(result.requestsPerSec);
    }
  }
  for (const [i, r] of routers.entries()) {
    console.log(
      `${"ab"[i]} ${r.build}: router CPU per request median ${median(r.us).toFixed(1)} us [${r.us.map((x) => x.toFixed(0)).join(" ")}], req/s median ${median(r.rates).toFixed(0)}`,
    );
  }
  const ratios = routers[1].us.map((b, k) => b / routers[0].us[k]);
  console.log(
    `b/a CPU per request: median ${median(ratios).toFixed(3)} [${ratios.map((x) => x.toFixed(2)).join(" ")}] (${transport} sockets, ${rounds} rounds of ${seconds} s)`,
  );
} finally {
  for (const p of procs.reverse()) {
    try {
      process.kill(-p.pid, "SIGTERM");
    } catch {}
  }
  await new Promise((r) => setTimeout(r, 800));
  for (const p of procs) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {}
  }
  await rm(dir, { recursive: true, force: true });
}
