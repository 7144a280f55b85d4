#!/usr/bin/env node
// An HTTP -> uWSGI gateway, as nginx's `uwsgi_pass` with Debian's uwsgi_params would be.
//
//   npm run build
//   uwsgi --plugin python3 --socket 127.0.0.1:3031 --wsgi-file fixtures/apps/environ_echo.py &
//   node examples/gateway.mjs --listen 8080 --upstream 127.0.0.1:3031
//   curl -i 'http://127.0.0.1:8080/hello?x=1'
//
// --upstream takes host:port or the path of a unix socket; --listen a port or host:port.
import { parseArgs } from "node:util";
import { createGateway } from "../dist/node.js";

const { values } = parseArgs({
  options: {
    listen: { type: "string", default: "8080" },
    upstream: { type: "string", default: "127.0.0.1:3031" },
    "server-name": { type: "string" },
    timeout: { type: "string", default: "60000" },
  },
});

function address(text) {
  const colon = text.lastIndexOf(":");
  if (text.includes("/") || colon < 0) return { path: text };
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

const listen = values.listen.includes(":")
  ? address(values.listen)
  : { port: Number(values.listen) };
const server = createGateway({
  upstream: address(values.upstream),
  timeout: Number(values.timeout),
  ...(values["server-name"] === undefined ? {} : { serverName: values["server-name"] }),
  onError: (err, req) => console.error(`${req.method} ${req.url}: ${err.message}`),
});
server.listen(listen.port, listen.host ?? "127.0.0.1", () => {
  const a = server.address();
  console.log(`gateway on http://${a.address}:${a.port} -> uwsgi ${values.upstream}`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
