// HEAD answers carry no body, as node:http: what the handler writes is dropped, a Content-Length
// it set stays (it is what a GET would send). uWSGI's routers pass bytes through, so a body here
// would break the client's HTTP framing.
import { describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { RequestHandler } from "../../src/server/server.js";
import { exchange } from "../interop/support/exchange.js";
import { serveForTest } from "./support/serve.js";

async function answerTo(method: string, handler: RequestHandler): Promise<string> {
  const s = await serveForTest(handler);
  const pkt = encodePacket({ vars: { REQUEST_METHOD: method, REQUEST_URI: "/" } });
  return (await exchange(s.port, [pkt])).answer.toString("latin1");
}

describe("HEAD", () => {
  it("end(body) with a Content-Length: the head goes out, the body does not", async () => {
    const answer = await answerTo("HEAD", (_req, res) => {
      res.setHeader("Content-Length", 5);
      res.end("hello");
    });
    expect(answer).toBe("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
  });

  it("write()s, a large body, flushHeaders and writeHead: never a body byte", async () => {
    const big = Buffer.alloc(256 * 1024, 0x61);
    const answer = await answerTo("HEAD", (_req, res) => {
      res.writeHead(203, { "X-A": "1" });
      res.flushHeaders();
      res.write("small");
      res.write(big);
      res.end(big);
    });
    expect(answer).toBe("HTTP/1.1 203 Non-Authoritative Information\r\nX-A: 1\r\n\r\n");
  });

  it("write() still reports progress (callbacks, 'finish'), as node:http does", async () => {
    const events: string[] = [];
    const answer = await answerTo("HEAD", (_req, res) => {
      res.write("x", () => events.push("write callback"));
      res.on("finish", () => events.push("finish"));
      res.end();
    });
    expect(answer).toBe("HTTP/1.1 200 OK\r\n\r\n");
    expect(events).toEqual(["write callback", "finish"]);
  });

  it("a GET still gets its body (the method decides, not the handler)", async () => {
    const answer = await answerTo("GET", (_req, res) => res.end("hello"));
    expect(answer).toBe("HTTP/1.1 200 OK\r\n\r\nhello");
  });
});
