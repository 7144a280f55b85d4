// Chunked request bodies (HTTP_TRANSFER_ENCODING: chunked and no CONTENT_LENGTH, as uWSGI's http
// router and router_uwsgi send an upload): the handler reads the decoded bytes with backpressure;
// bad framing, a refusal by option, a body that never comes each end the request with a status.
import { describe, expect, it } from "vitest";
import { chunkedBody, patternBytes } from "../../scripts/lib/bodies.mjs";
import { encodePacket } from "../../src/index.js";
import type { UwsgiRequest } from "../../src/server/request.js";
import type { RequestHandler } from "../../src/server/server.js";
import type { UwsgiServerError } from "../../src/server/server-error.js";
import { exchange } from "../interop/support/exchange.js";
import { sha256 } from "../support/bytes.js";
import { clientErrors, rawClient, serveForTest, until } from "./support/serve.js";

// What uWSGI's http router sends for `curl -H "Transfer-Encoding: chunked" --data-binary @f`.
const PACKET = encodePacket({
  vars: [
    ["REQUEST_METHOD", "POST"],
    ["REQUEST_URI", "/upload"],
    ["SERVER_PROTOCOL", "HTTP/1.1"],
    ["UWSGI_ROUTER", "http"],
    ["HTTP_HOST", "127.0.0.1"],
    ["HTTP_TRANSFER_ENCODING", "chunked"],
    ["CONTENT_TYPE", "application/octet-stream"],
  ],
});
const text = (b: Buffer) => b.toString("latin1");

/** A handler that hashes the body and answers `<length> <sha256>`. */
const hashing: RequestHandler = async (req, res) => {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  const body = Buffer.concat(parts);
  res.end(`${body.length} ${sha256(body)} ${String(req.contentLength)}`);
};

describe("chunked request bodies", () => {
  it("1 MiB in chunks of many sizes arrives decoded and whole; contentLength is undefined", async () => {
    const body = patternBytes(1024 * 1024);
    const wire = chunkedBody(body, [1, 7, 4096, 65_536, 300_000, 13]);
    const { port } = await serveForTest(hashing);
    // The wire cut at odd places, as a router's reads would cut it.
    const parts: Uint8Array[] = [PACKET];
    for (let at = 0; at < wire.length; at += 50_001) parts.push(wire.subarray(at, at + 50_001));
    const { answer } = await exchange(port, parts);
    expect(text(answer)).toBe(`HTTP/1.1 200 OK\r\n\r\n${body.length} ${sha256(body)} undefined`);
  });

  it("backpressure: a reader that waits stops the socket being read; memory stays bounded", async () => {
    const body = patternBytes(4 * 1024 * 1024);
    let maxBuffered = 0;
    let request: UwsgiRequest | undefined;
    const { port } = await serveForTest(async (req, res) => {
      request = req;
      await new Promise((r) => setTimeout(r, 150));
      const parts: Buffer[] = [];
      for await (const chunk of req) {
        parts.push(chunk as Buffer);
        maxBuffered = Math.max(maxBuffered, req.readableLength);
      }
      res.end(sha256(Buffer.concat(parts)));
    });
    const { answer } = await exchange(port, [PACKET, chunkedBody(body, [100_000])]);
    expect(text(answer)).toBe(`HTTP/1.1 200 OK\r\n\r\n${sha256(body)}`);
    expect(request!.complete).toBe(true);
    // 64 KiB high-water mark plus at most one socket read.
    expect(maxBuffered).toBeLessThanOrEqual(64 * 1024 + 65_536);
  });

  it("malformed framing after dispatch, before any answer: 400, INVALID_CHUNK, the body stream errors with it", async () => {
    let bodyError: unknown;
    let dispatched = false;
    const { server, port } = await serveForTest((req) => {
      dispatched = true;
      req.on("error", (e) => {
        bodyError = e;
      });
      req.resume();
    });
    const codes = clientErrors(server);
    const client = await rawClient(port);
    client.socket.write(PACKET);
    await until(() => dispatched, 2000, "the request");
    client.socket.write("5\r\nhelloXX0\r\n\r\n");
    expect(text(await client.closed())).toMatch(
      /^HTTP\/1\.1 400 Bad Request\r\n.*\r\n\r\nINVALID_CHUNK\n$/s,
    );
    expect(codes).toEqual(["INVALID_CHUNK"]);
    await until(() => bodyError !== undefined, 2000, "the body's error");
    expect(bodyError).toMatchObject({ code: "INVALID_CHUNK", offset: PACKET.length + 8 });
  });

  it("malformed framing in the same read as the packet: 400, and no handler sees the request", async () => {
    let dispatched = false;
    const { server, port } = await serveForTest(() => {
      dispatched = true;
    });
    const codes = clientErrors(server);
    const { answer } = await exchange(port, [PACKET, Buffer.from("5\r\nhelloXX")]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(codes).toEqual(["INVALID_CHUNK"]);
    expect(dispatched).toBe(false);
  });

  it("malformed framing after the answer started: the connection is cut, nothing written into it", async () => {
    const { server, port } = await serveForTest((req, res) => {
      res.writeHead(200, { "Content-Length": "10" });
      res.write("12345");
      req.resume();
    });
    const codes = clientErrors(server);
    const client = await rawClient(port);
    client.socket.write(PACKET);
    await until(() => client.received().length > 0, 2000, "the answer's start");
    client.socket.write("zz\r\n");
    expect(text(await client.closed())).toBe("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n12345");
    expect(codes).toEqual(["INVALID_CHUNK"]);
  });

  it("a chunk over maxBodySize: 413 before any of its bytes reach the handler", async () => {
    let got = 0;
    const { server, port } = await serveForTest(
      (req) => {
        req.on("data", (c: Buffer) => {
          got += c.length;
        });
        req.on("error", () => {});
      },
      { maxBodySize: 1000 },
    );
    const codes = clientErrors(server);
    const wire = chunkedBody(patternBytes(5000), [600]);
    const client = await rawClient(port);
    // The first chunk (600 bytes, framing included) goes through; the second would cross 1000.
    client.socket.write(Buffer.concat([PACKET, wire.subarray(0, 4 + 600 + 2)]));
    await until(() => got === 600, 2000, "the first chunk");
    client.socket.write(wire.subarray(4 + 600 + 2));
    expect(text(await client.closed())).toMatch(/^HTTP\/1\.1 413 Content Too Large\r\n/);
    expect(codes).toEqual(["BODY_TOO_LARGE"]);
    expect(got).toBe(600);
  });

  it("allowChunked: false answers 411 Length Required and never dispatches", async () => {
    let dispatched = false;
    const { server, port } = await serveForTest(
      () => {
        dispatched = true;
      },
      { allowChunked: false },
    );
    const codes = clientErrors(server);
    const { answer } = await exchange(port, [PACKET, chunkedBody(Buffer.from("hello"))]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 411 Length Required\r\n/);
    expect(codes).toEqual(["LENGTH_REQUIRED"]);
    expect(dispatched).toBe(false);
  });

  it("a transfer coding that does not end in chunked, without CONTENT_LENGTH: 501", async () => {
    const { server, port } = await serveForTest(() => {});
    const codes = clientErrors(server);
    const pkt = encodePacket({ vars: { REQUEST_METHOD: "POST", HTTP_TRANSFER_ENCODING: "gzip" } });
    const { answer } = await exchange(port, [pkt, Buffer.from("whatever")]);
    expect(text(answer)).toMatch(/^HTTP\/1\.1 501 Not Implemented\r\n/);
    expect(codes).toEqual(["UNSUPPORTED_TRANSFER_ENCODING"]);
  });

  it("a chunked packet whose body never comes is ended by requestTimeout (408), never hangs", async () => {
    const { server, port } = await serveForTest((req) => req.resume(), {
      requestTimeout: 200,
      headersTimeout: 100,
    });
    const codes = clientErrors(server);
    const client = await rawClient(port);
    client.socket.write(PACKET);
    client.socket.write("5\r\nhel");
    expect(text(await client.closed(5000))).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(codes).toEqual(["REQUEST_TIMEOUT"]);
  });

  it("the peer half-closes inside the chunked body: ABORTED, saying where", async () => {
    const caught: unknown[] = [];
    const { server, port } = await serveForTest(async (req) => {
      try {
        for await (const _ of req) {
          // reading
        }
      } catch (e) {
        caught.push(e);
      }
    });
    const codes = clientErrors(server);
    const client = await rawClient(port);
    client.socket.write(PACKET);
    client.socket.end("5\r\nhel");
    await client.closed();
    await until(() => caught.length === 1, 2000, "the body's error");
    expect((caught[0] as UwsgiServerError).code).toBe("ABORTED");
    expect((caught[0] as Error).message).toContain("inside the chunked body");
    expect(codes).toEqual(["ABORTED"]);
  });

  it("nginx's form (CONTENT_LENGTH and chunked, de-chunked body) is read as plain bytes", async () => {
    const { port } = await serveForTest(hashing);
    const body = Buffer.from("chunky-body-123");
    const pkt = encodePacket({
      vars: { REQUEST_METHOD: "POST", CONTENT_LENGTH: "15", HTTP_TRANSFER_ENCODING: "chunked" },
    });
    const { answer } = await exchange(port, [pkt, body]);
    expect(text(answer)).toBe(`HTTP/1.1 200 OK\r\n\r\n15 ${sha256(body)} 15`);
  });
});
