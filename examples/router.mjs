// A uwsgi router in Node between nginx and two uWSGI backends that subscribe to it by themselves,
// in one command (after `npm run build`; needs nginx and uWSGI with its Python 3 plugin):
//
//   node examples/router.mjs          # starts everything, sends requests, stops one backend, stops
//   node examples/router.mjs --keep   # same, then keeps nginx, the router and a backend running
//
//   client -> nginx (uwsgi_pass) -> this router -> uWSGI "one" / uWSGI "two"
//                                        ^ subscription datagrams (uWSGI's --subscribe-to)
//
// The backends announce themselves for the key `app.local` (the Host the client asks for), so
// the router has no list of them: they join its pool when they start, and leave it when they stop
// (or, killed, when they miss their announcements for the tolerance). This file imports the
// package by its name, so it can be copied into a project as it is.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRouter } from "uwsgi-codec/node";

function freePort() {
  return new Promise((resolve) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const dir = await mkdtemp(join(tmpdir(), "router-example-"));
const [routerPort, subscriptionPort, httpPort] = [
  await freePort(),
  await freePort(),
  await freePort(),
];
const children = [];

// --- The router: pools come from subscriptions; a middleware adds a var and answers /private. ---
const router = createRouter({
  subscriptions: { listen: `127.0.0.1:${subscriptionPort}`, tolerance: 5000 },
  middleware: [
    (req) => {
      if (req.vars.get("PATH_INFO") === "/private") req.respond(403, {}, "not here\n");
      req.vars.set("HTTP_X_ROUTED_BY", "uwsgi-codec");
    },
  ],
});
router.on("nodeAdded", (e) => console.log(`router: ${e.address} joined ${e.pool} (${e.reason})`));
router.on("nodeRemoved", (e) => console.log(`router: ${e.address} left ${e.pool} (${e.reason})`));
await new Promise((resolve) => router.listen(routerPort, "127.0.0.1", resolve));
console.log(
  `router: uwsgi on 127.0.0.1:${routerPort}, subscriptions on udp 127.0.0.1:${subscriptionPort}`,
);

// --- Two uWSGI backends running the same WSGI app, each subscribing to the router. ---
await writeFile(
  join(dir, "app.py"),
  `import os
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s answered %s (routed by %s)\\n" % (os.environ["NODE"], environ["PATH_INFO"], environ.get("HTTP_X_ROUTED_BY"))).encode()]
`,
);
function backend(name) {
  const child = spawn(
    "uwsgi",
    [
      "--plugin",
      "python3",
      "--master",
      "--die-on-term",
      "--disable-logging",
      "--socket",
      `127.0.0.1:${0}`,
      "--wsgi-file",
      join(dir, "app.py"),
      "--env",
      `NODE=${name}`,
      "--subscribe-to",
      `127.0.0.1:${subscriptionPort}:app.local`,
      "--subscribe-freq",
      "1",
    ],
    { stdio: "ignore", detached: true },
  );
  child.once("error", (err) =>
    console.error(
      `cannot start uWSGI (${err.message}): apt-get install -y uwsgi-core uwsgi-plugin-python3`,
    ),
  );
  children.push(child);
  return child;
}
const joined = new Promise((resolve) => {
  let n = 0;
  router.on("nodeAdded", () => ++n === 2 && resolve());
});
const one = backend("one");
backend("two");
await joined;

// --- nginx in front of the router. ---
const temp = (n) => `${n}_temp_path ${join(dir, n)};`;
await writeFile(
  join(dir, "nginx.conf"),
  `${process.getuid?.() === 0 ? "user root;" : ""}
daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "error.log")} warn;
events { worker_connections 256; }
http {
  access_log off;
  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
  server {
    listen 127.0.0.1:${httpPort};
    location / { include /etc/nginx/uwsgi_params; uwsgi_pass 127.0.0.1:${routerPort}; }
  }
}
`,
);
const nginx = spawn(
  "nginx",
  ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")],
  {
    stdio: "inherit",
  },
);
nginx.once("error", (err) =>
  console.error(`cannot start nginx (${err.message}): apt-get install -y nginx-light`),
);

/** GET through nginx with Host: app.local (the key the backends subscribed). */
function ask(path) {
  return new Promise((resolve, reject) => {
    const req = get(
      { host: "127.0.0.1", port: httpPort, path, headers: { Host: "app.local" } },
      (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => resolve(`${res.statusCode} ${text.trim()}`));
      },
    );
    req.on("error", reject);
  });
}

try {
  for (let i = 0; ; i++) {
    try {
      await ask("/");
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  for (const path of ["/a", "/b", "/c", "/d", "/private"])
    console.log(`GET ${path} -> ${await ask(path)}`);
  // A clean stop: uWSGI's master unsubscribes, the router drops it at once.
  const left = new Promise((resolve) => router.once("nodeRemoved", resolve));
  process.kill(-one.pid, "SIGTERM");
  await left;
  for (const path of ["/e", "/f"]) console.log(`GET ${path} -> ${await ask(path)}`);
  const pool = router.stats().pools.find((p) => p.name === "app.local");
  console.log(
    `stats: ${JSON.stringify(pool.nodes.map(({ address, state, requests }) => ({ address, state, requests })))}`,
  );
  if (process.argv.includes("--keep")) {
    console.log(`nginx on http://127.0.0.1:${httpPort} (send Host: app.local); Ctrl-C to stop`);
    await new Promise((resolve) => process.once("SIGINT", resolve));
  }
} finally {
  nginx.kill("SIGTERM");
  for (const c of children) {
    try {
      process.kill(-c.pid, "SIGTERM");
    } catch {}
  }
  await Promise.all(
    [nginx, ...children].map((c) =>
      c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null,
    ),
  );
  await new Promise((resolve) => router.close(resolve));
  await rm(dir, { recursive: true, force: true });
}
