#!/usr/bin/env node
// Records real uwsgi traffic into fixtures/captures/: real nginx (uwsgi_pass) in front of real
// uWSGI 2.0 running fixtures/apps/environ_echo.py, plus a uwsgi client written here (a direct
// request and a ping), captured by dumpcap on loopback (Ethernet link type) as pcapng and classic
// pcap, and on "any" as Linux cooked v1 (SLL) and v2 (SLL2). Writes expected.json: every request's
// environ as the app answered it, the body's SHA-256, and what came back.
//
// Usage: node scripts/make-captures.mjs            (writes fixtures/captures/*)
//        node scripts/make-captures.mjs --big[=MiB] [--out FILE]
//          a large pcapng (default 100 MiB) of the same kinds of requests, to a temp path
//          (printed), for scripts/capture-throughput.mjs; never committed.
// Needs: uwsgi (+ python3 and ping plugins), nginx, dumpcap; runs as root (capture rights).
import { createHash } from "node:crypto";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { patternBytes } from "./lib/bodies.mjs";
import { Daemons, requireBinaries, sleep } from "./lib/daemons.mjs";
import { nginxArgs, writeNginxConf } from "./lib/nginx-conf.mjs";
import { freePort, waitForPort } from "./lib/ports.mjs";
import { rawExchange } from "./lib/raw-exchange.mjs";
import { uwsgiAppArgs } from "./lib/uwsgi-args.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "fixtures", "captures");

requireBinaries(
  ["uwsgi", "nginx", "dumpcap"],
  "uwsgi-core uwsgi-plugin-python3 nginx-light tshark",
);

const args = process.argv.slice(2);
const bigArg = args.find((a) => a === "--big" || a.startsWith("--big="));
const bigMiB = bigArg === undefined ? 0 : Number(bigArg.split("=")[1] ?? 100);
const outIndex = args.indexOf("--out");
const bigOut =
  outIndex >= 0 ? args[outIndex + 1] : join(tmpdir(), `uwsgi-codec-big-${bigMiB}MiB.pcapng`);

const daemons = new Daemons();

function encodeVars(pairs) {
  const parts = [];
  for (const [k, v] of pairs) {
    const kb = Buffer.from(k, "latin1");
    const vb = Buffer.isBuffer(v) ? v : Buffer.from(v, "latin1");
    const h = Buffer.alloc(2);
    h.writeUInt16LE(kb.length);
    const h2 = Buffer.alloc(2);
    h2.writeUInt16LE(vb.length);
    parts.push(h, kb, h2, vb);
  }
  return Buffer.concat(parts);
}
function packet(modifier1, data, modifier2 = 0) {
  const h = Buffer.from([modifier1, data.length & 0xff, data.length >> 8, modifier2]);
  return Buffer.concat([h, data]);
}

function httpExchange(port, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, headers, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

const sha256 = (b) => createHash("sha256").update(b).digest("hex");

const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-captures-"));
const cleanup = async () => {
  await daemons.stopAll();
  rmSync(dir, { recursive: true, force: true });
};
process.on("SIGINT", () => cleanup().then(() => process.exit(130)));

try {
  const uwsgiPort = await freePort();
  const nginxPort = await freePort();
  daemons.start(
    "uwsgi",
    [
      ...uwsgiAppArgs({ port: uwsgiPort, app: "fixtures/apps/environ_echo.py", dir }),
      ...["--plugin", "ping"],
    ],
    dir,
  );
  writeNginxConf(dir, {
    http: `  client_max_body_size 0;
  large_client_header_buffers 8 64k;
  server {
    listen 127.0.0.1:${nginxPort};
    server_name localhost;
    location / {
      include /etc/nginx/uwsgi_params;
      uwsgi_pass 127.0.0.1:${uwsgiPort};
    }
  }`,
  });
  daemons.start("nginx", nginxArgs(dir), dir);
  await waitForPort(uwsgiPort);
  await waitForPort(nginxPort);

  const both = `tcp port ${nginxPort} or tcp port ${uwsgiPort}`;
  const onlyUwsgi = `tcp port ${uwsgiPort}`;
  const captures =
    bigMiB > 0
      ? [{ name: "big", file: bigOut, argv: ["-i", "lo", "-f", both] }]
      : [
          { name: "lo.pcapng", argv: ["-i", "lo", "-f", both] },
          { name: "lo.pcap", argv: ["-i", "lo", "-f", both, "-P"] },
          { name: "any-sll.pcap", argv: ["-i", "any", "-y", "LINUX_SLL", "-f", onlyUwsgi, "-P"] },
          { name: "any-sll2.pcapng", argv: ["-i", "any", "-y", "LINUX_SLL2", "-f", onlyUwsgi] },
        ];
  const dumpcaps = [];
  for (const c of captures) {
    const file = c.file ?? join(dir, c.name);
    dumpcaps.push({ ...c, file, d: await daemons.startDumpcap(c.argv, file, dir) });
  }
  await sleep(300);

  const expected = [];
  let reqId = 0;
  const manyHeaders = {};
  for (let i = 0; i < 30; i++) manyHeaders[`X-Header-${i}`] = `value ${i} ${"v".repeat(i * 3)}`;
  const viaNginx = async (method, path, headers, body) => {
    const id = ++reqId;
    const res = await httpExchange(
      nginxPort,
      method,
      path,
      { ...headers, "X-Req-Id": String(id) },
      body,
    );
    const json =
      res.status === 200 || res.status === 404 ? JSON.parse(res.body.toString("utf8")) : null;
    expected.push({
      id,
      via: "nginx",
      method,
      path,
      modifier1: 0,
      status: res.status,
      answer_body_length: res.body.length,
      answer_body_sha256: sha256(res.body),
      environ: json?.environ ?? null,
      body_length: body?.length ?? 0,
      body_sha256: sha256(body ?? Buffer.alloc(0)),
    });
  };

  if (bigMiB > 0) {
    // Mixed traffic until the capture file is big enough: POSTs of 256 KiB and small GETs.
    const target = bigMiB * 1024 * 1024;
    const body = patternBytes(256 * 1024, 7);
    let n = 0;
    while ((statSync(bigOut, { throwIfNoEntry: false })?.size ?? 0) < target) {
      const batch = [];
      for (let i = 0; i < 8; i++) {
        n++;
        batch.push(
          n % 4 === 0
            ? httpExchange(
                nginxPort,
                "POST",
                `/upload/${n}`,
                { "Content-Type": "application/octet-stream" },
                body,
              )
            : httpExchange(nginxPort, "GET", `/page/${n}?q=${n}`, manyHeaders),
        );
      }
      await Promise.all(batch);
    }
    console.error(`${n} requests`);
  } else {
    await viaNginx("GET", "/index.html?a=1&b=two", { "User-Agent": "curl/7.88.1", Accept: "*/*" });
    await viaNginx("GET", "/many/headers", manyHeaders);
    for (const [i, size] of [10, 1024, 16 * 1024, 100 * 1024].entries()) {
      await viaNginx(
        "POST",
        `/upload/${size}`,
        { "Content-Type": "application/octet-stream" },
        patternBytes(size, i + 1),
      );
    }
    await viaNginx("GET", "/status/404", {});
    // A uwsgi client of our own, straight to uWSGI: a request with a body and bytes >= 0x80,
    // then a ping (modifier1 100), whose answer is the packet 64 00 00 01.
    const directBody = Buffer.from("direct body \u00e9\u00e8", "latin1");
    const id = ++reqId;
    const vars = [
      ["REQUEST_METHOD", "PUT"],
      ["REQUEST_URI", "/direct?x=\u00ff"],
      ["PATH_INFO", "/direct"],
      ["QUERY_STRING", "x=\u00ff"],
      ["SERVER_NAME", "direct.test"],
      ["SERVER_PORT", String(uwsgiPort)],
      ["SERVER_PROTOCOL", "HTTP/1.1"],
      ["CONTENT_LENGTH", String(directBody.length)],
      ["HTTP_X_REQ_ID", String(id)],
      ["HTTP_X_EMPTY", ""],
    ];
    const answer = await rawExchange(
      uwsgiPort,
      Buffer.concat([packet(0, encodeVars(vars)), directBody]),
    );
    const sep = answer.indexOf("\r\n\r\n");
    const answerBody = answer.subarray(sep + 4);
    const json = JSON.parse(answerBody.toString("utf8"));
    expected.push({
      id,
      via: "direct",
      method: "PUT",
      path: "/direct",
      modifier1: 0,
      status: Number(answer.toString("latin1", 9, 12)),
      answer_body_length: answerBody.length,
      answer_body_sha256: sha256(answerBody),
      environ: json.environ,
      body_length: directBody.length,
      body_sha256: sha256(directBody),
    });
    const pong = await rawExchange(uwsgiPort, packet(100, Buffer.alloc(0)));
    expected.push({ id: ++reqId, via: "direct", modifier1: 100, answer_hex: pong.toString("hex") });
  }

  await sleep(500);
  for (const c of dumpcaps) await daemons.stop(c.d, "SIGINT");
  if (bigMiB > 0) {
    console.log(bigOut);
  } else {
    mkdirSync(OUT, { recursive: true });
    let total = 0;
    for (const c of dumpcaps) {
      copyFileSync(c.file, join(OUT, c.name));
      chmodSync(join(OUT, c.name), 0o644);
      total += statSync(c.file).size;
    }
    writeFileSync(
      join(OUT, "expected.json"),
      `${JSON.stringify({ uwsgiPort, nginxPort, requests: expected }, null, 1)}\n`,
    );
    console.log(`wrote ${dumpcaps.length} captures (${total} bytes) and expected.json to ${OUT}`);
  }
} finally {
  await cleanup();
}
