// The client against real uWSGI 2.0 running fixtures/apps/environ_echo.py.
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patternBytes } from "../../scripts/lib/bodies.mjs";
import { UwsgiClientError } from "../../src/client/errors.js";
import { request } from "../../src/client/request.js";
import { decodePacket, encodePacket } from "../../src/index.js";
import { sha256 } from "../support/bytes.js";
import { bodyError, readEcho, streamSha256 } from "./support/echo.js";
import { type ClientPeer, startClientPeer } from "./support/uwsgi-peer.js";

// A real collection before each memory sample, so garbage is not counted as held memory.
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let peer: ClientPeer;
beforeAll(async () => {
  peer = await startClientPeer({ unix: true });
});
afterAll(async () => {
  await peer?.stop();
});

function base(method: string, path: string, extra: [string, string][] = []): [string, string][] {
  return [
    ["REQUEST_METHOD", method],
    ["PATH_INFO", path],
    ["QUERY_STRING", ""],
    ["SERVER_NAME", "localhost"],
    ["SERVER_PORT", "80"],
    ["SERVER_PROTOCOL", "HTTP/1.1"],
    ...extra,
  ];
}

const tcp = () => ({ host: peer.host, port: peer.port });

describe("request() against real uWSGI", () => {
  it("GET: status line, headers in order, the environ the app saw", async () => {
    const res = await request({ ...tcp(), vars: base("GET", "/hello", [["HTTP_X_A", "1"]]) });
    expect([res.httpVersion, res.statusCode, res.statusMessage]).toEqual(["1.1", 200, "OK"]);
    expect(res.rawHeaders.filter((_, i) => i % 2 === 0)).toEqual([
      "Content-Type",
      "Content-Length",
    ]);
    expect(res.headers["content-type"]).toBe("application/json");
    const echo = await readEcho(res);
    expect(echo.environ.get("PATH_INFO")?.toString()).toBe("/hello");
    expect(echo.environ.get("HTTP_X_A")?.toString()).toBe("1");
    expect(echo.environ.has("CONTENT_LENGTH")).toBe(false);
    expect(echo.bodyLength).toBe(0);
    expect(Number(res.headers["content-length"])).toBeGreaterThan(100);
  });

  it("HEAD: headers, no body (uWSGI sends one anyway; it is dropped)", async () => {
    const res = await request({ ...tcp(), vars: base("HEAD", "/cookies/2") });
    expect(res.statusCode).toBe(200);
    expect(res.headers["set-cookie"]).toEqual(["c0=v0; Path=/", "c1=v1; Path=/"]);
    expect((await buffer(res.body)).length).toBe(0);
  });

  it("POST of 5 MiB from a Buffer: CONTENT_LENGTH is added, the app hashes the same bytes", async () => {
    const body = patternBytes(5 * 1024 * 1024, 1);
    const res = await request({ ...tcp(), vars: base("POST", "/upload"), body });
    const echo = await readEcho(res);
    expect(echo.environ.get("CONTENT_LENGTH")?.toString()).toBe(String(body.length));
    expect(echo.bodyLength).toBe(body.length);
    expect(echo.bodySha256).toBe(sha256(body));
  });

  it("a string body is sent as UTF-8", async () => {
    const res = await request({ ...tcp(), vars: base("POST", "/s"), body: "héllo" });
    const echo = await readEcho(res);
    expect(echo.bodySha256).toBe(sha256(Buffer.from("héllo", "utf8")));
  });

  it("a streamed body (Readable, with backpressure) of 3 MiB, length from contentLength", async () => {
    const whole = patternBytes(3 * 1024 * 1024, 7);
    let reads = 0;
    const source = new Readable({
      highWaterMark: 16 * 1024,
      read() {
        const at = reads * 16 * 1024;
        reads++;
        this.push(at < whole.length ? whole.subarray(at, at + 16 * 1024) : null);
      },
    });
    const res = await request({
      ...tcp(),
      vars: base("PUT", "/stream-up"),
      body: source,
      contentLength: whole.length,
    });
    const echo = await readEcho(res);
    expect(echo.bodyLength).toBe(whole.length);
    expect(echo.bodySha256).toBe(sha256(whole));
  });

  it("a streamed body from an async generator, length from CONTENT_LENGTH in the vars", async () => {
    async function* parts() {
      yield "abc";
      yield Buffer.from("def");
      yield new Uint8Array([0x67]);
    }
    const res = await request({
      ...tcp(),
      vars: base("POST", "/gen", [["CONTENT_LENGTH", "7"]]),
      body: parts(),
    });
    const echo = await readEcho(res);
    expect(echo.bodySha256).toBe(sha256(Buffer.from("abcdefg")));
  });

  it("60 KiB of vars (uWSGI --buffer-size 65535)", async () => {
    const big = "v".repeat(60 * 1024);
    const res = await request({ ...tcp(), vars: base("GET", "/big", [["HTTP_X_BIG", big]]) });
    const echo = await readEcho(res);
    expect(echo.environ.get("HTTP_X_BIG")?.length).toBe(big.length);
  });

  it("UTF-8 and percent-encoded paths keep their exact bytes", async () => {
    const path = Buffer.from("/café/日本", "utf8").toString("latin1");
    const res = await request({
      ...tcp(),
      vars: base("GET", path, [["REQUEST_URI", "/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%20"]]),
    });
    const echo = await readEcho(res);
    expect(echo.environ.get("PATH_INFO")?.toString("utf8")).toBe("/café/日本");
    expect(echo.environ.get("REQUEST_URI")?.toString()).toBe("/caf%C3%A9/%E6%97%A5%E6%9C%AC?q=%20");
    const utf8 = await request({ ...tcp(), vars: base("GET", "/ü"), encoding: "utf8" });
    expect((await readEcho(utf8)).environ.get("PATH_INFO")).toEqual(Buffer.from("/ü", "utf8"));
  });

  it("duplicate vars are all sent; uWSGI keeps the last", async () => {
    const vars = base("GET", "/dup", [
      ["HTTP_X_D", "first"],
      ["HTTP_X_D", "second"],
    ]);
    const res = await request({ ...tcp(), vars });
    expect((await readEcho(res)).environ.get("HTTP_X_D")?.toString()).toBe("second");
  });

  it("vars as an object, a Map, a one-shot iterable and a decoded VarsView", async () => {
    const object = Object.fromEntries(base("POST", "/obj"));
    const map = new Map(base("POST", "/map"));
    const iterable = (function* () {
      yield* base("POST", "/iter");
    })();
    const packet = decodePacket(encodePacket({ vars: base("POST", "/view") }), 0, {
      maxDatasize: 65535,
    });
    if (packet.kind !== "vars") throw new Error("unreachable");
    for (const [vars, path] of [
      [object, "/obj"],
      [map, "/map"],
      [iterable, "/iter"],
      [packet.vars, "/view"],
    ] as const) {
      const res = await request({ ...tcp(), vars, body: "xy" });
      const echo = await readEcho(res);
      expect(echo.environ.get("PATH_INFO")?.toString()).toBe(path);
      expect(echo.environ.get("CONTENT_LENGTH")?.toString()).toBe("2");
      expect(echo.bodyLength).toBe(2);
    }
    const same = await request({ ...tcp(), vars: packet.vars });
    expect((await readEcho(same)).environ.get("PATH_INFO")?.toString()).toBe("/view");
  });

  it("200 Set-Cookie headers, all kept, in order", async () => {
    const res = await request({ ...tcp(), vars: base("GET", "/cookies/200") });
    const cookies = res.headers["set-cookie"]!;
    expect(cookies).toHaveLength(200);
    expect(cookies.map((c) => c.split(";")[0])).toEqual(
      Array.from({ length: 200 }, (_, i) => `c${i}=v${i}`),
    );
    expect(res.rawHeaders.slice(4, 6)).toEqual(["Set-Cookie", "c0=v0; Path=/"]);
    await readEcho(res);
  });

  for (const cl of [false, true]) {
    it(`a streamed 50 MiB answer ${cl ? "with Content-Length" : "until close"}: hash, bounded memory`, async () => {
      const n = 50 * 1024 * 1024;
      const res = await request({
        ...tcp(),
        vars: base("GET", `/stream/${n}`, [["QUERY_STRING", cl ? "cl=1" : ""]]),
      });
      expect(res.headers["content-length"]).toBe(cl ? String(n) : undefined);
      const { createHash } = await import("node:crypto");
      const hash = createHash("sha256");
      gc();
      const before = process.memoryUsage().arrayBuffers;
      let peakBuffered = 0;
      let peakMemory = 0;
      let total = 0;
      let chunks = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        hash.update(chunk);
        total += chunk.length;
        peakBuffered = Math.max(peakBuffered, res.body.readableLength);
        if (++chunks % 64 === 0) {
          // A slow consumer: the socket must pause instead of the answer piling up.
          await new Promise((r) => setTimeout(r, 1));
          gc();
          peakMemory = Math.max(peakMemory, process.memoryUsage().arrayBuffers - before);
        }
      }
      expect(total).toBe(n);
      expect(hash.digest("hex")).toBe(streamSha256(n));
      expect(peakBuffered).toBeLessThanOrEqual(256 * 1024);
      // 50 MiB went through; at any time the process held at most a few MiB of it.
      expect(peakMemory).toBeLessThan(8 * 1024 * 1024);
    });
  }

  it("200 concurrent requests: none lost, none mixed", async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const body = patternBytes(1000 + i, i + 1);
        const res = await request({
          ...tcp(),
          vars: base("POST", `/c/${i}`, [["HTTP_X_ID", String(i)]]),
          body,
        });
        const echo = await readEcho(res);
        return (
          echo.environ.get("HTTP_X_ID")?.toString() === String(i) &&
          echo.environ.get("PATH_INFO")?.toString() === `/c/${i}` &&
          echo.bodySha256 === sha256(body)
        );
      }),
    );
    expect(results.filter(Boolean)).toHaveLength(200);
  });

  it("over a unix socket", async () => {
    const res = await request({ path: peer.path, vars: base("GET", "/unix") });
    expect((await readEcho(res)).environ.get("PATH_INFO")?.toString()).toBe("/unix");
  });

  it("a non-200 status keeps its reason phrase", async () => {
    const res = await request({ ...tcp(), vars: base("GET", "/status/418") });
    expect([res.statusCode, res.statusMessage]).toEqual([418, "Test"]);
    res.body.resume();
  });
});

describe("timeouts and aborts against real uWSGI", () => {
  it("no answer within `timeout` -> TIMEOUT", async () => {
    const t0 = Date.now();
    const err = await request({ ...tcp(), vars: base("GET", "/slow/3000"), timeout: 300 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UwsgiClientError);
    expect((err as UwsgiClientError).code).toBe("TIMEOUT");
    expect(Date.now() - t0).toBeLessThan(2500);
  });

  it("a body that stalls longer than `timeout` errors the body stream with TIMEOUT", async () => {
    const res = await request({ ...tcp(), vars: base("GET", "/stall/3000"), timeout: 300 });
    expect(res.statusCode).toBe(200);
    const err = await bodyError(res.body);
    expect((err as UwsgiClientError).code).toBe("TIMEOUT");
  });

  it("abort mid-answer destroys the body with an AbortError", async () => {
    const controller = new AbortController();
    const res = await request({
      ...tcp(),
      vars: base("GET", "/stall/3000"),
      signal: controller.signal,
    });
    const first = await new Promise<Buffer>((resolve) => res.body.once("data", resolve));
    expect(first.toString()).toBe("first");
    const pending = bodyError(res.body);
    controller.abort(new Error("user gave up"));
    const err = (await pending) as UwsgiClientError;
    expect([err.name, err.code]).toEqual(["AbortError", "ABORTED"]);
    expect((err.cause as Error).message).toBe("user gave up");
  });

  it("abort while waiting for the head rejects with ABORTED", async () => {
    const controller = new AbortController();
    const pending = request({
      ...tcp(),
      vars: base("GET", "/slow/3000"),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    await expect(pending).rejects.toMatchObject({ code: "ABORTED", name: "AbortError" });
  });

  it("an answer that is late but within `timeout` arrives", async () => {
    const res = await request({ ...tcp(), vars: base("GET", "/slow/200"), timeout: 2000 });
    expect((await readEcho(res)).environ.get("PATH_INFO")?.toString()).toBe("/slow/200");
  });
});
