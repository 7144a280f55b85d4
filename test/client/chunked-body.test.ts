// request({ chunked: true }): a body of unknown length sent as uWSGI's own routers send one
// (HTTP_TRANSFER_ENCODING: chunked, no CONTENT_LENGTH, then the chunked stream), read by a real
// uWSGI app with uwsgi.chunked_read() (fixtures/apps/chunked_echo.py), and the exact bytes sent.
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { patternBytes } from "../../scripts/lib/bodies.mjs";
import { request } from "../../src/client/request.js";
import { decodePacket } from "../../src/index.js";
import { createServer } from "../../src/server/server.js";
import { sha256 } from "../support/bytes.js";
import { fakeBackendForTest } from "./support/fake-backend.js";
import { type ClientPeer, startClientPeer } from "./support/uwsgi-peer.js";

let peer: ClientPeer | undefined;
beforeAll(async () => {
  peer = await startClientPeer({ app: "chunked_echo.py", threads: 2 });
});
afterAll(async () => {
  await peer?.stop();
});

interface Read {
  body_length: number;
  body_sha256: string;
  pieces: number;
  transfer_encoding: string | null;
  content_length: string | null;
}

const vars = { REQUEST_METHOD: "POST", PATH_INFO: "/up", SERVER_PROTOCOL: "HTTP/1.1" };

async function send(body: Parameters<typeof request>[0]["body"], extra = {}): Promise<Read> {
  const res = await request({
    host: "127.0.0.1",
    port: peer!.port,
    vars: { ...vars, ...extra },
    ...(body === undefined ? {} : { body }),
    chunked: true,
  });
  expect(res.statusCode).toBe(200);
  return JSON.parse((await buffer(res.body)).toString()) as Read;
}

/** Splits `whole` into pieces of odd sizes: 1, 7, 4093, 70001 (over one chunk), 13, ... */
function oddPieces(whole: Buffer): Buffer[] {
  const sizes = [1, 7, 4093, 70_001, 13, 65_536, 3];
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < whole.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(whole.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe("chunked request bodies read by a real uWSGI app (uwsgi.chunked_read)", () => {
  it("1 MiB streamed in odd piece sizes, with backpressure, arrives whole", async () => {
    const whole = patternBytes(1024 * 1024, 11);
    const pieces = oddPieces(whole);
    const read = await send(Readable.from(pieces, { objectMode: true, highWaterMark: 2 }));
    expect([read.body_length, read.body_sha256]).toEqual([whole.length, sha256(whole)]);
    expect([read.transfer_encoding, read.content_length]).toEqual(["chunked", null]);
    // One chunk per piece, a piece over 64 KiB split in two: what uWSGI's reader saw.
    const expected = pieces.reduce((n, p) => n + Math.ceil(p.length / 65_536), 0);
    expect(read.pieces).toBe(expected);
  });

  it("an async generator of strings and bytes, and empty pieces (which must not end the body)", async () => {
    async function* parts() {
      yield "héllo";
      yield new Uint8Array(0);
      yield "";
      yield Buffer.from(" world");
    }
    const read = await send(parts());
    expect(read.body_sha256).toBe(sha256(Buffer.from("héllo world", "utf8")));
    expect(read.pieces).toBe(2);
  });

  it("a 200 KiB Buffer goes out as 64 KiB chunks; no body is an empty chunked body", async () => {
    const whole = patternBytes(200 * 1024, 3);
    const read = await send(whole);
    expect([read.body_length, read.body_sha256, read.pieces]).toEqual([
      whole.length,
      sha256(whole),
      4,
    ]);
    const none = await send(undefined);
    expect([none.body_length, none.pieces, none.transfer_encoding]).toEqual([0, 0, "chunked"]);
  });

  it("vars that already say chunked are kept as they are", async () => {
    const read = await send("abc", { HTTP_TRANSFER_ENCODING: "chunked" });
    expect([read.body_length, read.transfer_encoding]).toEqual([3, "chunked"]);
  });
});

describe("the bytes a chunked request puts on the wire", () => {
  it("the packet says chunked and has no CONTENT_LENGTH; the body is the chunked stream", async () => {
    const backend = await fakeBackendForTest((socket) => {
      let got = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        got = Buffer.concat([got, chunk]);
        if (got.subarray(-5).toString() === "0\r\n\r\n") socket.end("HTTP/1.1 200 OK\r\n\r\n");
      });
    });
    async function* parts() {
      yield "hello";
      yield "";
      yield " world";
    }
    const res = await request({ port: backend.port, vars, body: parts(), chunked: true });
    await buffer(res.body);
    const sent = Buffer.concat(backend.received[0]!);
    const packet = decodePacket(sent);
    if (packet.kind !== "vars") throw new Error("not a vars packet");
    expect(packet.vars.get("HTTP_TRANSFER_ENCODING")).toBe("chunked");
    expect(packet.vars.has("CONTENT_LENGTH")).toBe(false);
    const body = sent.subarray(4 + packet.vars.byteLength).toString("latin1");
    expect(body).toBe("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  });
});

describe("chunked request bodies read by this package's own server", () => {
  it("1 MiB streamed in odd piece sizes arrives whole, de-chunked, as the request stream", async () => {
    const server = createServer(async (req, res) => {
      const hash = createHash("sha256");
      let length = 0;
      for await (const piece of req) {
        hash.update(piece as Uint8Array);
        length += (piece as Uint8Array).length;
      }
      res.end(JSON.stringify({ length, sha256: hash.digest("hex") }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const whole = patternBytes(1024 * 1024, 5);
      const res = await request({
        port,
        vars,
        body: Readable.from(oddPieces(whole), { objectMode: true, highWaterMark: 2 }),
        chunked: true,
      });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse((await buffer(res.body)).toString())).toEqual({
        length: whole.length,
        sha256: sha256(whole),
      });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
