// The client against scripted backends: every malformed or failing answer gives a typed error,
// and the connection is always closed.
import { spawn } from "node:child_process";
import { once } from "node:events";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { describe, expect, it } from "vitest";
import { AnswerHeadParser } from "../../src/client/answer-head.js";
import { UwsgiClientError } from "../../src/client/errors.js";
import { DEFAULT_REQUEST_OPTIONS, request } from "../../src/client/request.js";
import { UwsgiError } from "../../src/index.js";
import { freePort } from "../interop/support/ports.js";
import { requireBinary } from "../interop/support/process.js";
import { bodyError } from "./support/echo.js";
import { type FakeBackend, fakeBackendForTest } from "./support/fake-backend.js";

/** A backend that writes `parts` (with a pause between them), then closes unless `keepOpen`. */
async function answering(parts: (string | Buffer)[], keepOpen = false): Promise<FakeBackend> {
  const backend = await fakeBackendForTest((socket: Socket) => {
    // Wait for the request's packet header before answering, like uWSGI.
    socket.once("data", async () => {
      for (const part of parts) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (!keepOpen) socket.end();
    });
  });
  return backend;
}

async function errorOf(promise: Promise<unknown>): Promise<UwsgiClientError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UwsgiClientError);
  return err as UwsgiClientError;
}

const vars = { REQUEST_METHOD: "GET", PATH_INFO: "/" };

describe("answers the client must refuse", () => {
  const cases: [string, (string | Buffer)[], string][] = [
    ["garbage instead of HTTP", ["HELLO WORLD\r\n\r\n"], "MALFORMED_ANSWER"],
    ["a status without a reason separator", ["HTTP/1.1 200OK\r\n\r\n"], "MALFORMED_ANSWER"],
    ["a non-digit status", ["HTTP/1.1 2x0 OK\r\n\r\n"], "MALFORMED_ANSWER"],
    ["HTTP/2 status line", ["HTTP/2 200 OK\r\n\r\n"], "MALFORMED_ANSWER"],
    ["a blank first line", ["\r\nHTTP/1.1 200 OK\r\n\r\n"], "MALFORMED_ANSWER"],
    ["a header line without a colon", ["HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"], "MALFORMED_ANSWER"],
    ["an empty header name", ["HTTP/1.1 200 OK\r\n: v\r\n\r\n"], "MALFORMED_ANSWER"],
    ["a space in a header name", ["HTTP/1.1 200 OK\r\nBad Name: v\r\n\r\n"], "MALFORMED_ANSWER"],
    ["a folded header line", ["HTTP/1.1 200 OK\r\nA: 1\r\n  more\r\n\r\n"], "MALFORMED_ANSWER"],
    ["a bad Content-Length", ["HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n"], "MALFORMED_ANSWER"],
    ["an empty Content-Length", ["HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"], "MALFORMED_ANSWER"],
    [
      "two different Content-Lengths",
      ["HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"],
      "MALFORMED_ANSWER",
    ],
    ["nothing at all", [], "CLOSED_BEFORE_ANSWER"],
    ["half a head", ["HTTP/1.1 200 OK\r\nA: b"], "CLOSED_BEFORE_ANSWER"],
    ["an endless header", [`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70_000)}`], "HEADER_TOO_LARGE"],
    [
      "too many headers in pieces",
      Array.from({ length: 40 }, (_, i) =>
        i === 0 ? "HTTP/1.1 200 OK\r\n" : `X-${i}: ${"b".repeat(2000)}\r\n`,
      ),
      "HEADER_TOO_LARGE",
    ],
  ];
  for (const [name, parts, code] of cases) {
    it(`${name} -> ${code}`, async () => {
      const backend = await answering(parts);
      const err = await errorOf(request({ port: backend.port, vars }));
      expect(err.code).toBe(code);
      expect(err.name).toBe("UwsgiClientError");
    });
  }

  it("an answer cut before its Content-Length errors the body with ANSWER_TRUNCATED", async () => {
    const backend = await answering(["HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345"]);
    const res = await request({ port: backend.port, vars });
    const err = (await bodyError(res.body)) as UwsgiClientError;
    expect(err.code).toBe("ANSWER_TRUNCATED");
  });

  it("a connection reset mid-body errors the body with SOCKET_ERROR", async () => {
    const backend = await fakeBackendForTest((socket) => {
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\n\r\npartial");
        setTimeout(() => socket.resetAndDestroy(), 20);
      });
    });
    const res = await request({ port: backend.port, vars });
    const err = (await bodyError(res.body)) as UwsgiClientError;
    expect(err.code).toBe("SOCKET_ERROR");
    expect(err.syscallCode).toBe("ECONNRESET");
  });

  it("maxHeaderSize is an option", async () => {
    const backend = await answering(["HTTP/1.1 200 OK\r\nX: 12345678901234567890\r\n\r\n"]);
    const err = await errorOf(request({ port: backend.port, vars, maxHeaderSize: 32 }));
    expect(err.code).toBe("HEADER_TOO_LARGE");
    expect(DEFAULT_REQUEST_OPTIONS.maxHeaderSize).toBe(65536);
  });
});

describe("answers the client accepts", () => {
  it("a head split in 1-byte pieces, bare LF line ends, trimmed values", async () => {
    const text = "HTTP/1.0 201\nA:  x y \t\nb:\n\nbody";
    const backend = await answering([...text].map((c) => c));
    const res = await request({ port: backend.port, vars });
    expect([res.httpVersion, res.statusCode, res.statusMessage]).toEqual(["1.0", 201, ""]);
    expect(res.rawHeaders).toEqual(["A", "x y", "b", ""]);
    expect(res.headers["x-none"]).toBeUndefined();
    expect((await buffer(res.body)).toString()).toBe("body");
  });

  it("headers as IncomingMessage joins them; a header named __proto__ is kept as a key", async () => {
    const backend = await answering([
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nContent-Type: text/a\r\nContent-Type: text/b\r\n" +
        "Cookie: x=1\r\nCookie: y=2\r\nX-L: 1\r\nx-l: 2\r\n__proto__: p\r\nContent-Length: 0\r\n\r\n",
    ]);
    const res = await request({ port: backend.port, vars });
    expect({ ...res.headers }).toEqual({
      "set-cookie": ["a=1"],
      "content-type": "text/a",
      cookie: "x=1; y=2",
      "x-l": "1, 2",
      ["__proto__"]: "p",
      "content-length": "0",
    });
    expect(Object.getPrototypeOf(res.headers)).toBe(null);
    expect(res.headers).toBe(res.headers);
  });

  it("bytes past Content-Length are not part of the body", async () => {
    const backend = await answering(["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef"], true);
    const res = await request({ port: backend.port, vars });
    expect((await buffer(res.body)).toString()).toBe("abc");
  });

  it("Content-Length: 0, 204 and 304 have no body; the connection is closed at once", async () => {
    for (const head of [
      "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
      "HTTP/1.1 204 No Content\r\n\r\nignored",
      "HTTP/1.1 304 Not Modified\r\n\r\n",
    ]) {
      const backend = await answering([head], true);
      const res = await request({ port: backend.port, vars });
      expect((await buffer(res.body)).length).toBe(0);
    }
  });

  it("`head: true` drops the body of any answer", async () => {
    const backend = await answering(["HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"], true);
    const res = await request({ port: backend.port, vars, head: true });
    expect((await buffer(res.body)).length).toBe(0);
  });

  it("destroying the body early closes the connection", async () => {
    let closed: Promise<unknown> = Promise.resolve();
    const backend = await fakeBackendForTest((socket) => {
      closed = once(socket, "close");
      socket.once("data", () => socket.write("HTTP/1.1 200 OK\r\n\r\nstreaming..."));
    });
    const res = await request({ port: backend.port, vars });
    res.body.destroy();
    await closed;
  });

  it("sends modifier1/modifier2 and exactly the packet", async () => {
    const backend = await answering(["HTTP/1.1 200 OK\r\n\r\n"]);
    const res = await request({ port: backend.port, vars: { A: "b" }, modifier1: 5, modifier2: 7 });
    await buffer(res.body);
    const sent = Buffer.concat(backend.received[0]!);
    expect(sent.toString("hex")).toBe("05060007010041010062");
  });
});

describe("request bodies that disagree with CONTENT_LENGTH", () => {
  it("bytes vs CONTENT_LENGTH, bytes vs contentLength, no body vs a length", async () => {
    const cases: Parameters<typeof request>[0][] = [
      { port: 1, vars: { CONTENT_LENGTH: "3" }, body: "ab" },
      { port: 1, vars: { CONTENT_LENGTH: "2" }, body: "ab", contentLength: 3 },
      { port: 1, vars: { CONTENT_LENGTH: "2" } },
      { port: 1, vars, body: "ab", contentLength: 3 },
      { port: 1, vars, contentLength: 3 },
    ];
    for (const options of cases) {
      expect((await errorOf(request(options))).code).toBe("BODY_LENGTH_MISMATCH");
    }
  });

  it("a stream without a length -> CONTENT_LENGTH_REQUIRED", async () => {
    const err = await errorOf(request({ port: 1, vars, body: Readable.from(["x"]) }));
    expect(err.code).toBe("CONTENT_LENGTH_REQUIRED");
  });

  it("a stream longer or shorter than announced -> BODY_LENGTH_MISMATCH", async () => {
    for (const [parts, length] of [
      [["abc", "def"], 4],
      [["ab"], 4],
    ] as const) {
      const backend = await answering([], true);
      const err = await errorOf(
        request({ port: backend.port, vars, body: Readable.from(parts), contentLength: length }),
      );
      expect(err.code).toBe("BODY_LENGTH_MISMATCH");
    }
  });

  it("a failing body stream or a chunk that is not bytes -> BODY_SOURCE_FAILED", async () => {
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("a");
      throw new Error("disk gone");
    }
    async function* wrong(): AsyncGenerator<Uint8Array> {
      yield 42 as unknown as Uint8Array;
    }
    for (const body of [failing(), wrong()]) {
      const backend = await answering([], true);
      const err = await errorOf(request({ port: backend.port, vars, body, contentLength: 2 }));
      expect(err.code).toBe("BODY_SOURCE_FAILED");
    }
  });

  it("a streamed body waits for the backend: backpressure, not read-ahead", async () => {
    const total = 64 * 1024 * 1024;
    const piece = Buffer.alloc(64 * 1024, 0x62);
    let produced = 0;
    async function* body(): AsyncGenerator<Uint8Array> {
      while (produced < total) {
        produced += piece.length;
        yield piece;
      }
    }
    let resumeBackend = () => {};
    const backend = await fakeBackendForTest((socket) => {
      socket.pause();
      let got = 0;
      resumeBackend = () => {
        socket.on("data", (chunk: Buffer) => {
          got += chunk.length;
          if (got >= total + 4) socket.end("HTTP/1.1 200 OK\r\n\r\ndone");
        });
        socket.resume();
      };
    });
    const pending = request({ port: backend.port, vars, body: body(), contentLength: total });
    await new Promise((r) => setTimeout(r, 300));
    // Only what the socket buffers hold was produced while the backend did not read.
    const whilePaused = produced;
    expect(whilePaused).toBeLessThan(total / 2);
    resumeBackend();
    const res = await pending;
    expect((await buffer(res.body)).toString()).toBe("done");
    expect(produced).toBe(total);
  });

  it("an answer before the whole body was sent leaves the source open; a failure destroys it", async () => {
    const early = await fakeBackendForTest((socket) => {
      socket.once("data", () => socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
    });
    const source = new Readable({ read() {} });
    source.push("abc");
    const res = await request({ port: early.port, vars, body: source, contentLength: 10 });
    expect((await buffer(res.body)).toString()).toBe("ok");
    expect(source.destroyed).toBe(false);
    source.destroy();

    const closing = await answering([]);
    const doomed = new Readable({ read() {} });
    doomed.push("abc");
    const err = await errorOf(
      request({ port: closing.port, vars, body: doomed, contentLength: 10 }),
    );
    expect(err.code).toBe("CLOSED_BEFORE_ANSWER");
    expect(doomed.destroyed).toBe(true);
  });

  it("a CONTENT_LENGTH like uWSGI reads it: leading digits", async () => {
    const backend = await answering(["HTTP/1.1 200 OK\r\n\r\n"]);
    const res = await request({
      port: backend.port,
      vars: [["CONTENT_LENGTH", "2xyz"]],
      body: "ab",
    });
    await buffer(res.body);
    expect(Buffer.concat(backend.received[0]!).subarray(-2).toString()).toBe("ab");
  });
});

describe("unencodable vars", () => {
  it("vars the codec refuses reject with its UwsgiError", async () => {
    const err = await request({ port: 1, vars: { X: "v".repeat(70_000) } }).catch((e) => e);
    expect(err).toBeInstanceOf(UwsgiError);
    expect(err.code).toBe("FIELD_TOO_LONG");
    const big = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`K${i}`, "v".repeat(1700)]),
    );
    expect(await request({ port: 1, vars: big }).catch((e) => e.code)).toBe("PACKET_TOO_LARGE");
  });

  it("a VarsView too large with the added CONTENT_LENGTH -> PACKET_TOO_LARGE", async () => {
    const { decodePacket, encodePacket } = await import("../../src/index.js");
    const packet = decodePacket(encodePacket({ vars: { X: "v".repeat(65_528) } }), 0, {
      maxDatasize: 65535,
    });
    if (packet.kind !== "vars") throw new Error("unreachable");
    const err = await request({ port: 1, vars: packet.vars, body: "x" }).catch((e) => e);
    expect(err.code).toBe("PACKET_TOO_LARGE");
  });
});

describe("connection failures", () => {
  it("connection refused -> CONNECT_FAILED (ECONNREFUSED)", async () => {
    const port = await freePort();
    const err = await errorOf(request({ port, vars }));
    expect([err.code, err.syscallCode]).toEqual(["CONNECT_FAILED", "ECONNREFUSED"]);
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it("no such unix socket -> CONNECT_FAILED (ENOENT)", async () => {
    const err = await errorOf(request({ path: "/nonexistent/uwsgi.sock", vars }));
    expect([err.code, err.syscallCode]).toEqual(["CONNECT_FAILED", "ENOENT"]);
  });

  it("a backend whose accept queue is full -> CONNECT_TIMEOUT", async () => {
    requireBinary("python3", "python3");
    // listen(0) and never accept: the first connection fills the queue, the next SYNs are dropped.
    const child = spawn(
      "python3",
      [
        "-c",
        "import socket,time\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(20)",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      const [line] = (await once(child.stdout!, "data")) as [Buffer];
      const port = Number(line.toString().trim());
      const { connect } = await import("node:net");
      const filler = connect({ host: "127.0.0.1", port });
      await once(filler, "connect");
      const t0 = Date.now();
      const err = await errorOf(request({ port, vars, connectTimeout: 200 }));
      expect(err.code).toBe("CONNECT_TIMEOUT");
      expect(Date.now() - t0).toBeLessThan(1500);
      filler.destroy();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("a signal aborted before the call -> ABORTED, no connection made", async () => {
    const backend = await answering([]);
    const err = await errorOf(
      request({ port: backend.port, vars, signal: AbortSignal.abort(new Error("early")) }),
    );
    expect([err.code, err.name]).toEqual(["ABORTED", "AbortError"]);
    await new Promise((r) => setTimeout(r, 50));
    expect(backend.received).toHaveLength(0);
  });

  it("a backend that accepts and never answers -> TIMEOUT", async () => {
    const backend = await answering([], true);
    const err = await errorOf(request({ port: backend.port, vars, timeout: 100 }));
    expect(err.code).toBe("TIMEOUT");
  });

  it("a paused consumer is not a silent backend: no TIMEOUT while the body is not read", async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    const backend = await answering([
      `HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\n\r\n`,
      big,
    ]);
    const res = await request({ port: backend.port, vars, timeout: 100 });
    await new Promise((r) => setTimeout(r, 400));
    expect((await buffer(res.body)).length).toBe(big.length);
  });
});

describe("AnswerHeadParser", () => {
  it("counts what it holds and finds the body start across chunks", () => {
    const parser = new AnswerHeadParser(1024);
    expect(parser.push(Buffer.from("HTTP/1.1 200 OK\r"))).toBe(-1);
    expect(parser.pendingBytes).toBe(16);
    expect(parser.push(Buffer.from("\nA: b\r\n\r"))).toBe(-1);
    const last = Buffer.from("\nrest");
    expect(parser.push(last)).toBe(1);
    expect(parser.finish(last, 1).rawHeaders).toEqual(["A", "b"]);
  });
});
