// The floor of the router rows: the least a node:net proxy can do per request (accept, connect,
// pass bytes both ways, close), with no parsing, routing or accounting. Not a router: it shows
// what Node's own sockets cost, so the router's row can be read against it.
// `node bench/load/bare-proxy.mjs <listen: socket path|host:port> <backend: socket path|host:port>`
import { connect, createServer } from "node:net";

const [listen, backend] = process.argv.slice(2);
const where = (a) =>
  a.includes("/")
    ? { path: a }
    : { host: "127.0.0.1", port: Number(a.slice(a.lastIndexOf(":") + 1)) };
createServer({ allowHalfOpen: true }, (client) => {
  const upstream = connect(where(backend));
  client.on("data", (chunk) => upstream.write(chunk));
  client.on("end", () => upstream.end());
  upstream.on("data", (chunk) => client.write(chunk));
  upstream.on("end", () => {
    client.end();
    upstream.destroy();
  });
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
}).listen(where(listen), () => process.stdout.write("ready\n"));
process.on("SIGTERM", () => process.exit(0));
