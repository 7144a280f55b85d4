import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRouter, type UwsgiRouter } from "../../src/router/router.js";
import { rawHttp } from "../interop/support/exchange.js";
import { type Backend, startBackend } from "./support/backends.js";
import { parseIdentity, stopRouter } from "./support/router.js";

// The router's HTTP front: plain HTTP in, the same vars nginx would send, uWSGI's answer out.

let backend: Backend;
let router: UwsgiRouter;
let http: Server;
let port: number;

beforeAll(async () => {
  backend = await startBackend("h");
  router = createRouter({ pools: { app: { nodes: [backend.address] } }, defaultPool: "app" });
  http = createServer(router.handleHttp);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  port = (http.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((r) => http.close(() => r()));
  await stopRouter(router);
  await backend.stop();
});

/** Sends raw HTTP bytes, reads until the server closes. */
function send(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => s.write(bytes));
    const chunks: Buffer[] = [];
    s.on("data", (c: Buffer) => chunks.push(c));
    s.on("close", () => resolve(Buffer.concat(chunks)));
    s.on("error", reject);
    s.setTimeout(10_000, () => s.destroy(new Error("no answer")));
  });
}

describe("the HTTP front", () => {
  it("forwards a GET as nginx's vars and passes uWSGI's answer through", async () => {
    const raw = await send(rawHttp("GET /a/b?x=1 HTTP/1.1\nHost: front.test:8080\nX-Thing: yes"));
    const id = parseIdentity(raw);
    expect(raw.subarray(0, 17).toString()).toBe("HTTP/1.1 200 OK\r\n");
    expect(id.node).toBe("h");
    const e = id.environ;
    expect([
      e.get("REQUEST_METHOD"),
      e.get("PATH_INFO"),
      e.get("QUERY_STRING"),
      e.get("HTTP_HOST"),
    ]).toEqual(["GET", "/a/b", "x=1", "front.test"]);
    expect(e.get("HTTP_X_THING")).toBe("yes");
  });

  it("streams a body with Content-Length, and reads a chunked one whole to give its length", async () => {
    const body = Buffer.alloc(200_000, 0x62);
    const sized = parseIdentity(
      await send(rawHttp(`POST /up HTTP/1.1\nHost: f\nContent-Length: ${body.length}`, body)),
    );
    expect([sized.environ.get("CONTENT_LENGTH"), sized.status]).toEqual([String(body.length), 200]);
    const chunked = parseIdentity(
      await send(
        rawHttp(
          "POST /up HTTP/1.1\nHost: f\nTransfer-Encoding: chunked",
          Buffer.from("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
        ),
      ),
    );
    expect(chunked.environ.get("CONTENT_LENGTH")).toBe("11");
  });

  it("answers 400 to a request nginx would refuse, and 413 to a chunked body over 1 MiB", async () => {
    const bad = await send(rawHttp("GET /../../x HTTP/1.1\nHost: f"));
    expect(bad.toString("latin1").startsWith("HTTP/1.1 400 ")).toBe(true);
    const big = Buffer.alloc(1024 * 1024 + 10, 0x61);
    const chunk = Buffer.concat([
      Buffer.from(`${big.length.toString(16)}\r\n`),
      big,
      Buffer.from("\r\n0\r\n\r\n"),
    ]);
    const tooBig = await send(
      rawHttp("POST / HTTP/1.1\nHost: f\nTransfer-Encoding: chunked", chunk),
    );
    expect(tooBig.toString("latin1").startsWith("HTTP/1.1 413 ")).toBe(true);
  });
});
