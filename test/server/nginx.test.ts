// Real nginx (uwsgi_pass) -> our uwsgi server, driven by an HTTP client: what a deployment does.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UwsgiRequest } from "../../src/server/request.js";
import type { UwsgiServerResponse } from "../../src/server/response.js";
import { createServer, type UwsgiServer } from "../../src/server/server.js";
import type { UwsgiServerError } from "../../src/server/server-error.js";
import { exchange, parseHttpAnswer } from "../interop/support/exchange.js";
import { type NginxPeer, startNginx } from "../interop/support/nginx.js";
import { fetchHttp, type Served, serve, until } from "./support/serve.js";

const MiB = 1024 * 1024;
// The 50 MiB answer is this block repeated; the client hashes what arrives.
const BLOCK = randomBytes(64 * 1024);
const STREAM_BLOCKS = 800;

let served: Served | undefined;
let unixServer: UwsgiServer | undefined;
let nginx: NginxPeer | undefined;
let dir = "";
const clientErrors: Error[] = [];
const handlerErrors: Error[] = [];
// What the handler saw, by request id, for the tests to check.
const seen = new Map<string, unknown>();
let streamStats = { falses: 0, maxQueued: 0, closedEarly: false, signalAborted: false };

function json(res: UwsgiServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

async function sha256Of(req: UwsgiRequest): Promise<{ length: number; sha256: string }> {
  const h = createHash("sha256");
  let length = 0;
  for await (const chunk of req) {
    h.update(chunk as Buffer);
    length += (chunk as Buffer).length;
  }
  return { length, sha256: h.digest("hex") };
}

/** Waits for 'drain', or for the answer's end when the connection is lost. */
function drained(res: UwsgiServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

async function stream(req: UwsgiRequest, res: UwsgiServerResponse): Promise<void> {
  streamStats = { falses: 0, maxQueued: 0, closedEarly: false, signalAborted: false };
  res.on("close", () => {
    streamStats.closedEarly = !res.writableFinished;
    streamStats.signalAborted = req.signal.aborted;
  });
  res.setHeader("Content-Type", "application/octet-stream");
  for (let i = 0; i < STREAM_BLOCKS && !res.destroyed; i++) {
    if (!res.write(BLOCK)) {
      streamStats.falses++;
      streamStats.maxQueued = Math.max(
        streamStats.maxQueued,
        res.writableLength + res.socket.writableLength,
      );
      await drained(res);
    }
  }
  res.end();
}

async function handler(req: UwsgiRequest, res: UwsgiServerResponse): Promise<void> {
  const path = req.url.split("?")[0]!;
  if (path === "/echo" || path === "/unix/echo" || path.startsWith("/p/")) {
    json(res, {
      method: req.method,
      url: req.url,
      pathInfo: req.vars.get("PATH_INFO"),
      query: req.vars.get("QUERY_STRING"),
      headers: req.headers,
      dup: req.getHeaderAll("x-dup"),
      dupVars: req.vars.getAll("HTTP_X_DUP"),
      varsBytes: req.vars.byteLength,
      remote: req.remoteAddress,
    });
  } else if (path.startsWith("/raw-url/")) {
    // The request target's bytes back, as nginx passed them.
    res.end(Buffer.from(req.url, "latin1"));
  } else if (path === "/head") {
    res.setHeader("Content-Length", 5);
    res.setHeader("X-Method", req.method);
    res.end("hello");
  } else if (path === "/upload") {
    const got = await sha256Of(req);
    json(res, {
      ...got,
      contentLength: req.contentLength,
      varsContentLength: req.vars.get("CONTENT_LENGTH"),
      transferEncoding: req.getHeader("transfer-encoding") ?? null,
    });
  } else if (path === "/headers") {
    const names = Object.keys(req.headers).filter((n) => n.startsWith("x-big-"));
    const ok = names.every((n) => req.headers[n] === n.slice(6).repeat(1).padEnd(2000, "v"));
    json(res, { count: names.length, ok, varsBytes: req.vars.byteLength, size: req.vars.size });
  } else if (path === "/cookies") {
    for (let i = 0; i < 50; i++) res.appendHeader("Set-Cookie", `c${i}=v${i}; Path=/; HttpOnly`);
    res.end("cookies");
  } else if (path === "/stream" || path === "/unbuffered/stream") {
    await stream(req, res);
  } else if (path === "/unbuffered/upload") {
    const id = req.getHeader("x-request-id")!;
    try {
      await sha256Of(req);
      seen.set(id, "complete");
    } catch (err) {
      seen.set(id, err);
    }
  } else if (path.startsWith("/id/")) {
    await new Promise((r) => setTimeout(r, Math.random() * 20));
    res.setHeader("X-Echo-Id", req.getHeader("x-request-id") ?? "none");
    res.end(`${path.slice(4)}:${req.getHeader("x-request-id")}`);
  } else {
    res.writeHead(404);
    res.end();
  }
}

beforeAll(async () => {
  served = await serve(handler);
  served.server.on("clientError", (e) => clientErrors.push(e));
  served.server.on("error", (e) => handlerErrors.push(e));
  dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-server-nginx-"));
  const sock = join(dir, "app.sock");
  unixServer = createServer(handler);
  await new Promise<void>((r) => unixServer!.listen(sock, () => r()));
  const up = `127.0.0.1:${served.port}`;
  nginx = await startNginx(`include /etc/nginx/uwsgi_params;
      uwsgi_pass ${up};
      location /unbuffered/ {
        include /etc/nginx/uwsgi_params;
        uwsgi_pass ${up};
        uwsgi_buffering off;
        uwsgi_request_buffering off;
      }
      location /unix/ {
        include /etc/nginx/uwsgi_params;
        uwsgi_pass unix:${sock};
      }`);
});

afterAll(async () => {
  await nginx?.stop();
  await served?.stop();
  if (unixServer !== undefined) await new Promise((r) => unixServer!.close(r));
  if (dir !== "") await rm(dir, { recursive: true, force: true });
});

describe("nginx uwsgi_pass -> our server", () => {
  it("GET: method, url, params and headers as nginx sent them", async () => {
    const r = await fetchHttp(nginx!.port, "/echo?a=1&b=2", {
      headers: { "User-Agent": "uwsgi-codec-test", Accept: "*/*" },
    });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    const got = JSON.parse(r.body.toString());
    expect(got).toMatchObject({
      method: "GET",
      url: "/echo?a=1&b=2",
      pathInfo: "/echo",
      query: "a=1&b=2",
      remote: "127.0.0.1",
      headers: {
        "user-agent": "uwsgi-codec-test",
        accept: "*/*",
        // Debian's uwsgi_params sends HTTP_HOST as $host (no port) in place of the Host header.
        host: "127.0.0.1",
      },
    });
  });

  it("HEAD: the handler answers as for GET; nginx drops the body", async () => {
    const r = await fetchHttp(nginx!.port, "/head", { method: "HEAD" });
    expect(r.status).toBe(200);
    expect(r.headers["x-method"]).toBe("HEAD");
    expect(r.headers["content-length"]).toBe("5");
    expect(r.body.length).toBe(0);
  });

  it("POST of 5 MiB: every byte reaches the handler (sha256)", async () => {
    const body = randomBytes(5 * MiB);
    const r = await fetchHttp(nginx!.port, "/upload", { method: "POST", body });
    const got = JSON.parse(r.body.toString());
    expect(got).toEqual({
      length: body.length,
      sha256: createHash("sha256").update(body).digest("hex"),
      contentLength: body.length,
      varsContentLength: String(body.length),
      transferEncoding: null,
    });
  });

  it("a chunked upload: nginx buffers it and sends a computed CONTENT_LENGTH", async () => {
    const parts = Array.from({ length: 20 }, (_, i) => randomBytes(10_000 + i * 1000));
    const all = Buffer.concat(parts);
    const r = await fetchHttp(nginx!.port, "/upload", {
      method: "POST",
      headers: { "Transfer-Encoding": "chunked" },
      body: parts,
    });
    const got = JSON.parse(r.body.toString());
    expect(got).toEqual({
      length: all.length,
      sha256: createHash("sha256").update(all).digest("hex"),
      contentLength: all.length,
      varsContentLength: String(all.length),
      transferEncoding: "chunked",
    });
  });

  it("about 60 KiB of request headers reach the handler whole", async () => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < 30; i++) {
      const name = `x-big-${String(i).padStart(2, "0")}`;
      headers[name] = name.slice(6).padEnd(2000, "v");
    }
    const r = await fetchHttp(nginx!.port, "/headers", { headers });
    expect(r.status).toBe(200);
    const got = JSON.parse(r.body.toString());
    expect(got.count).toBe(30);
    expect(got.ok).toBe(true);
    expect(got.varsBytes).toBeGreaterThan(60_000);
    expect(got.varsBytes).toBeLessThanOrEqual(65_535);
  });

  it("UTF-8 and percent-encoded paths arrive byte for byte", async () => {
    const r = await fetchHttp(nginx!.port, "/p/caf%C3%A9/%E6%96%87?q=%E2%9C%93&x=a%20b");
    const got = JSON.parse(r.body.toString());
    expect(got.url).toBe("/p/caf%C3%A9/%E6%96%87?q=%E2%9C%93&x=a%20b");
    // nginx decodes the path into PATH_INFO; latin1 strings keep its UTF-8 bytes.
    expect(Buffer.from(got.pathInfo, "latin1").toString("utf8")).toBe("/p/caf\u00e9/\u6587");
    expect(got.query).toBe("q=%E2%9C%93&x=a%20b");
    // A raw UTF-8 request target (not percent-encoded) comes back as the same bytes.
    const target = Buffer.from("/raw-url/\u00e9t\u00e9/\u2603?k=\u00fc", "utf8");
    const { answer } = await exchange(nginx!.port, [
      Buffer.concat([
        Buffer.from("GET "),
        target,
        Buffer.from(" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
      ]),
    ]);
    const parsed = parseHttpAnswer(answer);
    expect(parsed.status).toBe(200);
    // nginx answers chunked to the client; the body is one chunk.
    const body = parsed.body.toString("latin1");
    expect(body).toContain(target.toString("latin1"));
  });

  it("repeated request headers arrive as repeated vars", async () => {
    const r = await fetchHttp(nginx!.port, "/echo", { headers: { "X-Dup": ["first", "second"] } });
    const got = JSON.parse(r.body.toString());
    expect(got.dupVars).toEqual(["first", "second"]);
    expect(got.dup).toEqual(["first", "second"]);
    expect(got.headers["x-dup"]).toBe("first, second");
  });

  it("50 Set-Cookie headers all reach the HTTP client", async () => {
    const r = await fetchHttp(nginx!.port, "/cookies");
    expect(r.status).toBe(200);
    expect(r.headers["set-cookie"]).toEqual(
      Array.from({ length: 50 }, (_, i) => `c${i}=v${i}; Path=/; HttpOnly`),
    );
    expect(r.body.toString()).toBe("cookies");
  });

  for (const path of ["/stream", "/unbuffered/stream"]) {
    it(`a 50 MiB answer streamed through nginx (${path}): hash checked, memory bounded`, async () => {
      const expected = createHash("sha256");
      for (let i = 0; i < STREAM_BLOCKS; i++) expected.update(BLOCK);
      const { sha256, length } = await new Promise<{ sha256: string; length: number }>(
        (resolve, reject) => {
          const req = httpRequest(
            { host: "127.0.0.1", port: nginx!.port, path, agent: false },
            (res) => {
              const h = createHash("sha256");
              let n = 0;
              // A slow start: the backend must wait, not queue 50 MiB.
              res.pause();
              setTimeout(() => res.resume(), 300);
              res.on("data", (c: Buffer) => {
                h.update(c);
                n += c.length;
              });
              res.on("end", () => resolve({ sha256: h.digest("hex"), length: n }));
              res.on("error", reject);
            },
          );
          req.setTimeout(30_000, () => req.destroy(new Error("stream timed out")));
          req.on("error", reject);
          req.end();
        },
      );
      expect(length).toBe(STREAM_BLOCKS * BLOCK.length);
      expect(sha256).toBe(expected.digest("hex"));
      expect(streamStats.falses).toBeGreaterThan(0);
      // What waits in our process: the answer's buffer and the socket's, a few blocks at most.
      expect(streamStats.maxQueued).toBeLessThanOrEqual(4 * BLOCK.length);
      expect(streamStats.closedEarly).toBe(false);
    });
  }

  it("the HTTP client aborting mid-upload: the body errors ABORTED, nothing leaks", async () => {
    const id = "abort-upload";
    const before = clientErrors.length;
    const socket = await new Promise<import("node:net").Socket>((resolve, reject) => {
      const req = httpRequest({
        host: "127.0.0.1",
        port: nginx!.port,
        path: "/unbuffered/upload",
        method: "POST",
        agent: false,
        headers: { "Content-Length": String(10 * MiB), "X-Request-Id": id },
      });
      req.on("error", () => {
        // We destroy it below.
      });
      req.on("socket", (s) => {
        s.on("connect", () => resolve(s));
        s.on("error", reject);
      });
      req.write(randomBytes(256 * 1024));
    });
    await until(() => served!.server.openConnections === 1, 5000, "nginx connected upstream");
    await new Promise((r) => setTimeout(r, 100));
    socket.destroy();
    await until(() => seen.has(id), 5000, "the handler saw the abort");
    const err = seen.get(id) as UwsgiServerError;
    expect(err.code).toBe("ABORTED");
    await until(() => served!.server.openConnections === 0, 5000, "connection released");
    expect(clientErrors.slice(before).map((e) => (e as UwsgiServerError).code)).toContain(
      "ABORTED",
    );
  });

  it("the HTTP client aborting mid-answer: writes stop, 'close' without 'finish', signal aborted", async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(
        { host: "127.0.0.1", port: nginx!.port, path: "/unbuffered/stream", agent: false },
        (res) => {
          let n = 0;
          res.on("data", (c: Buffer) => {
            n += c.length;
            if (n > MiB) {
              req.destroy();
              resolve();
            }
          });
        },
      );
      req.on("error", (e) => {
        if ((e as NodeJS.ErrnoException).code !== "ECONNRESET") reject(e);
      });
      req.end();
    });
    await until(() => served!.server.openConnections === 0, 10_000, "connection released");
    expect(streamStats.closedEarly).toBe(true);
    expect(streamStats.signalAborted).toBe(true);
  });

  it("200 concurrent requests: none lost, none mixed up", async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `r${i}`);
    const results = await Promise.all(
      ids.map((id, i) =>
        fetchHttp(nginx!.port, `/id/${i}`, { headers: { "X-Request-Id": id }, timeoutMs: 20_000 }),
      ),
    );
    results.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe(`${i}:r${i}`);
      expect(r.headers["x-echo-id"]).toBe(`r${i}`);
    });
    await until(() => served!.server.openConnections === 0, 5000, "connections released");
  });

  it("uwsgi_pass to a unix socket", async () => {
    const r = await fetchHttp(nginx!.port, "/unix/echo?u=1");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString())).toMatchObject({ url: "/unix/echo?u=1", method: "GET" });
  });

  it("no handler failed along the way", () => {
    expect(handlerErrors).toEqual([]);
    expect(nginx!.errorLog()).not.toMatch(/upstream prematurely closed|invalid header/);
  });
});
