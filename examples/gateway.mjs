#!/usr/bin/env node
// An HTTP -> uWSGI gateway, as nginx's `uwsgi_pass` with Debian's uwsgi_params would be.
//
//   npm run build
//   uwsgi --plugin python3 --socket 127.0.0.1:3031 --wsgi-file fixtures/apps/environ_echo.py &
//   node examples/gateway.mjs --listen 8080 --upstream 3031
//   curl -i 'http://127.0.0.1:8080/hello?x=1'
//
// --upstream takes a port (on 127.0.0.1), host:port, [v6]:port, or the path of a unix socket (it
// has a "/"); --listen a port or host:port. The upstream is tried once at start: when nothing
// answers there, a line on stderr says so and the gateway keeps running (answering 502 until
// uWSGI is up, as nginx does), so the two can be started in any order.
//
// This file imports the package by its name, so it can be copied into a project as it is.
import { connect } from "node:net";
import { parseArgs } from "node:util";
import { createGateway } from "uwsgi-codec/node";

function usage(message) {
  console.error(`gateway: ${message}`);
  console.error(
    "usage: node gateway.mjs [--listen PORT|HOST:PORT] [--upstream PORT|HOST:PORT|/unix/socket] [--server-name NAME] [--timeout MS]",
  );
  process.exit(2);
}

/** A port, host:port, [v6]:port, or a socket path, as net.connect options. */
function address(text, what) {
  if (text.includes("/")) return { path: text };
  if (/^\d+$/.test(text)) return { host: "127.0.0.1", port: Number(text) };
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text);
  if (match === null) usage(`--${what} "${text}" is not a port, host:port or a socket path`);
  return { host: match[1] ?? match[2], port: Number(match[3]) };
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      listen: { type: "string", default: "8080" },
      upstream: { type: "string", default: "3031" },
      "server-name": { type: "string" },
      timeout: { type: "string", default: "60000" },
    },
  }));
} catch (err) {
  usage(err.message);
}

const upstream = address(values.upstream, "upstream");
const listen = address(values.listen, "listen");
let server;
try {
  server = createGateway({
    upstream,
    timeout: Number(values.timeout),
    ...(values["server-name"] === undefined ? {} : { serverName: values["server-name"] }),
    onError: (err, req) => console.error(`${req.method} ${req.url}: ${err.message}`),
  });
} catch (err) {
  usage(err.message);
}

/** Says on stderr when nothing answers at the upstream address. */
function probe() {
  const socket = connect(upstream);
  socket.setTimeout(2000);
  const warn = (why) => {
    console.error(
      `gateway: cannot reach uwsgi at ${values.upstream} (${why}); answering 502 until it is up`,
    );
    socket.destroy();
  };
  socket.once("connect", () => socket.destroy());
  socket.once("timeout", () => warn("no answer within 2 s"));
  socket.once("error", (err) => warn(err.code ?? err.message));
}

const where = listen.path === undefined ? [listen.port, listen.host] : [listen.path];
server.listen(...where, () => {
  const a = server.address();
  const shown = typeof a === "string" ? a : `http://${a.address}:${a.port}`;
  console.log(`gateway on ${shown} -> uwsgi ${values.upstream}`);
  probe();
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
