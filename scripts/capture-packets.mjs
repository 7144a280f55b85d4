#!/usr/bin/env node
// Captures the packets real nginx (Debian nginx-light 1.22, stock uwsgi_params) writes for three
// realistic requests, into fixtures/packets/*.hex (header + vars block, one line of hex).
// Usage: node scripts/capture-packets.mjs   (needs nginx; uses 127.0.0.1:18080 and :18081)
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const NGINX_PORT = 18080; // fixed so SERVER_PORT is the same on every run
const RECORDER_PORT = 18081;
const out = new URL("../fixtures/packets/", import.meta.url);

const CHROME_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const REQUESTS = {
  "nginx-get": [
    "GET /index.html?a=1 HTTP/1.1",
    "Host: 127.0.0.1:18080",
    "User-Agent: curl/7.88.1",
    "Accept: */*",
  ],
  "browser-get": [
    "GET /shop/products/4711?ref=home&utm_source=newsletter HTTP/1.1",
    "Host: shop.example.org",
    'sec-ch-ua: "Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
    "sec-ch-ua-mobile: ?0",
    'sec-ch-ua-platform: "Linux"',
    "Upgrade-Insecure-Requests: 1",
    `User-Agent: ${CHROME_UA}`,
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7",
    "Sec-Fetch-Site: same-origin",
    "Sec-Fetch-Mode: navigate",
    "Sec-Fetch-User: ?1",
    "Sec-Fetch-Dest: document",
    "Referer: https://shop.example.org/shop/",
    "Accept-Encoding: gzip, deflate, br, zstd",
    "Accept-Language: en-GB,en-US;q=0.9,en;q=0.8,de;q=0.7",
    "Cache-Control: max-age=0",
    "DNT: 1",
    'If-None-Match: W/"5e1a-18c2f0e4d3a"',
    "If-Modified-Since: Tue, 19 Nov 2024 10:11:12 GMT",
    "X-Requested-With: XMLHttpRequest",
    "X-Forwarded-For: 203.0.113.7, 198.51.100.23",
    "X-Forwarded-Proto: https",
    "X-Real-IP: 203.0.113.7",
    "X-Request-Id: 3f2b8c1e-7d4a-4b9e-a1c2-5e6f7a8b9c0d",
    "Priority: u=0, i",
    "Origin: https://shop.example.org",
    "Pragma: no-cache",
    "Cookie: sessionid=k2j3h4g5f6d7s8a9q0w1e2r3t4y5u6i7; csrftoken=Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0; _ga=GA1.1.1234567890.1700000000; _ga_ABC123=GS1.1.1700000000.1.1.1700000100.0.0.0; _gid=GA1.2.987654321.1700000000; cart=%7B%22items%22%3A%5B4711%2C42%5D%7D; theme=dark; lang=en-GB",
  ],
  "large-60k": [
    "GET /report?range=all HTTP/1.1",
    "Host: 127.0.0.1:18080",
    "User-Agent: curl/7.88.1",
    "Accept: */*",
    ...Array.from(
      { length: 7 },
      (_, i) => `X-Pad-${i}: ${"abcdefghijklmnopqrstuvwxyz0123456789".repeat(233)}`,
    ),
  ],
};

function recorder() {
  const packets = [];
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 4 && buf.length >= 4 + buf.readUInt16LE(1)) {
        packets.push(buf.subarray(0, 4 + buf.readUInt16LE(1)));
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    });
    socket.on("error", () => socket.destroy());
  });
  return { server, packets };
}

function send(port, lines) {
  return new Promise((resolve, reject) => {
    // write, not end: nginx takes a half-closed client for an aborted request.
    const s = connect({ host: "127.0.0.1", port }, () =>
      s.write(`${[...lines, "Connection: close"].join("\r\n")}\r\n\r\n`),
    );
    const chunks = [];
    s.on("data", (c) => chunks.push(c));
    s.on("error", reject);
    s.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
  });
}

const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-capture-"));
const { server, packets } = recorder();
let nginx;
try {
  await new Promise((r) => server.listen(RECORDER_PORT, "127.0.0.1", r));
  const conf = join(dir, "nginx.conf");
  const t = (n) => `${n}_temp_path ${join(dir, n)};`;
  writeFileSync(
    conf,
    `${process.getuid() === 0 ? "user root;" : ""} daemon off; worker_processes 1; pid ${join(dir, "pid")};
     error_log ${join(dir, "error.log")}; events {}
     http { access_log off; ${t("client_body")} ${t("proxy")} ${t("fastcgi")} ${t("uwsgi")} ${t("scgi")}
       large_client_header_buffers 8 64k;
       server { listen 127.0.0.1:${NGINX_PORT}; server_name localhost;
         location / { include /etc/nginx/uwsgi_params; uwsgi_pass 127.0.0.1:${RECORDER_PORT}; } } }`,
  );
  nginx = spawn("nginx", ["-p", dir, "-c", conf, "-e", join(dir, "error.log")], {
    detached: true,
    stdio: "inherit",
  });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((r) =>
      connect({ host: "127.0.0.1", port: NGINX_PORT })
        .on("connect", function () {
          this.destroy();
          r(true);
        })
        .on("error", () => r(false)),
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  for (const [name, lines] of Object.entries(REQUESTS)) {
    const before = packets.length;
    const answer = await send(NGINX_PORT, lines);
    if (!answer.startsWith("HTTP/1.1 200") || packets.length !== before + 1)
      throw new Error(`${name}: ${answer.slice(0, 200)}`);
    const packet = packets[before];
    writeFileSync(new URL(`${name}.hex`, out), `${packet.toString("hex")}\n`);
    console.log(`${name}: datasize ${packet.readUInt16LE(1)}`);
  }
} finally {
  if (nginx?.pid)
    try {
      process.kill(-nginx.pid, "SIGKILL");
    } catch {}
  server.close();
  rmSync(dir, { recursive: true, force: true });
}
