// The floor of the router rows: the least a node:net proxy can do per request (accept, connect,
// pass bytes both ways, close), with no parsing, routing or accounting, using what the router
// uses to cut Node's cost per connection: the backend is read with `onread` into reusable
// buffers, and the client is closed right after the answer (the bench's GETs have no body, so the
// client has sent its whole request by then). Not a router: it shows what Node's own sockets
// cost, so the router's row can be read against it.
// `node bench/load/bare-proxy.mjs <listen: socket path|host:port> <backend: socket path|host:port>`
import { connect, createServer } from "node:net";

const [listen, backend] = process.argv.slice(2);
const where = (a) =>
  a.includes("/")
    ? { path: a }
    : { host: "127.0.0.1", port: Number(a.slice(a.lastIndexOf(":") + 1)) };
const target = where(backend);
// Read buffers, each used by one backend socket at a time; one a write still holds is left to it.
const free = [];
const take = () => free.pop() ?? Buffer.allocUnsafeSlow(64 * 1024);

createServer({ allowHalfOpen: true }, (client) => {
  let buffer = null;
  const upstream = connect({
    ...target,
    onread: {
      buffer: () => {
        buffer ??= take();
        return buffer;
      },
      callback: (length, bytes) => {
        const more = client.write(bytes.subarray(0, length));
        if (client.writableLength > 0) buffer = null;
        return more;
      },
    },
  });
  client.on("data", (chunk) => upstream.write(chunk));
  client.on("end", () => upstream.end());
  client.on("drain", () => upstream.resume());
  upstream.on("end", () => {
    upstream.destroy();
    if (client.writableLength === 0) client.destroy();
    else client.end();
  });
  upstream.on("close", () => {
    if (buffer !== null && free.length < 32) free.push(buffer);
    buffer = null;
  });
  client.on("error", () => upstream.destroy());
  upstream.on("error", () => client.destroy());
}).listen(where(listen), () => process.stdout.write("ready\n"));
process.on("SIGTERM", () => process.exit(0));
