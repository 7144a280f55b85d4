// res.end(body) with nothing written before: head and body go to the socket in one write; every
// form of end() gives the same bytes and events as through the stream's write queue.
import { describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { UwsgiServerResponse } from "../../src/server/response.js";
import { exchange } from "../interop/support/exchange.js";
import { serveForTest } from "./support/serve.js";

/** Serves one request with `answer`; resolves with the raw answer and what the handler saw. */
async function answerWith(
  answer: (res: UwsgiServerResponse, seen: string[]) => void,
  method = "GET",
): Promise<{ raw: string; seen: string[]; writes: number }> {
  const seen: string[] = [];
  let writes = 0;
  const s = await serveForTest((_req, res) => {
    const socket = res.socket;
    const write = socket.write;
    socket.write = function (this: typeof socket, ...args: unknown[]) {
      writes++;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof socket.write;
    res.on("finish", () => seen.push("finish"));
    answer(res, seen);
  });
  const { answer: raw } = await exchange(s.port, [
    encodePacket({ vars: { REQUEST_METHOD: method } }),
  ]);
  return { raw: raw.toString("latin1"), seen, writes };
}

describe("res.end(body)", () => {
  it("a Buffer: head and body in one socket write, then 'finish'", async () => {
    const r = await answerWith((res) => {
      res.setHeader("Content-Length", 5);
      res.end(Buffer.from("hello"));
    });
    expect(r.raw).toBe("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    expect(r.writes).toBe(1);
    expect(r.seen).toEqual(["finish"]);
  });

  it("a string, in the default encoding set with setDefaultEncoding, and its callback", async () => {
    const r = await answerWith((res, seen) => {
      res.setDefaultEncoding("latin1");
      res.end("caf\u00e9", () => seen.push("callback"));
    });
    expect(Buffer.from(r.raw, "latin1").subarray(-4)).toEqual(
      Buffer.from([0x63, 0x61, 0x66, 0xe9]),
    );
    expect(r.writes).toBe(1);
    expect(r.seen).toContain("callback");
  });

  it("a string in utf8 by default", async () => {
    const r = await answerWith((res) => res.end("\u00e9"));
    expect(Buffer.from(r.raw, "latin1").subarray(-2)).toEqual(Buffer.from([0xc3, 0xa9]));
  });

  it("a string with its encoding named: the same bytes", async () => {
    const r = await answerWith((res) => res.end("6869", "hex"));
    expect(r.raw).toBe("HTTP/1.1 200 OK\r\n\r\nhi");
  });

  it("a Uint8Array that is not a Buffer, a view into a larger buffer", async () => {
    const r = await answerWith((res) => res.end(new Uint8Array([0, 0x6f, 0x6b, 0]).subarray(1, 3)));
    expect(r.raw).toBe("HTTP/1.1 200 OK\r\n\r\nok");
  });

  it("after a write: the rest follows the write's bytes", async () => {
    const r = await answerWith((res) => {
      res.write("a");
      res.end("b");
    });
    expect(r.raw).toBe("HTTP/1.1 200 OK\r\n\r\nab");
  });

  it("while corked: through the queue, the same bytes", async () => {
    const r = await answerWith((res) => {
      res.cork();
      res.end("corked");
    });
    expect(r.raw).toBe("HTTP/1.1 200 OK\r\n\r\ncorked");
  });

  it("to a HEAD: the head alone, Content-Length kept, the callback still runs", async () => {
    const r = await answerWith((res, seen) => {
      res.setHeader("Content-Length", 5);
      res.end("hello", () => seen.push("callback"));
    }, "HEAD");
    expect(r.raw).toBe("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    expect(r.seen).toContain("callback");
  });

  it("something that is not bytes: the stream's own argument error", async () => {
    let thrown: unknown;
    await answerWith((res) => {
      try {
        res.end(5 as never);
      } catch (err) {
        thrown = err;
      }
      res.end();
    });
    expect(thrown).toMatchObject({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  });
});
