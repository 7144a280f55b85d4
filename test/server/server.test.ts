// Our uwsgi server driven directly with raw packets (no nginx): exact answer bytes, request fields,
// refusals, handler failures, timeouts, aborts, close() and the limits.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodePacket, UwsgiError } from "../../src/index.js";
import { DEFAULT_SERVER_OPTIONS } from "../../src/server/options.js";
import type { UwsgiRequest } from "../../src/server/request.js";
import type { UwsgiServerResponse } from "../../src/server/response.js";
import { createServer, type RequestHandler, UwsgiServer } from "../../src/server/server.js";
import { UwsgiServerError } from "../../src/server/server-error.js";
import { exchange } from "../interop/support/exchange.js";
import { rawClient, type Served, serve, until } from "./support/serve.js";

const stops: Served[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  while (stops.length > 0) await stops.pop()!.stop();
});

async function start(
  handler?: RequestHandler,
  options?: Parameters<typeof serve>[1],
): Promise<Served> {
  const s = await serve(handler, options);
  stops.push(s);
  return s;
}

type Vars = Record<string, string>;
const GET: Vars = { REQUEST_METHOD: "GET", REQUEST_URI: "/", HTTP_HOST: "localhost" };

function packet(vars: Vars, modifier1 = 0, modifier2 = 0): Buffer {
  return encodePacket({ modifier1, modifier2, vars }) as Buffer; // a Buffer under Node
}

function errors(server: UwsgiServer): { client: Error[]; handler: Error[] } {
  const seen = { client: [] as Error[], handler: [] as Error[] };
  server.on("clientError", (err) => seen.client.push(err));
  server.on("error", (err) => seen.handler.push(err));
  return seen;
}

const text = (b: Buffer) => b.toString("latin1");

describe("answers", () => {
  it("writes the status line, headers and body exactly, then closes", async () => {
    const { port } = await start((_req, res) => {
      res.writeHead(201, "Made", { "X-A": "1", "Set-Cookie": ["a=1", "b=2"] });
      res.write("hel");
      res.end("lo");
    });
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer)).toBe(
      "HTTP/1.1 201 Made\r\nX-A: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhello",
    );
  });

  it("an empty end() is a bare 200 OK; nothing is added", async () => {
    const { port } = await start((_req, res) => res.end());
    expect(text((await exchange(port, [packet(GET)])).answer)).toBe("HTTP/1.1 200 OK\r\n\r\n");
  });

  it("statusCode/statusMessage, an unknown code, headers as pairs, numbers", async () => {
    const { port } = await start((req, res) => {
      if (req.url === "/a") {
        res.statusCode = 404;
        res.setHeader("Content-Length", 2);
        res.end("no");
      } else if (req.url === "/b") {
        res.writeHead(599, [["X-B", "b"]]);
        res.end();
      } else {
        res.statusCode = 204;
        res.statusMessage = "Nothing Here";
        res.end();
      }
    });
    const a = await exchange(port, [packet({ ...GET, REQUEST_URI: "/a" })]);
    expect(text(a.answer)).toBe("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno");
    const b = await exchange(port, [packet({ ...GET, REQUEST_URI: "/b" })]);
    expect(text(b.answer)).toBe("HTTP/1.1 599 Unknown\r\nX-B: b\r\n\r\n");
    const c = await exchange(port, [packet({ ...GET, REQUEST_URI: "/c" })]);
    expect(text(c.answer)).toBe("HTTP/1.1 204 Nothing Here\r\n\r\n");
  });

  it("a large first chunk goes out after the head (corked), byte for byte", async () => {
    const big = Buffer.alloc(100_000, 0x61);
    const { port } = await start((_req, res) => res.end(big));
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer.subarray(0, 19))).toBe("HTTP/1.1 200 OK\r\n\r\n");
    expect(answer.subarray(19).equals(big)).toBe(true);
  });

  it("flushHeaders sends the head before any body; cork()ed writes go out together", async () => {
    let seenHead = "";
    const { port } = await start((_req, res) => {
      res.setHeader("X-Early", "yes");
      res.flushHeaders();
      res.flushHeaders();
      expect(res.headersSent).toBe(true);
      res.cork();
      res.write("a");
      res.write("b");
      res.uncork();
      setTimeout(() => res.end("c"), 30);
    });
    const client = await rawClient(port);
    client.socket.write(packet(GET));
    await until(() => client.received().length > 0, 2000, "head");
    seenHead = text(client.received());
    expect(seenHead.startsWith("HTTP/1.1 200 OK\r\nX-Early: yes\r\n\r\n")).toBe(true);
    expect(text(await client.closed())).toBe("HTTP/1.1 200 OK\r\nX-Early: yes\r\n\r\nabc");
  });

  it("a cork()ed first write still puts the head first", async () => {
    const { port } = await start((_req, res) => {
      res.cork();
      res.write("x");
      res.write("y");
      process.nextTick(() => {
        res.uncork();
        res.end();
      });
    });
    expect(text((await exchange(port, [packet(GET)])).answer)).toBe("HTTP/1.1 200 OK\r\n\r\nxy");
  });
});

describe("response headers", () => {
  it("set/get/has/remove/append/names, case-insensitive, arrays", async () => {
    // A failed expectation in the handler makes the answer a 500: the exact bytes below catch it.
    const { port } = await start((_req, res) => {
      expect(res.getHeader("x")).toBeUndefined();
      expect(res.hasHeader("x")).toBe(false);
      expect(res.getHeaderNames()).toEqual([]);
      res.setHeader("Content-Type", "text/plain");
      expect(res.getHeader("content-type")).toBe("text/plain");
      expect(res.hasHeader("CONTENT-TYPE")).toBe(true);
      res.appendHeader("Set-Cookie", "a=1");
      res.appendHeader("set-cookie", ["b=2", "c=3"]);
      res.appendHeader("Set-Cookie", "d=4");
      expect(res.getHeader("Set-Cookie")).toEqual(["a=1", "b=2", "c=3", "d=4"]);
      (res.getHeader("Set-Cookie") as string[]).push("injected\r\nX: 1");
      res.appendHeader("X-New", ["x", "y"]);
      res.setHeader("X-Gone", "1");
      res.removeHeader("x-gone");
      expect(res.getHeaderNames()).toEqual(["content-type", "set-cookie", "x-new"]);
      res.setHeader("X-Num", 42);
      expect(res.getHeader("x-num")).toBe("42");
      res.setHeader("X-Tab", "a\tb é");
      res.end();
    });
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer)).toBe(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" +
        "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nSet-Cookie: c=3\r\nSet-Cookie: d=4\r\n" +
        "X-New: x\r\nX-New: y\r\nX-Num: 42\r\nX-Tab: a\tb \xe9\r\n\r\n",
    );
  });

  it("refuses header injection and bad names, values, status codes as node:http does; nothing of them goes out", async () => {
    const codes: string[] = [];
    const attempt = (f: () => unknown) => {
      try {
        f();
        codes.push("none");
      } catch (err) {
        codes.push(`${(err as Error).name} ${(err as { code: string }).code}`);
      }
    };
    const { port } = await start((_req, res) => {
      attempt(() => res.setHeader("X-A", "ok\r\nInjected: 1"));
      attempt(() => res.setHeader("X-A", "ok\nx"));
      attempt(() => res.setHeader("X-A", "nul\0"));
      attempt(() => res.setHeader("X-A", "del\x7f"));
      attempt(() => res.setHeader("X-A", "snow \u2603"));
      attempt(() => res.setHeader("X-A", ["ok", "bad\r\n"]));
      attempt(() => res.setHeader("X-A", Number.NaN));
      attempt(() => res.setHeader("X-A", {} as unknown as string));
      attempt(() => res.setHeader("X-A", [{}] as unknown as string[]));
      attempt(() => res.setHeader("Bad Name", "v"));
      attempt(() => res.setHeader("", "v"));
      attempt(() => res.setHeader("X\u00e9", "v"));
      attempt(() => res.appendHeader("X:Y", "v"));
      attempt(() => res.writeHead(42));
      attempt(() => res.writeHead(200.5));
      attempt(() => res.writeHead(200, "OK\r\nX: y"));
      attempt(() => res.writeHead(200, ["X-Flat", "v"] as never));
      res.statusCode = 1000;
      attempt(() => res.write("x"));
      res.statusCode = 200;
      res.statusMessage = "bad\n";
      attempt(() => res.end());
      res.statusMessage = undefined;
      attempt(() => res.writeHead(200, { "X-Ok": "1" }));
      attempt(() => res.setHeader("X-Late", "1"));
      attempt(() => res.appendHeader("X-Late", "1"));
      attempt(() => res.removeHeader("X-Ok"));
      attempt(() => res.writeHead(201));
      res.end("done");
    });
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer)).toBe("HTTP/1.1 200 OK\r\nX-Ok: 1\r\n\r\ndone");
    const char = "TypeError ERR_INVALID_CHAR";
    const value = "TypeError ERR_HTTP_INVALID_HEADER_VALUE";
    const token = "TypeError ERR_INVALID_HTTP_TOKEN";
    const status = "RangeError ERR_HTTP_INVALID_STATUS_CODE";
    const sent = "Error ERR_HTTP_HEADERS_SENT";
    expect(codes).toEqual([
      ...Array(6).fill(char),
      ...Array(3).fill(value),
      ...Array(4).fill(token),
      status,
      status,
      char,
      "TypeError ERR_INVALID_ARG_VALUE",
      status,
      char,
      "none",
      sent,
      sent,
      sent,
      sent,
    ]);
  });
});

describe("requests", () => {
  it("exposes method, url, headers, vars, modifiers, remote address and the body length", async () => {
    const seen: Record<string, unknown> = {};
    const { port } = await start((req, res) => {
      seen.method = req.method;
      seen.url = req.url;
      seen.modifiers = [req.modifier1, req.modifier2];
      seen.headers = { ...req.headers };
      const first = req.headers;
      seen.headersAgain = first === req.headers;
      seen.accept = req.getHeader("Accept");
      seen.cookie = req.getHeader("cookie");
      seen.xAll = req.getHeaderAll("x-dup");
      seen.x = req.getHeader("X_DUP");
      seen.missing = req.getHeader("nope");
      seen.remote = req.remoteAddress;
      seen.socketRemote = req.socket.remoteAddress;
      seen.length = req.contentLength;
      seen.vars = req.vars.get("SERVER_NAME");
      res.end();
    });
    const vars = encodePacket({
      modifier1: 5,
      modifier2: 7,
      vars: [
        ["REQUEST_METHOD", "POST"],
        ["REQUEST_URI", "/p?q=1"],
        ["SERVER_NAME", "example"],
        ["REMOTE_ADDR", "10.1.2.3"],
        ["CONTENT_LENGTH", "3"],
        ["HTTP_ACCEPT", "*/*"],
        ["HTTP_X_DUP", "one"],
        ["HTTP_COOKIE", "a=1"],
        ["HTTP_X_DUP", "two"],
        ["HTTP_COOKIE", "b=2"],
      ],
    });
    await exchange(port, [vars, Buffer.from("abc")]);
    expect(seen).toEqual({
      method: "POST",
      url: "/p?q=1",
      modifiers: [5, 7],
      // CONTENT_LENGTH is a header too when no HTTP_CONTENT_LENGTH says it (uWSGI's http router).
      headers: { accept: "*/*", "content-length": "3", "x-dup": "one, two", cookie: "a=1; b=2" },
      headersAgain: true,
      accept: "*/*",
      cookie: "a=1; b=2",
      xAll: ["one", "two"],
      x: "one, two",
      missing: undefined,
      remote: "10.1.2.3",
      socketRemote: "127.0.0.1",
      length: 3,
      vars: "example",
    });
  });

  it("without REQUEST_URI and REQUEST_METHOD: PATH_INFO + QUERY_STRING, GET, the socket's address", async () => {
    const seen: unknown[] = [];
    const { port } = await start((req, res) => {
      seen.push(req.method, req.url, req.remoteAddress);
      res.end();
    });
    await exchange(port, [packet({ PATH_INFO: "/x", QUERY_STRING: "a=b" })]);
    await exchange(port, [packet({ PATH_INFO: "/y", QUERY_STRING: "" })]);
    await exchange(port, [packet({ SERVER_NAME: "s" })]);
    expect(seen).toEqual([
      "GET",
      "/x?a=b",
      "127.0.0.1",
      "GET",
      "/y",
      "127.0.0.1",
      "GET",
      "/",
      "127.0.0.1",
    ]);
  });

  it("reads vars as UTF-8 with encoding: utf8 (latin1, lossless, by default)", async () => {
    const urls: string[] = [];
    const handler: RequestHandler = (req, res) => {
      urls.push(req.url);
      res.end();
    };
    const latin = await start(handler);
    const utf = await start(handler, { encoding: "utf8" });
    const p = encodePacket({ vars: { REQUEST_URI: "/caf\u00e9/\u6587" } }, { encoding: "utf8" });
    await exchange(latin.port, [p]);
    await exchange(utf.port, [p]);
    expect(Buffer.from(urls[0]!, "latin1").toString("utf8")).toBe("/caf\u00e9/\u6587");
    expect(urls[1]).toBe("/caf\u00e9/\u6587");
  });

  it("streams the body with backpressure: the socket pauses while the reader is full", async () => {
    const body = Buffer.alloc(4 * 1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
    let maxBuffered = 0;
    let hash = "";
    const { port } = await start(async (req, res) => {
      // Do not read for a while: the socket must stop being read, not buffer 4 MiB.
      await new Promise((r) => setTimeout(r, 150));
      maxBuffered = req.readableLength;
      const h = createHash("sha256");
      for await (const chunk of req) {
        h.update(chunk as Buffer);
        maxBuffered = Math.max(maxBuffered, req.readableLength);
      }
      hash = h.digest("hex");
      res.end(String(req.contentLength));
    });
    const { answer } = await exchange(port, [
      packet({ ...GET, REQUEST_METHOD: "POST", CONTENT_LENGTH: String(body.length) }),
      body,
    ]);
    expect(text(answer)).toBe(`HTTP/1.1 200 OK\r\n\r\n${body.length}`);
    expect(hash).toBe(createHash("sha256").update(body).digest("hex"));
    // 64 KiB high-water mark plus at most one socket read.
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024 + 65536);
  });

  it("answering without reading the body drops the rest; bytes after the body are ignored", async () => {
    const { server, port } = await start((req, res) => {
      res.end(`${req.method} ${req.contentLength}`);
    });
    const client = await rawClient(port);
    client.socket.write(
      packet({ ...GET, REQUEST_METHOD: "PUT", CONTENT_LENGTH: String(2 * 1024 * 1024) }),
    );
    // The answer comes before the body; keep sending it all and then some trailing junk.
    client.socket.write(Buffer.alloc(2 * 1024 * 1024));
    client.socket.end(Buffer.from("trailing junk"));
    expect(text(await client.closed())).toBe(`HTTP/1.1 200 OK\r\n\r\nPUT ${2 * 1024 * 1024}`);
    await until(() => server.openConnections === 0, 2000, "connection released");
  });

  it("req.destroy() mid-body: the rest is discarded and the answer still goes out", async () => {
    const { port } = await start((req, res) => {
      req.once("data", () => {
        req.destroy();
        res.end("stopped");
      });
    });
    const { answer } = await exchange(port, [
      packet({ ...GET, CONTENT_LENGTH: "300000" }),
      Buffer.alloc(300_000),
    ]);
    expect(text(answer)).toBe("HTTP/1.1 200 OK\r\n\r\nstopped");
  });

  it("a request complete, then a half-close: the answer still arrives", async () => {
    const { port } = await start((_req, res) => {
      setTimeout(() => res.end("late"), 50);
    });
    const client = await rawClient(port);
    client.socket.end(packet(GET));
    expect(text(await client.closed())).toBe("HTTP/1.1 200 OK\r\n\r\nlate");
  });

  it("answers a ping with a pong; a port probe is no client error", async () => {
    const { server, port } = await start(() => {
      throw new Error("no request expected");
    });
    const seen = errors(server);
    const { answer } = await exchange(port, [Buffer.from([100, 0, 0, 0])]);
    expect(answer.toString("hex")).toBe("64000001");
    const probe = await rawClient(port);
    probe.socket.end();
    await probe.closed();
    await until(() => server.openConnections === 0, 2000, "connections released");
    expect(seen).toEqual({ client: [], handler: [] });
  });
});

describe("bad input: clientError, a status, a clean close, the server goes on", () => {
  const cases: {
    name: string;
    bytes: () => Buffer[];
    options?: Parameters<typeof serve>[1];
    code: string;
    answer: string;
  }[] = [
    {
      name: "an empty key",
      bytes: () => [Buffer.from("00050000" + "0000" + "0100" + "78", "hex")],
      code: "EMPTY_KEY",
      answer: "400 Bad Request",
    },
    {
      name: "a value running past datasize",
      bytes: () => [Buffer.from("00060000" + "0100" + "6b" + "0900" + "76", "hex")],
      code: "VALUE_OVERRUNS_DATASIZE",
      answer: "400 Bad Request",
    },
    {
      name: "datasize over maxDatasize",
      bytes: () => [Buffer.from([0, 0x10, 0x27, 0]), Buffer.alloc(10_000)],
      options: { maxDatasize: 4096 },
      code: "DATASIZE_OVER_LIMIT",
      answer: "431 Request Header Fields Too Large",
    },
    {
      name: "more vars than maxVars",
      bytes: () => [packet({ A: "1", B: "2", C: "3" })],
      options: { maxVars: 2 },
      code: "TOO_MANY_VARS",
      answer: "431 Request Header Fields Too Large",
    },
    {
      name: "a body over maxBodySize",
      bytes: () => [packet({ ...GET, CONTENT_LENGTH: "1001" }), Buffer.alloc(1001)],
      options: { maxBodySize: 1000 },
      code: "BODY_TOO_LARGE",
      answer: "413 Content Too Large",
    },
    {
      name: "a CONTENT_LENGTH that is not digits, when strict",
      bytes: () => [packet({ ...GET, CONTENT_LENGTH: "5x" })],
      options: { strictContentLength: true },
      code: "INVALID_CONTENT_LENGTH",
      answer: "400 Bad Request",
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const { server, port } = await start(() => {
        throw new Error("never called");
      }, c.options);
      const seen = errors(server);
      const { answer } = await exchange(port, c.bytes());
      const body = `${c.code}\n`;
      expect(text(answer)).toBe(
        `HTTP/1.1 ${c.answer}\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      expect(seen.handler).toEqual([]);
      expect(seen.client.map((e) => (e as UwsgiError).code)).toEqual([c.code]);
      expect(seen.client[0]).toBeInstanceOf(UwsgiError);
      await until(() => server.openConnections === 0, 2000, "connection released");
    });
  }

  it("a packet cut short by a half-close: TRUNCATED, 400", async () => {
    const { server, port } = await start();
    const seen = errors(server);
    const client = await rawClient(port);
    client.socket.end(packet(GET).subarray(0, 10));
    expect(text(await client.closed())).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(seen.client.map((e) => (e as UwsgiError).code)).toEqual(["TRUNCATED"]);
  });

  it("a packet cut short by a reset: ABORTED, nothing else", async () => {
    const { server, port } = await start();
    const seen = errors(server);
    const client = await rawClient(port);
    client.socket.write(packet(GET).subarray(0, 10));
    await until(() => server.openConnections === 1, 2000, "accepted");
    await new Promise((r) => setTimeout(r, 20));
    client.socket.resetAndDestroy();
    await until(() => server.openConnections === 0, 2000, "connection released");
    expect(seen.client.map((e) => (e as UwsgiServerError).code)).toEqual(["ABORTED"]);
  });

  it("a packet that is not a request (RPC array): UNSUPPORTED_PACKET, closed without an answer", async () => {
    const { server, port } = await start();
    const seen = errors(server);
    const rpc = encodePacket({ modifier1: 173, items: [Buffer.from("hello")] });
    const { answer } = await exchange(port, [rpc]);
    expect(answer.length).toBe(0);
    expect(seen.client.map((e) => (e as UwsgiServerError).code)).toEqual(["UNSUPPORTED_PACKET"]);
  });

  it("a refused peer that keeps the connection open is cut after a short linger", async () => {
    const { server, port } = await start(undefined, { idleTimeout: 100 });
    const client = await rawClient(port);
    client.socket.write(Buffer.from("00050000" + "0000" + "0100" + "78", "hex"));
    await client.closed(2000);
    expect(text(client.received())).toMatch(/^HTTP\/1\.1 400 /);
    await until(() => server.openConnections === 0, 2000, "connection released");
  });

  it("after all that, a good request is served", async () => {
    const { port } = await start((_req, res) => res.end("fine"));
    await exchange(port, [Buffer.from("00050000" + "0000" + "0100" + "78", "hex")]);
    expect(text((await exchange(port, [packet(GET)])).answer)).toBe("HTTP/1.1 200 OK\r\n\r\nfine");
  });

  it("a clientError listener that throws is reported, not fatal", async () => {
    const { server, port } = await start();
    const seen: Error[] = [];
    server.on("error", (e) => seen.push(e));
    server.on("clientError", () => {
      throw new Error("listener bug");
    });
    await exchange(port, [Buffer.from("00050000" + "0000" + "0100" + "78", "hex")]);
    expect(seen.map((e) => (e as UwsgiServerError).code)).toEqual(["HANDLER_FAILED"]);
  });
});

describe("handler failures", () => {
  it("a handler that throws before answering: 500, an 'error' event with the cause", async () => {
    const boom = new Error("boom");
    const { server, port } = await start((_req, res) => {
      res.setHeader("X-Should-Not", "appear");
      throw boom;
    });
    const seen = errors(server);
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer)).toBe(
      "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain; charset=utf-8\r\n" +
        "Content-Length: 22\r\n\r\nInternal Server Error\n",
    );
    expect(seen.handler).toHaveLength(1);
    expect(seen.handler[0]).toBeInstanceOf(UwsgiServerError);
    expect((seen.handler[0] as UwsgiServerError).code).toBe("HANDLER_FAILED");
    expect(seen.handler[0]!.cause).toBe(boom);
    expect(seen.client).toEqual([]);
  });

  it("an async handler that rejects: 500 (no unhandled rejection)", async () => {
    const { server, port } = await start(async () => {
      await new Promise((r) => setTimeout(r, 10));
      throw "a string";
    });
    const seen = errors(server);
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    expect(seen.handler[0]!.cause).toBe("a string");
  });

  it("a throw after bytes went out cuts the connection (nginx sees it incomplete)", async () => {
    const { server, port } = await start((_req, res) => {
      res.writeHead(200, { "Content-Length": "100" });
      res.write("partial");
      throw new Error("late");
    });
    const seen = errors(server);
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer)).toBe("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
    expect((seen.handler[0] as UwsgiServerError).code).toBe("HANDLER_FAILED");
    await until(() => server.openConnections === 0, 2000, "connection released");
  });

  it("a throw after end() only reports", async () => {
    const { server, port } = await start((_req, res) => {
      res.end("done");
      throw new Error("after");
    });
    const seen = errors(server);
    expect(text((await exchange(port, [packet(GET)])).answer)).toBe("HTTP/1.1 200 OK\r\n\r\ndone");
    expect(seen.handler).toHaveLength(1);
  });

  it("without an 'error' listener a failure goes to stderr and the process lives", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const { port } = await start(() => {
      throw new Error("quiet");
    });
    const { answer } = await exchange(port, [packet(GET)]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 500 /);
    expect(spy).toHaveBeenCalledTimes(1);
    expect((spy.mock.calls[0]![0] as UwsgiServerError).code).toBe("HANDLER_FAILED");
  });

  it("no 'request' listener: 500", async () => {
    const { server, port } = await start();
    const seen = errors(server);
    expect(text((await exchange(port, [packet(GET)])).answer)).toMatch(/^HTTP\/1\.1 500 /);
    expect(seen.handler).toHaveLength(1);
  });

  it("several listeners run in order; a failing one stops the rest", async () => {
    const calls: string[] = [];
    const { server, port } = await start((_req, _res) => {
      calls.push("first");
    });
    server.on("request", (_req, res) => {
      calls.push("second");
      res.end("2");
    });
    server.once("request", () => {
      calls.push("third");
    });
    expect(text((await exchange(port, [packet(GET)])).answer)).toBe("HTTP/1.1 200 OK\r\n\r\n2");
    expect(calls).toEqual(["first", "second", "third"]);
  });

  it("res.destroy() by the handler cuts the connection; write after end is reported", async () => {
    const { server, port } = await start((req, res) => {
      if (req.url === "/destroy") {
        res.write("x");
        res.destroy();
      } else if (req.url === "/destroy-error") {
        res.destroy(new Error("mine"));
      } else {
        res.end("a");
        res.write("b");
      }
    });
    const seen = errors(server);
    const a = await exchange(port, [packet({ ...GET, REQUEST_URI: "/destroy" })]);
    expect(text(a.answer)).toBe("HTTP/1.1 200 OK\r\n\r\nx");
    const b = await exchange(port, [packet({ ...GET, REQUEST_URI: "/destroy-error" })]);
    expect(text(b.answer)).toBe("");
    const c = await exchange(port, [packet({ ...GET, REQUEST_URI: "/write-after-end" })]);
    expect(text(c.answer)).toBe("HTTP/1.1 200 OK\r\n\r\na");
    await until(() => seen.handler.length === 2, 2000, "reports");
    expect(seen.handler.map((e) => (e as UwsgiServerError).code)).toEqual([
      "HANDLER_FAILED",
      "HANDLER_FAILED",
    ]);
    expect((seen.handler[0]!.cause as Error).message).toBe("mine");
    expect((seen.handler[1]!.cause as { code: string }).code).toBe("ERR_STREAM_WRITE_AFTER_END");
  });
});

describe("timeouts and aborts", () => {
  it("headersTimeout: a packet that does not arrive whole in time gets 408", async () => {
    const { server, port } = await start(undefined, { headersTimeout: 100 });
    const seen = errors(server);
    const t0 = Date.now();
    const client = await rawClient(port);
    client.socket.write(packet(GET).subarray(0, 6));
    const answer = await client.closed(3000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(seen.client.map((e) => (e as UwsgiServerError).code)).toEqual(["HEADER_TIMEOUT"]);
  });

  it("idleTimeout: a handler that never answers; the request sees it aborted", async () => {
    let request: UwsgiRequest | undefined;
    let response: UwsgiServerResponse | undefined;
    const events: string[] = [];
    const { server, port } = await start(
      (req, res) => {
        request = req;
        response = res;
        req.signal.addEventListener("abort", () => events.push("signal"));
        req.on("aborted", () => events.push("aborted"));
        res.on("close", () => events.push(`res close finished=${res.writableFinished}`));
      },
      { idleTimeout: 150 },
    );
    const seen = errors(server);
    const { answer } = await exchange(port, [packet(GET)]);
    expect(answer.length).toBe(0);
    await until(() => events.length === 3, 2000, "events");
    expect(events).toEqual(["aborted", "signal", "res close finished=false"]);
    expect(request!.aborted).toBe(true);
    expect((request!.signal.reason as UwsgiServerError).code).toBe("IDLE_TIMEOUT");
    expect(seen.client.map((e) => (e as UwsgiServerError).code)).toEqual(["IDLE_TIMEOUT"]);
    // Writes after the loss are dropped, not thrown, not reported.
    expect(response!.write("late")).toBe(false);
    response!.end();
    await new Promise((r) => setTimeout(r, 20));
    expect(seen.handler).toEqual([]);
  });

  it("the peer resets mid-body: the body errors ABORTED, writes are dropped, all released", async () => {
    let bodyError: unknown;
    let response: UwsgiServerResponse | undefined;
    let signalAfter: AbortSignal | undefined;
    const { server, port } = await start((req, res) => {
      response = res;
      req.on("error", (e) => {
        bodyError = e;
        signalAfter = req.signal;
      });
      req.resume();
    });
    const seen = errors(server);
    const client = await rawClient(port);
    client.socket.write(packet({ ...GET, CONTENT_LENGTH: "100000" }));
    client.socket.write(Buffer.alloc(1000));
    await until(() => response !== undefined, 2000, "request");
    client.socket.resetAndDestroy();
    await until(() => bodyError !== undefined, 2000, "body error");
    expect(bodyError).toBeInstanceOf(UwsgiServerError);
    expect((bodyError as UwsgiServerError).code).toBe("ABORTED");
    expect(signalAfter!.aborted).toBe(true);
    expect(response!.destroyed).toBe(true);
    expect(response!.write("dropped")).toBe(false);
    await until(() => server.openConnections === 0, 2000, "connection released");
    expect(seen.client.map((e) => (e as UwsgiServerError).code)).toEqual(["ABORTED"]);
  });

  it("the peer half-closes mid-body: ABORTED, saying how much arrived", async () => {
    const caught: unknown[] = [];
    const { server, port } = await start(async (req) => {
      try {
        for await (const _ of req) {
          // reading
        }
      } catch (e) {
        caught.push(e);
      }
    });
    const seen = errors(server);
    const client = await rawClient(port);
    client.socket.write(packet({ ...GET, CONTENT_LENGTH: "5000" }));
    client.socket.end(Buffer.alloc(1200));
    await client.closed();
    await until(() => caught.length === 1, 2000, "body error");
    expect((caught[0] as UwsgiServerError).code).toBe("ABORTED");
    expect((caught[0] as Error).message).toContain("after 1200 of 5000 body bytes");
    expect(seen.client.map((e) => (e as UwsgiServerError).code)).toEqual(["ABORTED"]);
  });

  it("an unread body whose peer went away does not crash (no 'error' listener)", async () => {
    const { server, port } = await start(() => {
      // Neither reads the body nor answers.
    });
    const client = await rawClient(port);
    client.socket.write(packet({ ...GET, CONTENT_LENGTH: "10" }));
    client.socket.write("abc");
    await until(() => server.openConnections === 1, 2000, "accepted");
    await new Promise((r) => setTimeout(r, 20));
    client.socket.destroy();
    await until(() => server.openConnections === 0, 2000, "connection released");
  });

  it("the answer streams with backpressure: write() returns false, 'drain' follows, memory stays bounded", async () => {
    const total = 16 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 0x7a);
    let falses = 0;
    let drains = 0;
    let maxQueued = 0;
    const { port } = await start(async (_req, res) => {
      res.on("drain", () => drains++);
      for (let sent = 0; sent < total; sent += chunk.length) {
        if (!res.write(chunk)) {
          falses++;
          maxQueued = Math.max(maxQueued, res.writableLength + res.socket.writableLength);
          await new Promise((r) => res.once("drain", r));
        }
      }
      res.end();
    });
    const client = await rawClient(port);
    client.socket.pause();
    client.socket.write(packet(GET));
    await new Promise((r) => setTimeout(r, 200));
    client.socket.resume();
    const answer = await client.closed(10_000);
    expect(answer.length).toBe(19 + total);
    expect(falses).toBeGreaterThan(0);
    expect(drains).toBe(falses);
    expect(maxQueued).toBeLessThanOrEqual(4 * chunk.length);
  });
});

describe("listen, close, limits", () => {
  it("close() lets a request in flight finish, refuses new ones, then calls back", async () => {
    const { server, port } = await start((_req, res) => {
      setTimeout(() => res.end("finished"), 200);
    });
    const inflight = exchange(port, [packet(GET)]);
    await until(() => server.openConnections === 1, 2000, "accepted");
    const closed = new Promise<void>((r) => server.close(() => r()));
    const closeEvent = new Promise<void>((r) => server.once("close", () => r()));
    await expect(exchange(port, [packet(GET)])).rejects.toThrow(/ECONNREFUSED/);
    expect(text((await inflight).answer)).toBe("HTTP/1.1 200 OK\r\n\r\nfinished");
    await closed;
    await closeEvent;
  });

  it("close() cuts what is still open after closeTimeout (SHUTDOWN)", async () => {
    let request: UwsgiRequest | undefined;
    const { server, port } = await start(
      (req) => {
        request = req;
      },
      { closeTimeout: 100 },
    );
    const inflight = exchange(port, [packet(GET)]);
    await until(() => request !== undefined, 2000, "request");
    const t0 = Date.now();
    await new Promise<void>((r) => server.close(() => r()));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(server.openConnections).toBe(0);
    expect((await inflight).answer.length).toBe(0);
    expect(request!.aborted).toBe(true);
    expect((request!.signal.reason as UwsgiServerError).code).toBe("SHUTDOWN");
  });

  it("close() of a server that is not listening calls back with an error", async () => {
    const server = createServer();
    const err = await new Promise<Error | undefined>((r) => server.close(r));
    expect((err as NodeJS.ErrnoException).code).toBe("ERR_SERVER_NOT_RUNNING");
  });

  it("listens on a unix socket", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-server-"));
    const path = join(dir, "app.sock");
    const server = createServer((req, res) => res.end(`unix ${req.url} ${req.remoteAddress}`));
    try {
      await new Promise<void>((r) => server.listen(path, () => r()));
      expect(server.address()).toBe(path);
      const client = await rawClient(path);
      client.socket.write(packet({ REQUEST_URI: "/u" }));
      expect(text(await client.closed())).toBe("HTTP/1.1 200 OK\r\n\r\nunix /u undefined");
    } finally {
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("maxConnections: a connection over the bound is closed at once", async () => {
    let release: (() => void) | undefined;
    const { server, port } = await start(
      (_req, res) => {
        release = () => res.end("first");
      },
      { maxConnections: 1 },
    );
    expect(server.maxConnections).toBe(1);
    const first = exchange(port, [packet(GET)]);
    await until(() => release !== undefined, 2000, "first request");
    const second = await exchange(port, [packet(GET)]).catch((e: Error) => e);
    if (second instanceof Error) expect(second.message).toMatch(/ECONNRESET|EPIPE/);
    else expect(second.answer.length).toBe(0);
    release!();
    expect(text((await first).answer)).toBe("HTTP/1.1 200 OK\r\n\r\nfirst");
  });

  it("the defaults (bad options: test/server/misuse.test.ts)", () => {
    expect(DEFAULT_SERVER_OPTIONS).toEqual({
      maxDatasize: 65535,
      maxVars: 1024,
      maxBodySize: Number.POSITIVE_INFINITY,
      headersTimeout: 10_000,
      requestTimeout: 300_000,
      idleTimeout: 120_000,
      maxConnections: 4096,
      closeTimeout: 10_000,
      encoding: "latin1",
      strictContentLength: false,
      allowChunked: true,
    });
    expect(createServer().options).toEqual(DEFAULT_SERVER_OPTIONS);
    const s = createServer(undefined, { maxBodySize: Number.POSITIVE_INFINITY, idleTimeout: 0 });
    expect(s).toBeInstanceOf(UwsgiServer);
  });

  it("timeouts of 0 are off", async () => {
    const { server, port } = await start((_req, res) => setTimeout(() => res.end("ok"), 50), {
      headersTimeout: 0,
      requestTimeout: 0,
      idleTimeout: 0,
    });
    expect(text((await exchange(port, [packet(GET)])).answer)).toBe("HTTP/1.1 200 OK\r\n\r\nok");
    await until(() => server.openConnections === 0, 2000, "released");
  });

  it("listen errors reach 'error' as with net.Server", async () => {
    const { port } = await start();
    const other = createServer();
    const err = await new Promise<Error>((resolve) => {
      other.once("error", resolve);
      other.listen(port, "127.0.0.1");
    });
    expect((err as NodeJS.ErrnoException).code).toBe("EADDRINUSE");
  });

  it("many raw requests at once all get their own answer", async () => {
    const { server, port } = await start(async (req, res) => {
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      res.end(req.url);
    });
    const ids = Array.from({ length: 100 }, (_, i) => `/id/${i}`);
    const answers = await Promise.all(
      ids.map((id) => exchange(port, [packet({ ...GET, REQUEST_URI: id })])),
    );
    expect(answers.map((a) => text(a.answer).split("\r\n\r\n")[1])).toEqual(ids);
    await until(() => server.openConnections === 0, 2000, "released");
  });
});

// Keep `connect` used for a socket-level check: a server that was closed refuses connections.
it("a stopped server refuses connections", async () => {
  const s = await serve((_req, res) => res.end());
  await s.stop();
  const err = await new Promise<Error>((resolve) => {
    const c = connect({ host: "127.0.0.1", port: s.port });
    c.once("error", resolve);
  });
  expect((err as NodeJS.ErrnoException).code).toBe("ECONNREFUSED");
});

it("every path releases its sockets and timers", async () => {
  const count = () => {
    const counts: Record<string, number> = {};
    for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
    return counts;
  };
  // The runner holds a timer for its first ~200 ms; start from a quiet baseline.
  await new Promise((r) => setTimeout(r, 300));
  const before = count();
  // Default timeouts (10 s, 120 s): a timer left behind would still be there at the end.
  const s = await serve(async (req, res) => {
    if (req.url === "/throw") throw new Error("x");
    if (req.url === "/cut") {
      res.write("x");
      res.destroy();
      return;
    }
    for await (const _ of req) {
      // drain
    }
    res.end("ok");
  });
  s.server.on("error", () => {});
  await exchange(s.port, [packet({ ...GET, CONTENT_LENGTH: "3" }), Buffer.from("abc")]);
  await exchange(s.port, [packet({ ...GET, REQUEST_URI: "/throw" })]);
  await exchange(s.port, [packet({ ...GET, REQUEST_URI: "/cut" })]);
  await exchange(s.port, [Buffer.from([100, 0, 0, 0])]);
  await exchange(s.port, [Buffer.from("00050000" + "0000" + "0100" + "78", "hex")]);
  const truncated = await rawClient(s.port);
  truncated.socket.end(packet(GET).subarray(0, 3));
  await truncated.closed();
  const aborted = await rawClient(s.port);
  aborted.socket.write(packet({ ...GET, CONTENT_LENGTH: "100" }));
  await until(() => s.server.openConnections === 1, 2000, "accepted");
  aborted.socket.destroy();
  await until(() => s.server.openConnections === 0, 2000, "released");
  await s.stop();
  await new Promise((r) => setTimeout(r, 20));
  expect(count()).toEqual(before);
});
