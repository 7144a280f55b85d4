#!/usr/bin/env node
// Records uWSGI's special packets into fixtures/captures/packets.pcapng and writes
// fixtures/captures/packets-expected.json. Real uWSGI 2.0 runs fixtures/apps/packets_app.py with
// the rpc, cache, signal, spooler, echo and ping plugins and subscribes over UDP to a port of
// ours; the package's own clients (from dist/: run `npm run build` first) call it; a Node RPC
// server of ours is called by uWSGI's own client (uwsgi.rpc), and uWSGI's own remote cache client
// (uwsgi.cache_get(key, "cache@host:port")) calls uWSGI; dumpcap records it all on loopback.
//
// Usage: npm run build && node scripts/make-packet-captures.mjs
// Needs: uwsgi (+ python3 and the plugins above: Debian uwsgi-core, uwsgi-plugin-python3),
// dumpcap; runs as root (capture rights).
import { createSocket } from "node:dgram";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Daemons, requireBinaries, sleep } from "./lib/daemons.mjs";
import { freePort, waitForPort } from "./lib/ports.mjs";
import { rawExchange } from "./lib/raw-exchange.mjs";
import { packetsAppArgs, uwsgiAppArgs } from "./lib/uwsgi-args.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const OUT = join(ROOT, "fixtures", "captures");
const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;

requireBinaries(["uwsgi", "dumpcap"], "uwsgi-core uwsgi-plugin-python3 tshark");
const codec = await import(dist("index.js"));
const node = await import(dist("node.js"));

const daemons = new Daemons();

async function route(port, path, query, body) {
  const res = await node.request({
    port,
    vars: {
      REQUEST_METHOD: body === undefined ? "GET" : "POST",
      PATH_INFO: path,
      QUERY_STRING: query,
      SERVER_PROTOCOL: "HTTP/1.1",
    },
    ...(body === undefined ? {} : { body }),
  });
  const chunks = [];
  for await (const c of res.body) chunks.push(c);
  return { status: res.statusCode, body: Buffer.concat(chunks) };
}

const pattern = (n) => {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = i & 0xff;
  return b;
};

const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-packet-captures-"));
const spoolDir = join(dir, "spool");
mkdirSync(spoolDir);
let rpcServer;
let udp;
const cleanup = async () => {
  await daemons.stopAll();
  rpcServer?.close();
  udp?.close();
  rmSync(dir, { recursive: true, force: true });
};
process.on("SIGINT", () => cleanup().then(() => process.exit(130)));

try {
  const uwsgiPort = await freePort();
  const nodePort = await freePort();
  const subscribePort = await freePort();
  const syncPort = await freePort();

  // Our RPC server, called by uWSGI's own client.
  rpcServer = node.createRpcServer({
    upper: (a) => a.toString("latin1").toUpperCase(),
    big: (n) => pattern(Number(n)),
  });
  await new Promise((r) => rpcServer.listen(nodePort, "127.0.0.1", r));
  // Something listens where uWSGI subscribes, so no ICMP "unreachable" answers its datagrams.
  udp = createSocket("udp4");
  udp.on("message", () => {});
  await new Promise((r) => udp.bind(subscribePort, "127.0.0.1", r));

  const filter = [
    `tcp port ${uwsgiPort}`,
    `tcp port ${nodePort}`,
    `udp port ${subscribePort}`,
    `udp port ${syncPort}`,
  ].join(" or ");
  const file = join(dir, "packets.pcapng");
  const dumpcap = await daemons.startDumpcap(["-i", "lo", "-f", filter], file, dir);

  const uwsgi = daemons.start(
    "uwsgi",
    [
      ...uwsgiAppArgs({ port: uwsgiPort, app: "fixtures/apps/packets_app.py", dir }),
      ...packetsAppArgs({ syncPort, spoolDir }),
      "--subscribe-to",
      `127.0.0.1:${subscribePort}:packets.test`,
      "--subscribe-freq",
      "1",
    ],
    dir,
  );
  await waitForPort(uwsgiPort);
  await sleep(500);

  const at = { port: uwsgiPort };
  const cache = new node.UwsgiCache({ ...at, cache: "shared" });
  const log = [];
  const step = async (what, fn) => {
    const result = await fn().then(
      (value) => ({ ok: true, value }),
      (err) => ({ ok: false, error: err.code ?? err.message }),
    );
    const shown = Buffer.isBuffer(result.value)
      ? { length: result.value.length, hex: result.value.subarray(0, 64).toString("hex") }
      : result.value;
    log.push({
      id: log.length + 1,
      what,
      ...(result.ok ? { result: shown ?? null } : { error: result.error }),
    });
  };

  await step("rpc hello(a, bc): framed answer", () => node.rpc(at, "hello", "a", "bc"));
  await step("rpc big(70000): modifier2 5 answer", () => node.rpc(at, "big", "70000"));
  await step("rpc hello(x), modifier2 1: raw answer", () =>
    node.rpc({ ...at, raw: true }, "hello", "x"),
  );
  await step("rpc nosuch(): uWSGI closes", () => node.rpc(at, "nosuch"));
  await step("cache set x=hello in shared", () => cache.set("x", "hello"));
  await step("cache get x from shared", () => cache.get("x"));
  await step("cache exists x", () => cache.has("x"));
  await step("cache update x with expires", () => cache.update("x", "abc", { expires: 100 }));
  await step("cache get x with expires", () => cache.entry("x").then((e) => e?.value));
  await step("cache delete x", () => cache.delete("x"));
  await step("cache get x: a miss, uWSGI closes", () => cache.get("x"));
  await step("cache simple set (modifier2 1) k1=v1", () =>
    rawExchange(uwsgiPort, codec.encodeCachePacket({ modifier2: 1, key: "k1", value: "v1" })),
  );
  await step("cache simple get (modifier2 0) k1: 4 pointer bytes, then the value", () =>
    rawExchange(uwsgiPort, codec.encodeCachePacket({ modifier2: 0, key: "k1" })),
  );
  await step("signal 17", () => node.raiseSignal(at, 17));
  await step("spooler job", () => node.spool(at, { job: "captured", n: "1" }));
  await step("echo", () => node.echo(at, Buffer.from("hello echo")));
  await step("ping", () => node.ping(at).then((r) => r.alive));
  await step("python calls node: uwsgi.rpc upper(abc)", () =>
    route(uwsgiPort, "/rpc", `node=127.0.0.1:${nodePort}&fn=upper&arg=abc`).then((r) => r.body),
  );
  await step("python calls node: uwsgi.rpc big(100000), a modifier2 5 answer from Node", () =>
    route(uwsgiPort, "/rpc", `node=127.0.0.1:${nodePort}&fn=big&arg=100000`).then((r) => r.body),
  );
  await step("python remote cache set through uWSGI's own client (size sent twice)", () =>
    route(
      uwsgiPort,
      "/cache/set",
      `key=r1&cache=shared@127.0.0.1:${uwsgiPort}`,
      Buffer.from("remote"),
    ).then((r) => r.body),
  );
  await step("python remote cache get through uWSGI's own client", () =>
    route(uwsgiPort, "/cache/get", `key=r1&cache=shared@127.0.0.1:${uwsgiPort}`).then(
      (r) => r.body,
    ),
  );
  await step("cache sync set datagram (UDP, modifier2 10)", async () => {
    const s = createSocket("udp4");
    const bytes = codec.encodeCachePacket({ modifier2: 10, key: "u1", value: "synced" });
    await new Promise((r) => s.send(bytes, syncPort, "127.0.0.1", r));
    s.close();
    return bytes;
  });
  // At least two subscription announcements (every second), then uWSGI's unsubscribe on exit.
  await sleep(2500);
  await daemons.stop(uwsgi);
  await sleep(300);
  await daemons.stop(dumpcap, "SIGINT");

  copyFileSync(file, join(OUT, "packets.pcapng"));
  const expected = {
    note: "written by scripts/make-packet-captures.mjs; what each step got back",
    ports: {
      uwsgi: uwsgiPort,
      nodeRpc: nodePort,
      subscription: subscribePort,
      cacheSync: syncPort,
    },
    steps: log,
  };
  writeFileSync(join(OUT, "packets-expected.json"), `${JSON.stringify(expected, null, 2)}\n`);
  console.error(
    `wrote ${join(OUT, "packets.pcapng")} and packets-expected.json (${log.length} steps)`,
  );
} finally {
  await cleanup();
}
