#!/usr/bin/env node
// Records chunked request bodies on the uwsgi wire into fixtures/captures/chunked/: real
// uWSGI 2.0's http router (`--http-chunked-input`) in front of a real uWSGI running
// fixtures/apps/chunked_echo.py (which reads the body with uwsgi.chunked_read()). For an upload
// of unknown length the router sends the vars with HTTP_TRANSFER_ENCODING: chunked and no
// CONTENT_LENGTH, then the chunked stream as the client sent it. dumpcap records the uwsgi side
// on loopback (chunked.pcapng); expected.json has what was sent and what the app read (in a
// directory of its own, beside fixtures/captures/expected.json, which is the nginx captures').
//
// Usage: node scripts/make-chunked-capture.mjs
// Needs: uwsgi (Debian uwsgi-core with the http plugin, uwsgi-plugin-python3), dumpcap; runs as
// root (capture rights).
import { createHash } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chunkedBody, patternBytes } from "./lib/bodies.mjs";
import { Daemons, requireBinaries, sleep } from "./lib/daemons.mjs";
import { freePort, waitForPort } from "./lib/ports.mjs";
import { uwsgiAppArgs } from "./lib/uwsgi-args.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "fixtures", "captures", "chunked");

requireBinaries(["uwsgi", "dumpcap"], "uwsgi-core uwsgi-plugin-python3 tshark");

const sha256 = (b) => createHash("sha256").update(b).digest("hex");

const daemons = new Daemons();

/** `body` as HTTP/1.1 chunks of the given sizes, then the rest in one, then the last chunk. */
const chunked = (body, sizes) =>
  chunkedBody(body, [...sizes, body.length - sizes.reduce((a, b) => a + b, 0)]);

/**
 * One HTTP/1.1 request on its own connection, written in `writes` pieces with a pause between
 * them (so the router forwards them as they come); resolves the whole answer once it is closed.
 */
function httpExchange(port, head, writes) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const s = connect({ host: "127.0.0.1", port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error("no answer"));
    }, 10_000);
    s.on("connect", async () => {
      s.write(head);
      for (const w of writes) {
        await sleep(20);
        s.write(w);
      }
    });
    s.on("data", (c) => chunks.push(c));
    s.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
    s.on("close", () => {
      clearTimeout(t);
      resolve(Buffer.concat(chunks));
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-chunked-"));
const cleanup = async () => {
  await daemons.stopAll();
  rmSync(dir, { recursive: true, force: true });
};
process.on("SIGINT", () => cleanup().then(() => process.exit(130)));

try {
  const uwsgiPort = await freePort();
  const httpPort = await freePort();
  daemons.start(
    "uwsgi",
    [...uwsgiAppArgs({ port: uwsgiPort, app: "fixtures/apps/chunked_echo.py", dir }), "--master"],
    dir,
  );
  daemons.start(
    "uwsgi",
    [
      ...["--master", "--processes", "1", "--die-on-term", "--chdir", dir],
      "--plugin",
      "http",
      "--http",
      `127.0.0.1:${httpPort}`,
      "--http-to",
      `127.0.0.1:${uwsgiPort}`,
      "--http-chunked-input",
    ],
    dir,
  );
  await waitForPort(uwsgiPort);
  await waitForPort(httpPort);

  const file = join(dir, "chunked.pcapng");
  const dumpcap = await daemons.startDumpcap(
    ["-i", "lo", "-f", `tcp port ${uwsgiPort}`],
    file,
    dir,
  );
  await sleep(300);

  const requests = [];
  const send = async (what, path, body, wire, writes) => {
    const head = `POST ${path} HTTP/1.1\r\nHost: chunked.test\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n`;
    // The wire bytes in `writes` pieces of about equal size.
    const pieces = [];
    const step = Math.ceil(wire.length / writes);
    for (let off = 0; off < wire.length; off += step) pieces.push(wire.subarray(off, off + step));
    const answer = await httpExchange(httpPort, head, pieces);
    const text = answer.toString("latin1");
    const sep = text.indexOf("\r\n\r\n");
    const status = sep < 0 ? null : Number(text.slice(9, 12));
    let app = null;
    try {
      app = JSON.parse(text.slice(sep + 4));
    } catch {
      // Not the app's JSON (an error page).
    }
    requests.push({
      what,
      path,
      body_length: body?.length ?? null,
      body_sha256: body === null ? null : sha256(body),
      wire_length: wire.length,
      status,
      app,
    });
  };

  const big = patternBytes(47_392, 11);
  await send(
    "a 47392-byte body in chunks of 1, 1000, 16384, 7, then the rest",
    "/upload/odd",
    big,
    chunked(big, [1, 1000, 16_384, 7]),
    4,
  );
  const hello = Buffer.from("hello, chunked world");
  await send("one chunk", "/upload/one", hello, chunked(hello, []), 1);
  await send(
    "no data: the last chunk alone",
    "/upload/empty",
    Buffer.alloc(0),
    chunked(Buffer.alloc(0), []),
    1,
  );
  const ext = Buffer.from("with extensions and a trailer");
  const extWire = Buffer.from(
    `5;name=value\r\n${ext.subarray(0, 5).toString("latin1")}\r\n${(ext.length - 5).toString(16)}\r\n${ext.subarray(5).toString("latin1")}\r\n0\r\nX-Trailer: yes\r\n\r\n`,
    "latin1",
  );
  await send("a chunk extension and a trailer field", "/upload/ext", ext, extWire, 1);
  const bad = Buffer.from("5\r\nhello\r\nzz\r\nnot hex\r\n0\r\n\r\n", "latin1");
  await send("a chunk size that is not hex (INVALID_CHUNK)", "/upload/bad", null, bad, 1);

  await sleep(500);
  await daemons.stop(dumpcap, "SIGINT");
  mkdirSync(OUT, { recursive: true });
  copyFileSync(file, join(OUT, "chunked.pcapng"));
  chmodSync(join(OUT, "chunked.pcapng"), 0o644);
  writeFileSync(
    join(OUT, "expected.json"),
    `${JSON.stringify({ note: "written by scripts/make-chunked-capture.mjs", uwsgiPort, httpPort, requests }, null, 1)}\n`,
  );
  for (const r of requests) console.log(r.status, r.what, JSON.stringify(r.app));
} finally {
  await cleanup();
}
