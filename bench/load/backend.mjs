// One load-bench backend in its own process: `node bench/load/backend.mjs <kind> <port|path>`, kind
// uwsgi (this package's server), fastcgi (node-fastcgi) or http (node:http). All three run the
// same trivial handler. Prints "ready" once listening; exits on SIGTERM.
import { createRequire } from "node:module";

const [kind, where] = process.argv.slice(2);
// A path means a unix socket; anything else is a TCP port on 127.0.0.1.
const listenArgs = where.includes("/") ? [where] : [Number(where), "127.0.0.1"];
const BODY = Buffer.from("hello world");

// The same handler everywhere: 200, two small headers, 11 bytes.
function hello(_req, res) {
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BODY.length });
  res.end(BODY);
}

let server;
if (kind === "uwsgi") {
  const { createServer } = await import("../../dist/node.js");
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
