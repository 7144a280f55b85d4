// A Node app served over uwsgi behind nginx, in one command (after `npm run build`):
//
//   node examples/behind-nginx.mjs          # starts the app and an nginx in front, asks twice, stops
//   node examples/behind-nginx.mjs --keep   # same, then keeps both running until Ctrl-C
//
// The app listens on 127.0.0.1 (PORT, or a free port); nginx gets a config in a temp dir with:
//
//   location / { include /etc/nginx/uwsgi_params; uwsgi_pass 127.0.0.1:<port>; }
//
// In production, put those two lines in your own server block and run only the app part. This
// file imports the package by its name, so it can be copied into a project as it is.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "uwsgi-codec/node";

// --- The app: plain request/response handling, as with node:http. ---
const app = createServer(async (req, res) => {
  if (req.method === "POST") {
    // The request is the body stream (with backpressure): hash it as it arrives.
    const hash = createHash("sha256");
    let bytes = 0;
    for await (const chunk of req) {
      hash.update(chunk);
      bytes += chunk.length;
    }
    res.setHeader("Content-Type", "application/json");
    res.end(JSON.stringify({ bytes, sha256: hash.digest("hex") }));
    return;
  }
  res.setHeader("Content-Type", "text/plain; charset=utf-8");
  res.appendHeader("Set-Cookie", ["seen=1; Path=/", "lang=en; Path=/"]);
  res.end(
    `hello ${req.method} ${req.url} from ${req.remoteAddress}, user-agent ${req.getHeader("user-agent")}\n`,
  );
});
app.on("clientError", (err) => console.warn(`client error: ${err.code}: ${err.message}`));
app.on("error", (err) => console.error(`handler failed: ${err.message}`));

function freePort() {
  return new Promise((resolve) => {
    const s = netServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const appPort = Number(process.env.PORT ?? (await freePort()));
await new Promise((resolve) => app.listen(appPort, "127.0.0.1", resolve));
console.log(`app: uwsgi on 127.0.0.1:${appPort}`);

// --- nginx in front, from a temp dir. ---
const dir = await mkdtemp(join(tmpdir(), "behind-nginx-"));
await mkdir(join(dir, "logs"));
const httpPort = await freePort();
const temp = (n) => `${n}_temp_path ${join(dir, n)};`;
await writeFile(
  join(dir, "nginx.conf"),
  `${process.getuid?.() === 0 ? "user root;" : ""}
daemon off;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs", "error.log")} warn;
events { worker_connections 256; }
http {
  access_log off;
  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
  server {
    listen 127.0.0.1:${httpPort};
    location / {
      include /etc/nginx/uwsgi_params;
      uwsgi_pass 127.0.0.1:${appPort};
    }
  }
}
`,
);
const nginx = spawn(
  "nginx",
  ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs", "error.log")],
  {
    stdio: "inherit",
  },
);
const nginxExit = new Promise((resolve) => nginx.once("exit", resolve));
nginx.once("error", (err) => {
  console.error(`cannot start nginx (${err.message}); apt-get install -y nginx-light`);
});

async function stop() {
  nginx.kill("SIGTERM");
  await nginxExit;
  await new Promise((resolve) => app.close(resolve));
  await rm(dir, { recursive: true, force: true });
}

try {
  const base = `http://127.0.0.1:${httpPort}`;
  let answer;
  for (let i = 0; ; i++) {
    try {
      answer = await fetch(`${base}/caf%C3%A9?x=1`);
      break;
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  console.log(`GET  ${base}/caf%C3%A9?x=1 -> ${answer.status} ${(await answer.text()).trim()}`);
  console.log(`     set-cookie: ${answer.headers.getSetCookie().join(" | ")}`);
  const body = new Uint8Array(1024 * 1024).fill(7);
  const posted = await fetch(`${base}/upload`, { method: "POST", body });
  console.log(`POST ${base}/upload (1 MiB) -> ${posted.status} ${await posted.text()}`);
  if (process.argv.includes("--keep")) {
    console.log(`nginx on ${base}; Ctrl-C to stop`);
    await new Promise((resolve) => process.once("SIGINT", resolve));
  }
} finally {
  await stop();
}
