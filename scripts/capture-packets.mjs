#!/usr/bin/env node
// Captures the packets real nginx (Debian nginx-light 1.22, stock uwsgi_params) writes for five
// realistic requests, into fixtures/packets/*.hex (header + vars block, one line of hex; the body
// nginx sends after a POST's packet is read and dropped: fixtures/scenarios.json describes it).
// Usage: node scripts/capture-packets.mjs [NAME...]   (needs nginx; uses 127.0.0.1:18080 and :18081)
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nginxArgs, writeNginxConf } from "./lib/nginx-conf.mjs";
import { waitForPort } from "./lib/ports.mjs";

const NGINX_PORT = 18080; // fixed so SERVER_PORT is the same on every run
const RECORDER_PORT = 18081;
const out = new URL("../fixtures/packets/", import.meta.url);

const CHROME_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
/** The bodies of the POST scenarios, as fixtures/scenarios.json describes them. */
const scenarios = JSON.parse(
  readFileSync(new URL("../fixtures/scenarios.json", import.meta.url), "utf8"),
).scenarios;
function bodyOf(name) {
  const spec = scenarios.find((s) => s.name === name)?.body;
  if (!spec) return Buffer.alloc(0);
  const unit = Buffer.from(spec.repeat, "latin1");
  const body = Buffer.alloc(spec.length);
  for (let i = 0; i < body.length; i += unit.length) unit.copy(body, i);
  return body;
}

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
  "post-4k": [
    "POST /api/orders?draft=0 HTTP/1.1",
    "Host: 127.0.0.1:18080",
    "User-Agent: curl/7.88.1",
    "Accept: */*",
    "Content-Type: application/x-www-form-urlencoded",
    "Content-Length: 4096",
  ],
  "upload-1m": [
    "POST /upload/photo.jpg HTTP/1.1",
    "Host: 127.0.0.1:18080",
    "User-Agent: curl/7.88.1",
    "Accept: */*",
    "Content-Type: application/octet-stream",
    "Content-Length: 1048576",
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

/** CONTENT_LENGTH of a vars block (a script, so a plain walk rather than the library). */
function contentLength(packet) {
  for (let p = 4; p < packet.length; ) {
    const kl = packet.readUInt16LE(p);
    const key = packet.toString("latin1", p + 2, p + 2 + kl);
    p += 2 + kl;
    const vl = packet.readUInt16LE(p);
    if (key === "CONTENT_LENGTH") return Number(packet.toString("latin1", p + 2, p + 2 + vl) || 0);
    p += 2 + vl;
  }
  return 0;
}

function recorder() {
  const packets = [];
  const server = createServer((socket) => {
    let buf = Buffer.alloc(0);
    let packet;
    let bodyLeft = 0;
    socket.on("data", (chunk) => {
      if (packet === undefined) {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length < 4 || buf.length < 4 + buf.readUInt16LE(1)) return;
        packet = buf.subarray(0, 4 + buf.readUInt16LE(1));
        bodyLeft = contentLength(packet) - (buf.length - packet.length);
      } else {
        bodyLeft -= chunk.length;
      }
      if (bodyLeft <= 0) {
        packets.push(packet);
        socket.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      }
    });
    socket.on("error", () => socket.destroy());
  });
  return { server, packets };
}

function send(port, lines, body) {
  return new Promise((resolve, reject) => {
    // write, not end: nginx takes a half-closed client for an aborted request.
    const s = connect({ host: "127.0.0.1", port }, () =>
      s.write(
        Buffer.concat([
          Buffer.from(`${[...lines, "Connection: close"].join("\r\n")}\r\n\r\n`),
          body,
        ]),
      ),
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
  writeNginxConf(dir, {
    http: `  large_client_header_buffers 8 64k;
  client_max_body_size 2m;
  server {
    listen 127.0.0.1:${NGINX_PORT};
    server_name localhost;
    location / { include /etc/nginx/uwsgi_params; uwsgi_pass 127.0.0.1:${RECORDER_PORT}; }
  }`,
  });
  nginx = spawn("nginx", nginxArgs(dir), {
    detached: true,
    stdio: "inherit",
  });
  await waitForPort(NGINX_PORT, 100);
  const only = process.argv.slice(2);
  for (const [name, lines] of Object.entries(REQUESTS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const before = packets.length;
    const answer = await send(NGINX_PORT, lines, bodyOf(name));
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
