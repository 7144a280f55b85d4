// When the server closes a connection: at once after the answer when the request was read to its
// end (as uWSGI does), else only once the peer is done sending (closing with unread bytes would
// reset the connection).
import { createHash } from "node:crypto";
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import { serveForTest, until } from "./support/serve.js";

/** A client that never half-closes by itself: it sees the server's close as 'end'. */
function stubbornClient(port: number) {
  const socket: Socket = connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  const chunks: Buffer[] = [];
  let ended = false;
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("end", () => {
    ended = true;
  });
  socket.on("error", () => {});
  return {
    socket,
    ended: () => ended,
    received: () => Buffer.concat(chunks),
  };
}

describe("closing after the answer", () => {
  it("a GET read to its end: closed right after the answer, without waiting for the peer", async () => {
    const s = await serveForTest((_req, res) => res.end("hi"));
    const client = stubbornClient(s.port);
    try {
      client.socket.write(encodePacket({ vars: { REQUEST_METHOD: "GET", CONTENT_LENGTH: "" } }));
      await until(() => client.ended(), 2000, "the answer's end");
      // The client has not closed its side; the server let the connection go all the same.
      await until(() => s.server.openConnections === 0, 2000, "connection released");
      expect(client.received().toString("latin1")).toBe("HTTP/1.1 200 OK\r\n\r\nhi");
    } finally {
      client.socket.destroy();
    }
  });

  it("an answer larger than the socket buffers arrives whole before the close", async () => {
    const big = Buffer.alloc(8 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i);
    const s = await serveForTest((_req, res) => {
      res.writeHead(200, { "Content-Length": big.length });
      res.end(big);
    });
    const client = stubbornClient(s.port);
    client.socket.pause(); // the server's writes queue up until the client reads
    try {
      client.socket.write(encodePacket({ vars: { REQUEST_METHOD: "GET" } }));
      await new Promise((r) => setTimeout(r, 50));
      client.socket.resume();
      await until(() => client.ended(), 5000, "the answer's end");
      const got = client.received();
      const body = got.subarray(got.indexOf("\r\n\r\n") + 4);
      expect(body.length).toBe(big.length);
      expect(createHash("sha256").update(body).digest("hex")).toBe(
        createHash("sha256").update(big).digest("hex"),
      );
    } finally {
      client.socket.destroy();
    }
  });

  it("a body the handler did not read: half-closed, the rest read and dropped until the peer ends", async () => {
    const s = await serveForTest((_req, res) => res.end("early"));
    const client = stubbornClient(s.port);
    try {
      client.socket.write(encodePacket({ vars: { REQUEST_METHOD: "POST", CONTENT_LENGTH: "10" } }));
      client.socket.write("abc");
      await until(() => client.ended(), 2000, "the answer's end");
      // Still open: the server waits for the rest of the body, reading it as it comes.
      await new Promise((r) => setTimeout(r, 50));
      expect(s.server.openConnections).toBe(1);
      client.socket.end("defghij");
      await until(() => s.server.openConnections === 0, 2000, "connection released");
      expect(client.received().toString("latin1")).toBe("HTTP/1.1 200 OK\r\n\r\nearly");
    } finally {
      client.socket.destroy();
    }
  });
});
