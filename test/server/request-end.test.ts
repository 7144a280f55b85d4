// The request stream's end: pushed when the reader asks for it (most requests have no body and
// no reader), so every way of reading still sees it, whenever the body's end arrives.
import { describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { UwsgiRequest } from "../../src/server/request.js";
import { exchange } from "../interop/support/exchange.js";
import { rawClient, serveForTest, until } from "./support/serve.js";

const GET = encodePacket({ vars: { REQUEST_METHOD: "GET", CONTENT_LENGTH: "" } });
const body = (text: string) => text.slice(text.indexOf("\r\n\r\n") + 4);

/** Reads the request to its end and answers `<bytes> <complete>`. */
async function readAll(req: UwsgiRequest): Promise<string> {
  let n = 0;
  for await (const chunk of req) n += (chunk as Buffer).length;
  return `${n} ${req.complete}`;
}

describe("the request stream's end", () => {
  it("a GET read with for await: ends at once, empty and complete", async () => {
    const { port } = await serveForTest(async (req, res) => res.end(await readAll(req)));
    const { answer } = await exchange(port, [GET]);
    expect(body(answer.toString("latin1"))).toBe("0 true");
  });

  it("a GET: 'end' after resume(), and finished() resolves", async () => {
    const { port } = await serveForTest((req, res) => {
      req.on("end", () => res.end(`end ${req.readableEnded}`));
      req.resume();
    });
    const { answer } = await exchange(port, [GET]);
    expect(body(answer.toString("latin1"))).toBe("end true");
  });

  it("a GET read later, after the handler's first await: the end still comes", async () => {
    const { port } = await serveForTest(async (req, res) => {
      await new Promise((r) => setTimeout(r, 20));
      res.end(await readAll(req));
    });
    const { answer } = await exchange(port, [GET]);
    expect(body(answer.toString("latin1"))).toBe("0 true");
  });

  it("a body complete before anyone reads: every byte, then the end", async () => {
    const { port } = await serveForTest(async (req, res) => {
      await new Promise((r) => setTimeout(r, 20));
      res.end(await readAll(req));
    });
    const packet = encodePacket({ vars: { REQUEST_METHOD: "POST", CONTENT_LENGTH: "5" } });
    const { answer } = await exchange(port, [packet, Buffer.from("hello")]);
    expect(body(answer.toString("latin1"))).toBe("5 true");
  });

  it("a reader waiting when the body's end arrives alone (a chunked body's last chunk) gets it", async () => {
    const { server, port } = await serveForTest(async (req, res) => res.end(await readAll(req)));
    const client = await rawClient(port);
    const packet = encodePacket({
      vars: { REQUEST_METHOD: "POST", HTTP_TRANSFER_ENCODING: "chunked" },
    });
    client.socket.write(Buffer.concat([packet, Buffer.from("3\r\nabc\r\n")]));
    // The handler has read "abc" and waits for more before the last chunk is sent.
    await until(() => server.openConnections === 1, 2000, "the request");
    await new Promise((r) => setTimeout(r, 30));
    client.socket.write("0\r\n\r\n");
    const answer = await client.closed();
    expect(body(answer.toString("latin1"))).toBe("3 true");
  });
});
