// requestTimeout: a deadline for the whole request (packet and body), as node:http's. idleTimeout
// restarts with every byte, so without it a peer sending one byte per idle period is served forever.
import { afterEach, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { UwsgiRequest } from "../../src/server/request.js";
import type { UwsgiServerError } from "../../src/server/server-error.js";
import { clientErrors, rawClient, serveForTest, until } from "./support/serve.js";

const timers: NodeJS.Timeout[] = [];
afterEach(() => {
  for (const t of timers.splice(0)) clearInterval(t);
});

const POST = (length: number) =>
  encodePacket({
    vars: { REQUEST_METHOD: "POST", REQUEST_URI: "/up", CONTENT_LENGTH: String(length) },
  });

/** Sends one body byte every `ms` (each well inside idleTimeout) until the socket closes. */
function trickle(socket: import("node:net").Socket, ms: number): void {
  const t = setInterval(() => {
    if (socket.writable) socket.write("x");
  }, ms);
  timers.push(t);
  socket.once("close", () => clearInterval(t));
}

describe("requestTimeout", () => {
  it("a body trickled one byte per idle period is cut at the deadline: 408 while nothing was answered", async () => {
    let request: UwsgiRequest | undefined;
    let bodyError: unknown;
    const { server, port } = await serveForTest(
      (req, res) => {
        request = req;
        req.on("error", (e) => {
          bodyError = e;
        });
        req.resume();
        req.on("end", () => res.end("never"));
      },
      { requestTimeout: 300, headersTimeout: 100, idleTimeout: 200 },
    );
    const codes = clientErrors(server);
    const client = await rawClient(port);
    client.socket.write(POST(1_000_000));
    trickle(client.socket, 40);
    const answer = (await client.closed(5000)).toString("latin1");
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(codes).toEqual(["REQUEST_TIMEOUT"]);
    await until(() => bodyError !== undefined, 2000, "the body's error");
    expect((bodyError as UwsgiServerError).code).toBe("REQUEST_TIMEOUT");
    expect(request!.aborted).toBe(true);
  });

  it("once the answer started, the connection is cut (never a second status line)", async () => {
    const { server, port } = await serveForTest(
      (req, res) => {
        res.writeHead(200, { "Content-Length": "100" });
        res.write("started");
        req.resume();
      },
      { requestTimeout: 300, headersTimeout: 100, idleTimeout: 200 },
    );
    const codes = clientErrors(server);
    const client = await rawClient(port);
    client.socket.write(POST(1_000_000));
    trickle(client.socket, 40);
    const answer = (await client.closed(5000)).toString("latin1");
    expect(answer).toBe("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nstarted");
    expect(codes).toEqual(["REQUEST_TIMEOUT"]);
  });

  it("a packet trickled byte by byte also meets the deadline (headersTimeout off)", async () => {
    const { server, port } = await serveForTest(() => {}, {
      requestTimeout: 200,
      headersTimeout: 0,
      idleTimeout: 150,
    });
    const codes = clientErrors(server);
    const client = await rawClient(port);
    const pkt = POST(0);
    let i = 0;
    const t = setInterval(() => {
      if (i < pkt.length && client.socket.writable) client.socket.write(pkt.subarray(i, ++i));
    }, 30);
    timers.push(t);
    const answer = (await client.closed(5000)).toString("latin1");
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(codes).toEqual(["REQUEST_TIMEOUT"]);
  });

  it("a request whose body is complete is not cut: the handler may take longer than the deadline", async () => {
    const { server, port } = await serveForTest(
      (req, res) => {
        req.resume();
        req.on("end", () => setTimeout(() => res.end("late but fine"), 250));
      },
      { requestTimeout: 100, headersTimeout: 50 },
    );
    const codes = clientErrors(server);
    const client = await rawClient(port);
    client.socket.write(POST(3));
    client.socket.write("abc");
    const answer = (await client.closed(5000)).toString("latin1");
    expect(answer).toBe("HTTP/1.1 200 OK\r\n\r\nlate but fine");
    expect(codes).toEqual([]);
  });

  it("defaults to node:http's 300 s; 0 turns it off; it may not be below headersTimeout", async () => {
    const { DEFAULT_SERVER_OPTIONS } = await import("../../src/server/options.js");
    expect(DEFAULT_SERVER_OPTIONS.requestTimeout).toBe(300_000);
    const { createServer } = await import("../../src/server/server.js");
    expect(createServer({ requestTimeout: 0, headersTimeout: 50_000 }).options.requestTimeout).toBe(
      0,
    );
    expect(() => createServer({ requestTimeout: 1000, headersTimeout: 2000 })).toThrow(
      expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE" }),
    );
  });
});
