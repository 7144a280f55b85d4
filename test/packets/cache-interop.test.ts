// uWSGI's cache from outside, against real uWSGI 2.0.21 (Debian's cache plugin): UwsgiCache
// (the magic interface, modifier2 17) and the simple commands, each 2.0.x quirk shown as uWSGI
// really answers, and every write checked from the Python side (uwsgi.cache_get) and the other
// way round.
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawExchange } from "../../scripts/lib/raw-exchange.mjs";
import {
  CACHE_GET_PREFIX_SIZE,
  encodeCachePacket,
  encodeCacheRequest,
  readCacheDumpHead,
} from "../../src/index.js";
import { UwsgiCache } from "../../src/node.js";
import { type PacketsPeer, startPacketsUwsgi } from "./support/uwsgi-app.js";

let uwsgi: PacketsPeer;
let shared: UwsgiCache;
let main: UwsgiCache;

beforeAll(async () => {
  uwsgi = await startPacketsUwsgi();
  shared = new UwsgiCache({ host: uwsgi.host, port: uwsgi.port, cache: "shared" });
  main = new UwsgiCache({ host: uwsgi.host, port: uwsgi.port });
});

afterAll(async () => {
  await uwsgi?.stop();
});

/** What the Python side sees: uwsgi.cache_get / cache_exists in the app. */
async function pythonGet(key: string, cache?: string): Promise<Buffer | null> {
  const query = `key=${encodeURIComponent(key)}${cache === undefined ? "" : `&cache=${cache}`}`;
  const { status, body } = await uwsgi.route("/cache/get", query);
  expect(status).toBe(200);
  const out = JSON.parse(body.toString()) as { value: string | null; exists: boolean };
  expect(out.exists).toBe(out.value !== null);
  return out.value === null ? null : Buffer.from(out.value, "hex");
}

async function pythonSet(key: string, value: Buffer, cache: string, extra = ""): Promise<boolean> {
  const { body } = await uwsgi.route("/cache/set", `key=${key}&cache=${cache}${extra}`, value);
  return (JSON.parse(body.toString()) as { ok: boolean }).ok;
}

const BINARY = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x80]);

describe("UwsgiCache (magic interface) seen from Python, and Python's writes seen from Node", () => {
  it("set: Python's uwsgi.cache_get reads the bytes Node stored", async () => {
    expect(await shared.set("n1", BINARY)).toBe(true);
    expect(await pythonGet("n1", "shared")).toEqual(BINARY);
    // The other cache does not have it.
    expect(await pythonGet("n1", "main")).toBeNull();
  });

  it("get: Node reads what Python stored with uwsgi.cache_set", async () => {
    expect(await pythonSet("p1", Buffer.from("from python"), "shared")).toBe(true);
    expect((await shared.get("p1"))?.toString()).toBe("from python");
    expect(await shared.has("p1")).toBe(true);
  });

  it("set of a key that exists fails (quirk: uWSGI keeps the item); update replaces it", async () => {
    expect(await shared.set("k2", "first")).toBe(true);
    expect(await shared.set("k2", "second")).toBe(false);
    expect((await pythonGet("k2", "shared"))?.toString()).toBe("first");
    expect(await shared.update("k2", "third")).toBe(true);
    expect((await pythonGet("k2", "shared"))?.toString()).toBe("third");
  });

  it("delete, has, and a miss (uWSGI closes without a byte)", async () => {
    expect(await shared.set("d1", "x")).toBe(true);
    expect(await shared.delete("d1")).toBe(true);
    expect(await pythonGet("d1", "shared")).toBeNull();
    expect(await shared.delete("d1")).toBe(false);
    expect(await shared.has("d1")).toBe(false);
    expect(await shared.get("d1")).toBeUndefined();
  });

  it("expires: uWSGI answers an absolute unix time", async () => {
    const before = Math.floor(Date.now() / 1000);
    expect(await shared.set("e1", "soon", { expires: 100 })).toBe(true);
    const entry = await shared.entry("e1");
    expect(entry?.value.toString()).toBe("soon");
    expect(entry!.expires).toBeGreaterThanOrEqual(before + 99);
    expect(entry!.expires).toBeLessThanOrEqual(before + 102);
    expect((await shared.entry("n1"))?.expires).toBe(0);
  });

  it("Python's expiry is seen from Node", async () => {
    const before = Math.floor(Date.now() / 1000);
    expect(await pythonSet("e2", Buffer.from("py"), "shared", "&expires=50")).toBe(true);
    const entry = await shared.entry("e2");
    expect(entry!.expires).toBeGreaterThanOrEqual(before + 49);
  });

  it("without a cache name, uWSGI uses its first cache (main)", async () => {
    expect(await main.set("first", "in main")).toBe(true);
    expect((await pythonGet("first", "main"))?.toString()).toBe("in main");
    expect(await pythonGet("first", "shared")).toBeNull();
  });

  it("a value of 100000 bytes round-trips through a cache with 128 KiB blocks", async () => {
    const big = Buffer.alloc(100_000, 0x5a);
    big.write("start", 0);
    expect(await shared.update("big", big)).toBe(true);
    expect((await shared.get("big"))?.equals(big)).toBe(true);
    expect((await pythonGet("big", "shared"))?.equals(big)).toBe(true);
  });

  it("what uWSGI refuses resolves false: an empty value, one over the block size, an unknown cache", async () => {
    expect(await shared.set("empty", "")).toBe(false);
    expect(await main.set("huge", Buffer.alloc(5000))).toBe(false);
    const nowhere = new UwsgiCache({ port: uwsgi.port, cache: "nowhere" });
    expect(await nowhere.set("k", "v")).toBe(false);
    expect(await nowhere.get("k")).toBeUndefined();
  });

  it("clear empties the first cache", async () => {
    expect(await main.set("c1", "x")).toBe(true);
    expect(await main.clear()).toBe(true);
    expect(await pythonGet("c1", "main")).toBeNull();
  });

  it("clear of another cache leaves items (quirk: it walks the first cache's slot count)", async () => {
    // shared has 64 slots, main 16: clear answers ok but empties slots 1-15 of shared only, and
    // new items take the highest free slots first.
    const keys = Array.from({ length: 40 }, (_, i) => `f${i}`);
    for (const key of keys) expect(await shared.update(key, key)).toBe(true);
    expect(await shared.clear()).toBe(true);
    let left = 0;
    for (const key of keys) if (await shared.has(key)) left++;
    expect(left).toBeGreaterThan(0);
  });

  it("an unknown magic cmd: uWSGI closes without a byte", async () => {
    const packet = encodeCacheRequest({ command: "get", key: "n1", cache: "shared" });
    // Same length, another command: "got" instead of "get".
    const bad = Buffer.from(packet);
    bad.write("got", bad.indexOf("get"), "latin1");
    expect((await rawExchange(uwsgi.port, bad)).length).toBe(0);
  });
});

describe("the simple commands (modifier2 0-6) and their 2.0.x quirks, as uWSGI answers them", () => {
  beforeAll(async () => {
    expect(await main.update("s1", "simple")).toBe(true);
  });

  it("get (0): 4 bytes of a pointer instead of the [111, len, 0] header, then the value", async () => {
    const answer = await rawExchange(uwsgi.port, encodeCachePacket({ modifier2: 0, key: "s1" }));
    expect(answer.length).toBe(CACHE_GET_PREFIX_SIZE + 6);
    expect(answer.subarray(CACHE_GET_PREFIX_SIZE).toString()).toBe("simple");
    expect(answer.subarray(0, 4).toString("hex")).not.toBe("6f060000");
  });

  it("get (0) of a missing key: closed without a byte", async () => {
    const answer = await rawExchange(uwsgi.port, encodeCachePacket({ modifier2: 0, key: "nope" }));
    expect(answer.length).toBe(0);
  });

  it("get-stream (5): 4 pointer bytes then the value; a miss sends the 4 bytes alone", async () => {
    const hit = await rawExchange(uwsgi.port, encodeCachePacket({ modifier2: 5, key: "s1" }));
    expect(hit.subarray(CACHE_GET_PREFIX_SIZE).toString()).toBe("simple");
    const miss = await rawExchange(uwsgi.port, encodeCachePacket({ modifier2: 5, key: "nope" }));
    expect(miss.length).toBe(CACHE_GET_PREFIX_SIZE);
  });

  it("set (1): no answer; stored in the first cache; an existing key is kept", async () => {
    const set = (v: string) => encodeCachePacket({ modifier2: 1, key: "s2", value: v });
    expect((await rawExchange(uwsgi.port, set("one"))).length).toBe(0);
    expect((await pythonGet("s2", "main"))?.toString()).toBe("one");
    expect((await rawExchange(uwsgi.port, set("two"))).length).toBe(0);
    expect((await pythonGet("s2", "main"))?.toString()).toBe("one");
  });

  it("del (2): no answer; the item is gone", async () => {
    const answer = await rawExchange(uwsgi.port, encodeCachePacket({ modifier2: 2, key: "s2" }));
    expect(answer.length).toBe(0);
    expect(await pythonGet("s2", "main")).toBeNull();
  });

  it("dict get (3, 4): key= never answers, get= always answers 404 (the key length is shadowed)", async () => {
    for (const modifier2 of [3, 4] as const) {
      const byKey = await rawExchange(uwsgi.port, encodeCachePacket({ modifier2, key: "s1" }));
      expect(byKey.length).toBe(0);
      const byGet = await rawExchange(
        uwsgi.port,
        encodeCachePacket({ modifier2, key: "s1", field: "get" }),
      );
      expect(byGet.toString("latin1")).toMatch(/^HTTP\/1\.0 404 Not Found\r\n/);
    }
  });

  it("dump (6): [111, n, 7], items and blocksize, then the raw item table", async () => {
    const answer = await rawExchange(
      uwsgi.port,
      encodeCachePacket({ modifier2: 6, cache: "main" }),
    );
    const head = readCacheDumpHead(answer);
    expect(head).toMatchObject({ ready: true, items: 16, blocksize: 4096 });
    if (!head.ready) throw new Error("unreachable");
    // The table holds at least the items' blocks.
    expect(answer.length - head.headLength).toBeGreaterThanOrEqual(16 * 4096);
  });
});

describe("UDP cache sync (modifier2 10, 11) into uWSGI's cache sync server", () => {
  async function datagram(bytes: Uint8Array): Promise<void> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) =>
      socket.send(bytes, uwsgi.syncPort, "127.0.0.1", (err) => (err ? reject(err) : resolve())),
    );
    socket.close();
  }

  // The sync server binds in a thread of its own, maybe after uWSGI's socket is up, and a
  // datagram sent before is lost: send again until the change shows (sync is idempotent).
  async function until(bytes: Uint8Array, check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 100; i++) {
      await datagram(bytes);
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("the cache never showed the change");
  }

  it("a sync set stores the item, a sync delete removes it", async () => {
    const set = encodeCachePacket({ modifier2: 10, key: "u1", value: "synced!" });
    await until(set, async () => (await pythonGet("u1", "synced"))?.toString() === "synced!");
    await until(encodeCachePacket({ modifier2: 11, key: "u1" }), async () => {
      return (await pythonGet("u1", "synced")) === null;
    });
  });

  it("uWSGI's own sync delete (the key alone) is dropped by uWSGI's receiver (quirk)", async () => {
    const set = encodeCachePacket({ modifier2: 10, key: "u2", value: "stays" });
    await until(set, async () => (await pythonGet("u2", "synced"))?.toString() === "stays");
    // What cache_send_udp_command writes for a delete: [111, 2 + keylen, 11] + the key item.
    const own = Buffer.from("6f04000b02007532", "hex");
    for (let i = 0; i < 5; i++) await datagram(own);
    // A sync set sent after it is applied, so the delete before it was read and dropped.
    const marker = encodeCachePacket({ modifier2: 10, key: "u3", value: "after" });
    await until(marker, async () => (await pythonGet("u3", "synced"))?.toString() === "after");
    expect((await pythonGet("u2", "synced"))?.toString()).toBe("stays");
  });
});
