// The one-packet clients (rpc, UwsgiCache, raiseSignal, spool, echo) against a raw peer that
// answers chosen bytes: every way an answer can be wrong or missing is a typed rejection, and the
// argument checks are Node's.
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { echo, raiseSignal, rpc, spool, UwsgiCache, UwsgiClientError } from "../../src/node.js";
import { freePort } from "../interop/support/ports.js";

let server: Server | undefined;
const sockets = new Set<Socket>();

/** A peer that, once it got `expect` bytes, writes `answer` (pieces, in order) then ends or not. */
async function peer(answer: (Buffer | string)[], close = true, expectBytes = 1): Promise<number> {
  server = createServer((socket) => {
    sockets.add(socket);
    let got = 0;
    socket.on("data", (chunk) => {
      got += chunk.length;
      if (got < expectBytes) return;
      for (const piece of answer) socket.write(piece);
      if (close) socket.end();
    });
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return (server.address() as { port: number }).port;
}

afterEach(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) =>
    server === undefined ? resolve(undefined) : server.close(resolve),
  );
  server = undefined;
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UwsgiClientError) return e.code;
    return `${(e as { name: string }).name} ${(e as { code?: string }).code}`;
  }
  return "resolved";
}

const hex = (h: string) => Buffer.from(h.replace(/ /g, ""), "hex");

describe("rpc() answers", () => {
  it("a framed answer split byte by byte", async () => {
    const bytes = hex("ad 0600 00 68693a617c62");
    const port = await peer([...bytes].map((b) => Buffer.of(b)));
    expect((await rpc({ port }, "hello")).toString()).toBe("hi:a|b");
  });

  it("a modifier2 5 answer whose head arrives in pieces", async () => {
    const head = hex("ad 1300 05 0e00 434f4e54454e545f4c454e475448 0100 35");
    const port = await peer([
      head.subarray(0, 3),
      head.subarray(3, 10),
      head.subarray(10),
      "ab",
      "cde",
    ]);
    expect((await rpc({ port }, "f")).toString()).toBe("abcde");
  });

  it("an empty framed result resolves an empty Buffer", async () => {
    const port = await peer([hex("ad 0000 00")]);
    expect((await rpc({ port }, "f")).length).toBe(0);
  });

  it("not a framed answer: MALFORMED_ANSWER", async () => {
    const port = await peer([hex("ad 0000 01")]);
    expect(await codeOf(rpc({ port }, "f"))).toBe("MALFORMED_ANSWER");
  });

  it("a modifier2 5 head without CONTENT_LENGTH: MALFORMED_ANSWER", async () => {
    const port = await peer([hex("ad 0600 05 0100 58 0100 31")]);
    expect(await codeOf(rpc({ port }, "f"))).toBe("MALFORMED_ANSWER");
  });

  it("closed inside the result, or inside the head: ANSWER_TRUNCATED", async () => {
    let port = await peer([hex("ad 0600 00 6869")]);
    expect(await codeOf(rpc({ port }, "f"))).toBe("ANSWER_TRUNCATED");
    server!.close();
    port = await peer([hex("ad 06")]);
    expect(await codeOf(rpc({ port }, "f"))).toBe("ANSWER_TRUNCATED");
  });

  it("a raw answer over maxResultSize: BODY_TOO_LARGE; an empty raw answer: CLOSED_BEFORE_ANSWER", async () => {
    let port = await peer([Buffer.alloc(100)]);
    expect(await codeOf(rpc({ port, raw: true, maxResultSize: 10 }, "f"))).toBe("BODY_TOO_LARGE");
    server!.close();
    port = await peer([]);
    expect(await codeOf(rpc({ port, raw: true }, "f"))).toBe("CLOSED_BEFORE_ANSWER");
  });

  it("no answer within the timeout: TIMEOUT; an abort: ABORTED", async () => {
    const port = await peer([], false);
    expect(await codeOf(rpc({ port, timeout: 50 }, "f"))).toBe("TIMEOUT");
    const controller = new AbortController();
    const call = rpc({ port, signal: controller.signal }, "f");
    setTimeout(() => controller.abort(), 20);
    expect(await codeOf(call)).toBe("ABORTED");
    expect(await codeOf(rpc({ port, signal: AbortSignal.abort() }, "f"))).toBe("ABORTED");
  });

  it("nothing listening: CONNECT_FAILED", async () => {
    const port = await freePort();
    expect(await codeOf(rpc({ port }, "f"))).toBe("CONNECT_FAILED");
  });

  it("wrong arguments are Node's argument errors", async () => {
    expect(await codeOf(rpc(null as never, "f"))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(await codeOf(rpc({ port: 1, raw: "yes" as never }, "f"))).toBe(
      "TypeError ERR_INVALID_ARG_TYPE",
    );
    expect(await codeOf(rpc({ port: 1, timout: 5 } as never, "f"))).toBe(
      "TypeError ERR_UNKNOWN_OPTION",
    );
    expect(await codeOf(rpc({ port: 1 }, "f", ""))).toBe("TypeError ERR_INVALID_ARG_VALUE");
    expect(await codeOf(rpc({ port: 1, maxResultSize: -1 }, "f"))).toBe(
      "RangeError ERR_OUT_OF_RANGE",
    );
  });
});

describe("UwsgiCache answers", () => {
  it("a value whose answer arrives in pieces, and a miss", async () => {
    const answer = hex("6f 1500 11 0600 737461747573 0200 6f6b 0400 73697a65 0100 32 7631");
    let port = await peer([
      answer.subarray(0, 2),
      answer.subarray(2, 9),
      answer.subarray(9, 26),
      answer.subarray(26),
    ]);
    expect((await new UwsgiCache({ port }).get("k"))?.toString()).toBe("v1");
    server!.close();
    port = await peer([]);
    expect(await new UwsgiCache({ port }).get("k")).toBeUndefined();
  });

  it("not a cache answer: MALFORMED_ANSWER; a value cut short: ANSWER_TRUNCATED", async () => {
    let port = await peer([hex("ff 0000 01")]);
    expect(await codeOf(new UwsgiCache({ port }).get("k"))).toBe("MALFORMED_ANSWER");
    server!.close();
    port = await peer([hex("6f 1500 11 0600 737461747573 0200 6f6b 0400 73697a65 0100 32 76")]);
    expect(await codeOf(new UwsgiCache({ port }).get("k"))).toBe("ANSWER_TRUNCATED");
  });

  it("a value over maxValueSize: BODY_TOO_LARGE", async () => {
    const port = await peer([
      hex("6f 1500 11 0600 737461747573 0200 6f6b 0400 73697a65 0100 32 7631"),
    ]);
    expect(await codeOf(new UwsgiCache({ port, maxValueSize: 1 }).get("k"))).toBe("BODY_TOO_LARGE");
  });

  it("strings are stored in the address's encoding; argument errors are Node's", async () => {
    const seen: Buffer[] = [];
    server = createServer((socket) => {
      socket.on("data", (c) => {
        seen.push(c);
        socket.end(hex("6f 0c00 11 0600 737461747573 0200 6f6b"));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    expect(await new UwsgiCache({ port, encoding: "utf8" }).set("k", "é")).toBe(true);
    expect(seen[0]!.subarray(-2).toString("hex")).toBe("c3a9");
    expect(await new UwsgiCache({ port }).update("k", "é", { expires: 5 })).toBe(true);
    expect(seen[1]!.subarray(-1).toString("hex")).toBe("e9");
    expect(await codeOf(new UwsgiCache({ port }).set("k", "€"))).toBe(
      "TypeError ERR_INVALID_ARG_VALUE",
    );
    expect(await codeOf(new UwsgiCache({ port, encoding: "utf8" }).set("k", "\ud800"))).toBe(
      "TypeError ERR_INVALID_ARG_VALUE",
    );
    expect(await codeOf(new UwsgiCache({ port }).get(5 as never))).toBe(
      "TypeError ERR_INVALID_ARG_TYPE",
    );
    expect(await codeOf(new UwsgiCache({ port }).set("k", 5 as never))).toBe(
      "TypeError ERR_INVALID_ARG_TYPE",
    );
    expect(await codeOf(new UwsgiCache({ port }).set("k", "v", { expires: -1 }))).toBe(
      "RangeError ERR_OUT_OF_RANGE",
    );
    expect(() => new UwsgiCache({ port, cache: "" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }),
    );
    expect(() => new UwsgiCache({ port, encoding: "ascii" as never })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }),
    );
  });
});

describe("raiseSignal, spool and echo answers", () => {
  it("status answers: 1 is true, 0 is false, whatever the pieces", async () => {
    let port = await peer([hex("ff 00"), hex("00 01")]);
    expect(await raiseSignal({ port }, 17)).toBe(true);
    server!.close();
    port = await peer([hex("ff 0000 00")]);
    expect(await spool({ port }, { a: "1" })).toBe(false);
  });

  it("not a status answer: MALFORMED_ANSWER; nothing: CLOSED_BEFORE_ANSWER; 2 bytes: ANSWER_TRUNCATED", async () => {
    let port = await peer([hex("64 0000 01")]);
    expect(await codeOf(raiseSignal({ port }, 1))).toBe("MALFORMED_ANSWER");
    server!.close();
    port = await peer([]);
    expect(await codeOf(spool({ port }, {}))).toBe("CLOSED_BEFORE_ANSWER");
    server!.close();
    port = await peer([hex("ff 00")]);
    expect(await codeOf(raiseSignal({ port }, 1))).toBe("ANSWER_TRUNCATED");
  });

  it("echo: nothing back is CLOSED_BEFORE_ANSWER, more than sent MALFORMED_ANSWER", async () => {
    let port = await peer([]);
    expect(await codeOf(echo({ port }, Buffer.from("x")))).toBe("CLOSED_BEFORE_ANSWER");
    server!.close();
    port = await peer(["xyz"]);
    expect(await codeOf(echo({ port }, Buffer.from("x")))).toBe("MALFORMED_ANSWER");
  });

  it("an empty echo comes back empty; no time limit with timeout 0", async () => {
    const port = await peer([]);
    expect((await echo({ port }, Buffer.alloc(0), { timeout: 0 })).length).toBe(0);
  });

  it("a connection reset after the request: SOCKET_ERROR", async () => {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("data", () => socket.resetAndDestroy());
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    expect(await codeOf(raiseSignal({ port }, 1))).toBe("SOCKET_ERROR");
  });

  it("wrong arguments", async () => {
    expect(await codeOf(raiseSignal({ port: 1 }, 256))).toBe("RangeError ERR_OUT_OF_RANGE");
    expect(await codeOf(spool({ port: 1 }, 5 as never))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(await codeOf(echo({ port: 1 }, "x" as never))).toBe("TypeError ERR_INVALID_ARG_TYPE");
    expect(await codeOf(spool({ port: 1 }, {}, { encoding: "utf16" as never }))).toBe(
      "TypeError ERR_INVALID_ARG_VALUE",
    );
  });
});
