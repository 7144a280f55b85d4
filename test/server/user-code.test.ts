// Errors thrown by user code that the server runs (request and response listeners, handlers,
// 'clientError' and 'error' listeners) are HANDLER_FAILED with the thrown value as `cause`; the
// answer becomes a 500 only while nothing was sent, and is never written into once it started.
import { afterEach, describe, expect, it, vi } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { UwsgiServer } from "../../src/server/server.js";
import { UwsgiServerError } from "../../src/server/server-error.js";
import { exchange } from "../interop/support/exchange.js";
import { rawClient, serveForTest, until } from "./support/serve.js";

afterEach(() => {
  vi.restoreAllMocks();
});

function seen(server: UwsgiServer): { client: Error[]; errors: Error[] } {
  const out = { client: [] as Error[], errors: [] as Error[] };
  server.on("clientError", (e) => out.client.push(e));
  server.on("error", (e) => out.errors.push(e));
  return out;
}

const POST = (length: number) =>
  encodePacket({
    vars: { REQUEST_METHOD: "POST", REQUEST_URI: "/", CONTENT_LENGTH: String(length) },
  });
const text = (b: Buffer) => b.toString("latin1");
const codeOf = (e: Error) => (e as UwsgiServerError).code;

describe("user code that throws", () => {
  it("a 'data' listener that throws after the answer started: the connection is cut, never written into", async () => {
    const boom = new Error("listener bug");
    const { server, port } = await serveForTest((req, res) => {
      res.writeHead(200, { "Content-Length": "50" });
      res.write("partial");
      req.on("data", () => {
        throw boom;
      });
    });
    const s = seen(server);
    const client = await rawClient(port);
    client.socket.write(POST(10));
    await until(() => client.received().length > 0, 2000, "the answer's start");
    client.socket.write("0123456789");
    const answer = text(await client.closed(3000));
    expect(answer).toBe("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\npartial");
    expect(s.client).toEqual([]);
    expect(s.errors.map(codeOf)).toEqual(["HANDLER_FAILED"]);
    expect(s.errors[0]).toBeInstanceOf(UwsgiServerError);
    expect(s.errors[0]!.cause).toBe(boom);
  });

  it("a 'data' listener that throws before any answer: 500, HANDLER_FAILED, not a clientError", async () => {
    const boom = new Error("early");
    const { server, port } = await serveForTest((req) => {
      req.on("data", () => {
        throw boom;
      });
    });
    const s = seen(server);
    const { answer } = await exchange(port, [POST(3), Buffer.from("abc")]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    expect(s.client).toEqual([]);
    expect(s.errors.map(codeOf)).toEqual(["HANDLER_FAILED"]);
    expect(s.errors[0]!.cause).toBe(boom);
  });

  it("a pipe destination whose write() throws is the handler's failure too", async () => {
    const { Writable } = await import("node:stream");
    const boom = new Error("sink bug");
    const { server, port } = await serveForTest((req) => {
      req.pipe(
        new Writable({
          write() {
            throw boom;
          },
        }),
      );
    });
    const s = seen(server);
    const { answer } = await exchange(port, [POST(3), Buffer.from("abc")]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 500 /);
    expect(s.errors[0]!.cause).toBe(boom);
  });

  it("a 'drain' listener that throws: reported, the connection cut, the process lives", async () => {
    const boom = new Error("drain bug");
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const { server, port } = await serveForTest((_req, res) => {
      res.once("drain", () => {
        throw boom;
      });
      while (res.write(chunk)) {
        // fill the socket
      }
    });
    const s = seen(server);
    const client = await rawClient(port);
    client.socket.write(POST(0));
    await client.closed(5000);
    await until(() => s.errors.length > 0, 2000, "the report");
    expect(s.errors.map(codeOf)).toEqual(["HANDLER_FAILED"]);
    expect(s.errors[0]!.cause).toBe(boom);
  });

  it("an 'aborted' listener that throws when the peer leaves: reported, nothing else breaks", async () => {
    const boom = new Error("aborted bug");
    let started = false;
    const { server, port } = await serveForTest((req) => {
      started = true;
      req.on("aborted", () => {
        throw boom;
      });
    });
    const s = seen(server);
    const client = await rawClient(port);
    client.socket.write(POST(100));
    await until(() => started, 2000, "the request");
    client.socket.destroy();
    await until(() => s.errors.length > 0 && server.openConnections === 0, 2000, "the report");
    expect(s.errors.map(codeOf)).toEqual(["HANDLER_FAILED"]);
    expect(s.errors[0]!.cause).toBe(boom);
    expect(s.client.map(codeOf)).toEqual(["ABORTED"]);
  });

  it("an 'error' listener that throws goes to stderr, with what it was told; the process lives", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const { server, port } = await serveForTest(() => {
      throw new Error("handler");
    });
    server.on("error", () => {
      throw new Error("error listener");
    });
    const { answer } = await exchange(port, [POST(0)]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 500 /);
    await until(() => spy.mock.calls.length > 0, 2000, "stderr");
    const logged = spy.mock.calls.flat() as Error[];
    expect(logged.map((e) => (e as Error).message)).toContain("error listener");
  });
});
