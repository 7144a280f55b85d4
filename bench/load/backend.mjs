// One load-bench backend in its own process: `node bench/load/backend.mjs <kind> <port|path>`, kind
// uwsgi (this package's server), fastcgi (node-fastcgi) or http (node:http). All three run the
// same trivial handler. Prints "ready" once listening; exits on SIGTERM.
//
// Started with an IPC channel (run.mjs), it answers the message "stats" with the requests it has
// served, the major (mark-compact) GCs it has had and the CPU time it has used, so the benchmark
// can put GCs and CPU per request beside each row's rate (CPU per request moves far less than the
// rate when other work shares the machine). GCs are counted by a PerformanceObserver of `gc` entries, which every
// backend pays for alike.
import { createRequire } from "node:module";
import { constants, PerformanceObserver } from "node:perf_hooks";

const [kind, where] = process.argv.slice(2);
// A path means a unix socket; anything else is a TCP port on 127.0.0.1.
const listenArgs = where.includes("/") ? [where] : [Number(where), "127.0.0.1"];
const BODY = Buffer.from("hello world");

let requests = 0;
let majorGcs = 0;
let minorGcs = 0;

// The same handler everywhere: 200, two small headers, 11 bytes.
function hello(_req, res) {
  requests++;
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BODY.length });
  res.end(BODY);
}

if (process.send !== undefined) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const gcKind = entry.detail?.kind;
      if (gcKind === constants.NODE_PERFORMANCE_GC_MAJOR) majorGcs++;
      else if (gcKind === constants.NODE_PERFORMANCE_GC_MINOR) minorGcs++;
    }
  }).observe({ entryTypes: ["gc"] });
  process.on("message", (message) => {
    if (message !== "stats") return;
    const cpu = process.cpuUsage();
    process.send({ requests, majorGcs, minorGcs, cpuMicros: cpu.user + cpu.system });
  });
}

let server;
if (kind === "uwsgi") {
  // BACKEND_DIST: another build of this package (side-by-side.mjs compares builds).
  const { createServer } = await import(process.env.BACKEND_DIST ?? "../../dist/node.js");
  server = createServer(hello);
} else if (kind === "fastcgi") {
  const fcgi = createRequire(import.meta.url)("node-fastcgi");
  server = fcgi.createServer(hello);
} else if (kind === "http") {
  const { createServer } = await import("node:http");
  server = createServer(hello);
} else {
  console.error(`usage: node bench/load/backend.mjs uwsgi|fastcgi|http <port|socket path>`);
  process.exit(2);
}
server.on("error", (err) => {
  console.error(`${kind} backend: ${err.stack ?? err}`);
  process.exit(1);
});
server.listen(...listenArgs, () => process.stdout.write("ready\n"));
process.on("SIGTERM", () => process.exit(0));
