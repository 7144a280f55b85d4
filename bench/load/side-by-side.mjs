// Backends side by side (not a test): each build of this package given, and node:http, serve at
// the same time on the same core(s) while this process sends each one GET per connection (16
// connections each, nginx's GET packet from fixtures/ for uwsgi, an HTTP/1.0 GET for node:http),
// straight to their unix sockets, no nginx. Every round reads each backend's CPU time, requests and
// major GCs (bench/load/backend.mjs) over the same seconds, so a busy spell of a shared machine
// lands on all of them alike: CPU per request then compares builds to about 1%, where the rates
// of npm run bench:load move by tens of percent between rounds.
//
//   npm run build && taskset -c 1 node bench/load/side-by-side.mjs [--seconds 2] [--rounds 8]
//       [--build label=/path/to/dist/node.js ...] [--no-http]
// Without --build, the one row is this checkout's dist/. Ratios are to the first row, per round.
// Backends run on cores 0..n-2 (all when there is one core): run this process on the last one.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i < 0 ? fallback : argv[i + 1];
};
const seconds = Number(option("seconds", "2"));
const rounds = Number(option("rounds", "8"));
const rows = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] !== "--build") continue;
  const spec = argv[i + 1] ?? "";
  const eq = spec.indexOf("=");
  if (eq < 1) throw new Error(`--build label=/path/to/dist/node.js, not ${spec}`);
  rows.push({ label: spec.slice(0, eq), kind: "uwsgi", dist: resolve(spec.slice(eq + 1)) });
}
if (rows.length === 0)
  rows.push({ label: "uwsgi", kind: "uwsgi", dist: join(root, "dist", "node.js") });
if (!argv.includes("--no-http")) rows.push({ label: "node:http", kind: "http" });
for (const row of rows) {
  if (row.dist !== undefined && !existsSync(row.dist)) throw new Error(`${row.dist} is missing`);
}

const hex = readFileSync(join(root, "fixtures", "packets", "nginx-get.hex"), "utf8");
const UWSGI_GET = Buffer.from(hex.replace(/#.*$/gm, "").replace(/\s+/g, ""), "hex");
const HTTP_GET = Buffer.from("GET / HTTP/1.0\r\nHost: localhost\r\n\r\n", "latin1");
const cores = cpus().length;
const serverCpus = cores >= 2 ? `0-${cores - 2}` : "0";

const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-side-"));
let stopping = false;
try {
  for (const [i, row] of rows.entries()) {
    row.path = join(dir, `${i}.sock`);
    const env = { ...process.env };
    if (row.dist !== undefined) env.BACKEND_DIST = row.dist;
    row.child = spawn(
      "taskset",
      ["-c", serverCpus, process.execPath, join(here, "backend.mjs"), row.kind, row.path],
      { stdio: ["ignore", "pipe", "inherit", "ipc"], env, detached: true },
    );
    await new Promise((ok, fail) => {
      row.child.stdout.once("data", ok);
      row.child.once("exit", (code) => fail(new Error(`${row.label} exited (${code})`)));
    });
    row.cpu = [];
    row.gcs = 0;
    row.requests = 0;
  }
  const loop = (row) => {
    if (stopping) return;
    const socket = connect(row.path);
    socket.on("data", () => {});
    socket.on("error", () => {});
    socket.on("close", () => loop(row));
    socket.on("connect", () => socket.write(row.kind === "http" ? HTTP_GET : UWSGI_GET));
  };
  for (const row of rows) for (let i = 0; i < 16; i++) loop(row);
  const stats = (row) =>
    new Promise((ok) => {
      row.child.once("message", ok);
      row.child.send("stats");
    });
  await new Promise((r) => setTimeout(r, 1500)); // warm-up
  for (let round = 0; round < rounds; round++) {
    const before = await Promise.all(rows.map(stats));
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const after = await Promise.all(rows.map(stats));
    rows.forEach((row, i) => {
      const n = after[i].requests - before[i].requests;
      row.cpu.push((after[i].cpuMicros - before[i].cpuMicros) / n);
      row.gcs += after[i].majorGcs - before[i].majorGcs;
      row.requests += n;
    });
  }
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
  };
  console.log(
    `\n| backend | CPU µs / request (median of ${rounds} rounds) | min-max | vs ${rows[0].label} (median of rounds) | major GCs / 10k requests | requests |`,
  );
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const row of rows) {
    const ratio = median(row.cpu.map((c, i) => c / rows[0].cpu[i]));
    console.log(
      `| ${row.label} | ${median(row.cpu).toFixed(1)} | ${Math.min(...row.cpu).toFixed(1)}-${Math.max(...row.cpu).toFixed(1)} | ${ratio.toFixed(3)}x | ${((row.gcs * 10_000) / row.requests).toFixed(2)} | ${row.requests} |`,
    );
  }
  console.log(
    `\n${cpus()[0]?.model ?? "unknown"}, ${cores} cores, Node ${process.version}, backends on cores ${serverCpus}, ${seconds} s rounds`,
  );
} finally {
  stopping = true;
  for (const row of rows) {
    try {
      process.kill(-row.child.pid, "SIGTERM");
    } catch {}
  }
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);
