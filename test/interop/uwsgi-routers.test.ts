// Our server behind uWSGI's own routers (http router, http router → fastrouter, router_uwsgi):
// a chunked upload arrives whole, HEAD answers keep the client's framing, and where uWSGI itself
// loses the body, our server says so instead of answering 200.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chunkedBody, patternBytes } from "../../scripts/lib/bodies.mjs";
import type { RequestHandler } from "../../src/server/server.js";
import { type Served, serve, until } from "../server/support/serve.js";
import { sha256 } from "../support/bytes.js";
import { parseHttpAnswer } from "./support/exchange.js";
import {
  startUwsgiRouter,
  type UwsgiRouter,
  type UwsgiRouterKind,
} from "./support/uwsgi-router.js";

/** Hashes the body; answers `<length> <sha256> <contentLength> <method>` with a Content-Length. */
const handler: RequestHandler = async (req, res) => {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  const body = Buffer.concat(parts);
  const text = `${body.length} ${sha256(body)} ${String(req.contentLength)} ${req.method}`;
  res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
};

/**
 * One HTTP/1.1 request over a raw socket, as curl sends it: the head, then (after `pauseMs`, to
 * let a router read the head alone) the body in writes of the given size; reads until the router
 * closes. Bounded by `timeoutMs`.
 */
function httpExchange(
  port: number,
  head: string,
  body: Buffer | undefined,
  { writeSize = 65_536, pauseMs = 0, timeoutMs = 15_000 } = {},
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: "127.0.0.1", port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `no end of the answer within ${timeoutMs} ms: ${Buffer.concat(chunks).toString("latin1").slice(0, 300)}`,
        ),
      );
    }, timeoutMs);
    socket.on("connect", async () => {
      socket.write(
        `${head
          .trim()
          .split("\n")
          .map((l) => l.trim())
          .join("\r\n")}\r\n\r\n`,
        "latin1",
      );
      if (body === undefined) return;
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      for (let at = 0; at < body.length && !socket.destroyed; at += writeSize) {
        if (!socket.write(body.subarray(at, at + writeSize))) {
          await new Promise((r) => socket.once("drain", r));
        }
      }
    });
    socket.on("data", (c: Buffer) => chunks.push(c));
    // A reset after (part of) the answer is how some routers leave; the bytes are what counts.
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

const KINDS: UwsgiRouterKind[] = ["http", "http+fastrouter", "router_uwsgi"];
const upload = patternBytes(1024 * 1024, 0x1234567);
// Chunk sizes as a streaming client makes them: small, odd and large, cycled.
const uploadWire = chunkedBody(upload, [1, 1000, 16_384, 65_536, 7, 200_000, 8192]);

let served: Served;
const clientErrors: string[] = [];
const routers = new Map<UwsgiRouterKind, UwsgiRouter>();

beforeAll(async () => {
  served = await serve(handler);
  served.server.on("clientError", (err) => clientErrors.push(err.code));
  // A handler whose body read failed (the cut upload below) rejects: reported here, not printed.
  served.server.on("error", () => {});
  for (const kind of KINDS) routers.set(kind, await startUwsgiRouter(kind, served.port));
});

afterAll(async () => {
  for (const r of routers.values()) await r.stop();
  await served?.stop();
});

describe.each(KINDS)("behind uWSGI (%s)", (kind) => {
  it("a 1 MiB chunked upload arrives whole (sha256)", async () => {
    const router = routers.get(kind)!;
    const raw = await httpExchange(
      router.port,
      `POST /upload HTTP/1.1
       Host: 127.0.0.1:${router.port}
       User-Agent: curl/7.88.1
       Content-Type: application/octet-stream
       Transfer-Encoding: chunked`,
      uploadWire,
      { writeSize: 50_001 },
    );
    const answer = parseHttpAnswer(raw);
    expect(answer.status, `${raw.toString("latin1").slice(0, 300)}\n${router.logs()}`).toBe(200);
    expect(answer.body.toString("latin1")).toBe(
      `${upload.length} ${sha256(upload)} undefined POST`,
    );
  });

  it("HEAD: the head and not one body byte, so the client's framing holds", async () => {
    const router = routers.get(kind)!;
    const raw = await httpExchange(
      router.port,
      `HEAD /file HTTP/1.1
       Host: 127.0.0.1:${router.port}
       Connection: close`,
      undefined,
    );
    const answer = parseHttpAnswer(raw);
    expect(answer.status).toBe(200);
    // The Content-Length a GET would have: "0 <sha of nothing> 0 HEAD".
    const getLength = `0 ${sha256(Buffer.alloc(0))} 0 HEAD`.length;
    expect(answer.headers).toContainEqual(["content-length", String(getLength)]);
    expect(answer.body.length).toBe(0);
  });
});

describe("uWSGI's own limit: router_uwsgi without offload threads", () => {
  let router: UwsgiRouter;
  beforeAll(async () => {
    // uWSGI waits socketTimeout for an answer to the body it never sent, then closes.
    router = await startUwsgiRouter("router_uwsgi", served.port, {
      offloadThreads: 0,
      socketTimeout: 1,
    });
  });
  afterAll(async () => {
    await router?.stop();
  });

  it("forwards only what came with the head; our server reports the cut body, never a 200 for it", async () => {
    const before = clientErrors.length;
    const raw = await httpExchange(
      router.port,
      `POST /upload HTTP/1.1
       Host: 127.0.0.1
       Transfer-Encoding: chunked`,
      uploadWire,
      { pauseMs: 200 },
    );
    expect(raw.toString("latin1")).not.toMatch(/^HTTP\/1\.1 200/);
    await until(() => clientErrors.length > before, 5000, "our server's report");
    expect(clientErrors.slice(before)).toEqual(["ABORTED"]);
  });
});
