import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { type AddressInfo, connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/codec/packet.js";
import type { UwsgiRouterError } from "../../src/router/errors.js";
import type { RouterOptions } from "../../src/router/options.js";
import { createRouter } from "../../src/router/router.js";
import { exchange, parseHttpAnswer } from "../interop/support/exchange.js";
import { startRouter, stopRouter } from "./support/router.js";

// Backpressure both ways, the answer head held back for a cookie, unix sockets, odd clients:
// against small node:net backends whose behaviour the test controls.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A backend on a free port: `onSocket` does what the test needs. */
async function backend(onSocket: (s: Socket) => void): Promise<string> {
  const sockets = new Set<Socket>();
  const server: Server = createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    onSocket(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  cleanups.push(
    () =>
      new Promise((r) => {
        server.close(() => r());
        for (const s of sockets) s.destroy();
      }),
  );
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function router(options: RouterOptions) {
  const r = await startRouter(options);
  cleanups.push(() => stopRouter(r.router));
  return r;
}

function packet(vars: [string, string][]): Buffer {
  return Buffer.from(encodePacket({ vars }));
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("backpressure", () => {
  it("streams an 8 MiB body to a slow backend and an 8 MiB answer to a slow client, bytes intact", async () => {
    const body = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4096) body.writeUInt32LE(i, i);
    const head = packet([
      ["CONTENT_LENGTH", String(body.length)],
      ["HTTP_HOST", "x"],
    ]);
    // Reads the request slowly, then answers with the same bytes behind a head.
    const address = await backend((s) => {
      const got: Buffer[] = [];
      let size = 0;
      s.on("data", (c: Buffer) => {
        got.push(c);
        size += c.length;
        s.pause();
        setTimeout(() => s.resume(), 1);
        if (size >= body.length + head.length) {
          const all = Buffer.concat(got);
          s.write("HTTP/1.1 200 OK\r\n\r\n");
          s.end(all.subarray(all.length - body.length));
        }
      });
    });
    const { port } = await router({ pools: { app: { nodes: [address] } }, defaultPool: "app" });
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => {
        s.write(head);
        s.write(body);
      });
      const chunks: Buffer[] = [];
      s.on("data", (c: Buffer) => {
        chunks.push(c);
        // A slow reader: the router must pause the backend rather than buffer the answer.
        s.pause();
        setTimeout(() => s.resume(), 1);
      });
      s.on("end", () => resolve(Buffer.concat(chunks)));
      s.on("error", reject);
    });
    expect(answer.subarray(0, 19).toString()).toBe("HTTP/1.1 200 OK\r\n\r\n");
    expect(sha(answer.subarray(19))).toBe(sha(body));
  });

  it("an answer read in small pieces while the client is full reaches it intact", async () => {
    // The router reads the backend into a buffer it reuses: a piece still waiting to be written
    // to a full client must not be overwritten by the next read. Unix sockets both ways: their
    // small kernel buffers fill fast.
    const PIECE = 1000;
    const PIECES = 4000;
    const pieceOf = (i: number) => Buffer.alloc(PIECE, i % 251);
    let felt = false;
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-router-pieces-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    // One piece per turn of the event loop, so each reaches the router alone.
    const server = createServer((s) => {
      s.once("data", () => {
        s.write("HTTP/1.1 200 OK\r\n\r\n");
        let i = 0;
        const next = () => {
          if (i === PIECES) {
            release();
            s.end();
            return;
          }
          if (!s.write(pieceOf(i++))) {
            felt = true;
            release();
            s.once("drain", next);
          } else setImmediate(next);
        };
        next();
      });
    });
    const backendPath = join(dir, "backend.sock");
    await new Promise<void>((res) => server.listen(backendPath, () => res()));
    cleanups.push(() => new Promise((res) => server.close(() => res())));
    const r = createRouter({ pools: { app: { nodes: [backendPath] } }, defaultPool: "app" });
    const path = join(dir, "router.sock");
    await new Promise<void>((res) => r.listen(path, () => res()));
    cleanups.push(() => stopRouter(r));
    const answer = await new Promise<Buffer>((resolve, reject) => {
      const s = connect(path, () => s.write(packet([["HTTP_HOST", "x"]])));
      // The client reads nothing until the backend feels the router's backpressure.
      s.pause();
      void released.then(() => s.resume());
      const chunks: Buffer[] = [];
      s.on("data", (c: Buffer) => chunks.push(c));
      s.on("end", () => resolve(Buffer.concat(chunks)));
      s.on("error", reject);
    });
    expect(felt).toBe(true);
    const expected = Buffer.concat(Array.from({ length: PIECES }, (_, i) => pieceOf(i)));
    expect(answer.subarray(0, 19).toString()).toBe("HTTP/1.1 200 OK\r\n\r\n");
    expect(sha(answer.subarray(19))).toBe(sha(expected));
  });

  it("a body sent while an async middleware runs reaches the backend whole", async () => {
    const address = await backend((s) => {
      let size = 0;
      s.on("data", (c: Buffer) => {
        size += c.length;
      });
      s.on("end", () => s.end(`HTTP/1.0 200 OK\r\n\r\n${size}`));
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let arrived: () => void = () => {};
    const reached = new Promise<void>((r) => {
      arrived = r;
    });
    const { port } = await router({
      pools: { app: { nodes: [address] } },
      defaultPool: "app",
      middleware: [
        () => {
          arrived();
          return gate;
        },
      ],
    });
    const body = Buffer.alloc(1024 * 1024, 1);
    const head = packet([
      ["CONTENT_LENGTH", String(body.length)],
      ["HTTP_HOST", "x"],
    ]);
    const answer = new Promise<string>((resolve, reject) => {
      const s = connect(port, "127.0.0.1", () => {
        s.write(head);
        s.end(body);
      });
      let out = "";
      s.on("data", (c: Buffer) => {
        out += c.toString();
      });
      s.on("close", () => resolve(out));
      s.on("error", reject);
    });
    // Give the body time to pile up past 64 KiB while the middleware waits (the router pauses
    // the client then); whatever the timing, every byte must arrive.
    await reached;
    await new Promise((res) => setTimeout(res, 100));
    release();
    // The backend got the packet and every body byte.
    expect(await answer).toBe(`HTTP/1.0 200 OK\r\n\r\n${head.length + body.length}`);
  });
});

describe("the sticky cookie and odd answers", () => {
  it("finds the end of the status line across chunks, and adds nothing to an answer that is not HTTP", async () => {
    const address = await backend((s) => {
      s.once("data", (c: Buffer) => {
        const path = c.includes("/raw") ? "raw" : "http";
        if (path === "raw") {
          s.end(Buffer.from([0x64, 0, 0, 1]));
          return;
        }
        // The status line in three pieces.
        s.write("HTTP/1.1 2");
        setTimeout(() => s.write("00 OK\r"), 5);
        setTimeout(() => s.end("\nX: y\r\n\r\nbody"), 10);
      });
    });
    const { port } = await router({
      pools: { app: { nodes: [address], balancer: "cookie" } },
      defaultPool: "app",
    });
    const http = (
      await exchange(port, [
        packet([
          ["PATH_INFO", "/"],
          ["HTTP_HOST", "x"],
        ]),
      ])
    ).answer.toString();
    expect(http).toMatch(
      /^HTTP\/1\.1 200 OK\r\nSet-Cookie: uwsgi_node=[0-9a-z]+; Path=\/; HttpOnly\r\nX: y\r\n\r\nbody$/,
    );
    const raw = (
      await exchange(port, [
        packet([
          ["PATH_INFO", "/raw"],
          ["HTTP_HOST", "x"],
        ]),
      ])
    ).answer;
    expect(raw).toEqual(Buffer.from([0x64, 0, 0, 1]));
  });

  it("counts a backend that closes without a byte as BACKEND_FAILED and answers 502", async () => {
    const address = await backend((s) => s.once("data", () => s.end()));
    const { port, router: r } = await router({
      pools: { app: { nodes: [address] } },
      defaultPool: "app",
    });
    const errors: UwsgiRouterError[] = [];
    r.on("requestError", (e: UwsgiRouterError) => errors.push(e));
    expect(
      parseHttpAnswer((await exchange(port, [packet([["HTTP_HOST", "x"]])])).answer).status,
    ).toBe(502);
    expect(errors.map((e) => [e.code, e.address])).toEqual([["BACKEND_FAILED", address]]);
  });
});

describe("clients", () => {
  it("tells trust and middleware the peer's address", async () => {
    const address = await backend((s) => s.once("data", () => s.end("HTTP/1.0 200 OK\r\n\r\n")));
    const seen: [string, boolean][] = [];
    const asked: string[] = [];
    const { port } = await router({
      pools: { app: { nodes: [address] } },
      defaultPool: "app",
      trust: (source) => {
        asked.push(source);
        return false;
      },
      middleware: [(req) => void seen.push([req.source, req.trusted])],
    });
    await exchange(port, [packet([["HTTP_HOST", "x"]])]);
    expect([asked, seen]).toEqual([["127.0.0.1"], [["127.0.0.1", false]]]);
  });

  it("listens on a unix socket, where the source is 'unix' (trusted here)", async () => {
    const address = await backend((s) =>
      s.once("data", (c: Buffer) =>
        s.end(`HTTP/1.0 200 OK\r\n\r\n${c.includes("UWSGI_KEEP") ? "kept" : "dropped"}`),
      ),
    );
    const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-router-unix-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const r = createRouter({
      pools: { app: { nodes: [address] } },
      defaultPool: "app",
      trust: ["unix"],
    });
    const path = join(dir, "router.sock");
    await new Promise<void>((res) => r.listen(path, () => res()));
    cleanups.push(() => stopRouter(r));
    const answer = await new Promise<string>((resolve, reject) => {
      const s = connect(path, () =>
        s.write(
          packet([
            ["HTTP_HOST", "x"],
            ["UWSGI_KEEP", "1"],
          ]),
        ),
      );
      let out = "";
      s.on("data", (c: Buffer) => {
        out += c.toString();
      });
      s.on("close", () => resolve(out));
      s.on("error", reject);
    });
    expect(answer).toBe("HTTP/1.0 200 OK\r\n\r\nkept");
  });

  it("refuses a packet with no vars to route by (an RPC call), and a client that stops mid-packet", async () => {
    const { port, router: r } = await router({
      pools: { app: { nodes: ["127.0.0.1:1"] } },
      defaultPool: "app",
    });
    const errors: string[] = [];
    r.on("clientError", (e: { code: string }) => errors.push(e.code));
    // modifier1 173 (RPC): an array, no vars.
    const rpc = Buffer.from([173, 4, 0, 0, 2, 0, 0x68, 0x69]);
    expect(parseHttpAnswer((await exchange(port, [rpc])).answer).status).toBe(400);
    const s = connect(port, "127.0.0.1");
    await new Promise((res) => s.once("connect", res));
    s.end(Buffer.from([0, 50]));
    await new Promise((res) => s.once("close", res));
    expect(errors).toEqual(["NO_KEY"]);
    expect(r.stats().failed).toEqual({});
  });

  it("refuses edits that no packet can hold, and a key function that throws", async () => {
    const { port, router: r } = await router({
      pools: { app: { nodes: ["127.0.0.1:1"] } },
      defaultPool: "app",
      key: (req) => {
        if (req.vars.get("PATH_INFO") === "/bad-key") throw new Error("no key");
        return undefined;
      },
      middleware: [
        (req) => {
          if (req.vars.get("PATH_INFO") === "/huge")
            for (let i = 0; i < 3; i++) req.vars.add(`BIG${i}`, "v".repeat(30_000));
        },
      ],
    });
    const errors: UwsgiRouterError[] = [];
    r.on("requestError", (e: UwsgiRouterError) => errors.push(e));
    for (const path of ["/huge", "/bad-key"]) {
      expect(
        parseHttpAnswer((await exchange(port, [packet([["PATH_INFO", path]])])).answer).status,
      ).toBe(500);
    }
    expect(errors.map((e) => [e.code, (e.cause as { code?: string }).code])).toEqual([
      ["MIDDLEWARE_FAILED", "PACKET_TOO_LARGE"],
      ["MIDDLEWARE_FAILED", undefined],
    ]);
  });
});

describe("the end of a connection", () => {
  const ANSWER = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok";

  /**
   * Sends `parts` on a connection that stays open for writing after the router's end of stream
   * (allowHalfOpen), reads the answer to that end, then writes two more bytes and ends: a router
   * that closed its socket resets the connection ("ECONNRESET", or EPIPE, said the same), one that
   * only half-closed reads them and closes cleanly ("open").
   */
  function sendThenPoke(port: number, parts: Buffer[]): Promise<{ answer: string; after: string }> {
    return new Promise((resolve) => {
      const s = connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => {
        for (const p of parts) s.write(p);
      });
      const chunks: Buffer[] = [];
      let after = "open";
      s.on("data", (c: Buffer) => chunks.push(c));
      s.on("end", () => s.write("x", () => s.end("y")));
      s.on("error", (e: NodeJS.ErrnoException) => {
        after = e.code === "EPIPE" ? "ECONNRESET" : (e.code ?? "error");
      });
      s.on("close", () => resolve({ answer: Buffer.concat(chunks).toString("latin1"), after }));
    });
  }

  it("closes the client's connection with the answer once the request was read to its end, as uWSGI does", async () => {
    const address = await backend((s) => s.once("data", () => s.end(ANSWER)));
    const { port, router: r } = await router({
      pools: { app: { nodes: [address] } },
      defaultPool: "app",
    });
    // No body (nginx sends CONTENT_LENGTH empty), then a body of exactly CONTENT_LENGTH bytes.
    const get = packet([
      ["HTTP_HOST", "x"],
      ["CONTENT_LENGTH", ""],
    ]);
    expect(await sendThenPoke(port, [get])).toEqual({ answer: ANSWER, after: "ECONNRESET" });
    const post = packet([
      ["HTTP_HOST", "x"],
      ["CONTENT_LENGTH", "5"],
    ]);
    const body = Buffer.from("hello");
    expect(await sendThenPoke(port, [Buffer.concat([post, body])])).toEqual({
      answer: ANSWER,
      after: "ECONNRESET",
    });
    expect(r.stats()).toMatchObject({ answered: 2, failed: {} });
  });

  it("half-closes instead while the client may still send (a body not all read, or chunked)", async () => {
    // Answers as soon as the packet came, without waiting for the body.
    const address = await backend((s) => {
      s.once("data", () => s.end(ANSWER));
      s.resume();
    });
    const { port, router: r } = await router({
      pools: { app: { nodes: [address] } },
      defaultPool: "app",
    });
    const partial = packet([
      ["HTTP_HOST", "x"],
      ["CONTENT_LENGTH", "100"],
    ]);
    expect(await sendThenPoke(port, [partial, Buffer.from("0123456789")])).toEqual({
      answer: ANSWER,
      after: "open",
    });
    const chunked = packet([
      ["HTTP_HOST", "x"],
      ["HTTP_TRANSFER_ENCODING", "chunked"],
    ]);
    expect(await sendThenPoke(port, [chunked])).toEqual({ answer: ANSWER, after: "open" });
    expect(r.stats()).toMatchObject({ answered: 2, failed: {} });
  });
});
