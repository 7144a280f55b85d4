// createRpcServer and serveRpc on their own (uWSGI's side is rpc-interop.test.ts): how calls are
// read and answered, what a failing or misbehaving function gets, what is refused and reported,
// and the argument checks.
import { once } from "node:events";
import { type AddressInfo, connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { rawExchange } from "../../scripts/lib/raw-exchange.mjs";
import { encodeRpcCall } from "../../src/index.js";
import {
  createRpcServer,
  createServer,
  request,
  rpc,
  serveRpc,
  UwsgiClientError,
  type UwsgiServer,
} from "../../src/node.js";

const servers: UwsgiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function listen(server: UwsgiServer): Promise<number> {
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

function events(server: UwsgiServer): string[] {
  const seen: string[] = [];
  server.on("error", (e) => seen.push(`error ${(e as unknown as { code: string }).code}`));
  server.on("clientError", (e) => seen.push(`clientError ${(e as { code: string }).code}`));
  return seen;
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "resolved";
  } catch (e) {
    return e instanceof UwsgiClientError ? e.code : (e as { code?: string }).code;
  }
};

describe("answering calls", () => {
  it("arguments are Buffers of their own; strings come back as UTF-8, bytes as they are", async () => {
    let kept: Buffer[] = [];
    const server = createRpcServer({
      keep: (...args) => {
        kept = args;
        return "é";
      },
      bytes: () => Uint8Array.of(0, 255),
    });
    const port = await listen(server);
    expect((await rpc({ port }, "keep", "a", Buffer.from([1, 2]))).toString("hex")).toBe("c3a9");
    expect(kept.map((b) => [Buffer.isBuffer(b), b.toString("hex")])).toEqual([
      [true, "61"],
      [true, "0102"],
    ]);
    expect((await rpc({ port }, "bytes")).toString("hex")).toBe("00ff");
    // Modifier2 1: the bytes alone, as uWSGI answers it.
    const raw = await rawExchange(port, encodeRpcCall("bytes", [], { modifier2: 1 }));
    expect(raw.toString("hex")).toBe("00ff");
  });

  it("a function that throws, rejects or returns something else: closed, and 'error' says why", async () => {
    const server = createRpcServer({
      throws: () => {
        throw new Error("sync");
      },
      rejects: async () => {
        throw new Error("async");
      },
      number: () => 42 as never,
      empty: () => "",
    });
    const seen = events(server);
    const port = await listen(server);
    for (const name of ["throws", "rejects", "number", "empty"]) {
      expect(await codeOf(rpc({ port }, name))).toBe("CLOSED_BEFORE_ANSWER");
    }
    expect(seen).toEqual(["error HANDLER_FAILED", "error HANDLER_FAILED", "error HANDLER_FAILED"]);
  });

  it("calls uWSGI would refuse are refused the same way, and reported", async () => {
    const server = createRpcServer({ f: () => "x" });
    const seen = events(server);
    const port = await listen(server);
    // datasize 0: no name; an empty last item; an unknown function.
    expect((await rawExchange(port, Buffer.from("ad000000", "hex"))).length).toBe(0);
    expect(
      (await rawExchange(port, Buffer.from("ad05000001006600 00".replace(/ /g, ""), "hex"))).length,
    ).toBe(0);
    expect(await codeOf(rpc({ port }, "g"))).toBe("CLOSED_BEFORE_ANSWER");
    // An empty item before the name is dropped: the next item is the name, as in uWSGI.
    const call = Buffer.from("ad0500000000010066", "hex");
    expect((await rawExchange(port, call)).toString("latin1")).toBe("\xad\x01\x00\x00x");
    expect(seen).toEqual([
      "clientError UNSUPPORTED_PACKET",
      "clientError UNSUPPORTED_PACKET",
      "clientError UNSUPPORTED_PACKET",
    ]);
  });

  it("a caller gone before a slow function answers: nothing is written, nothing thrown", async () => {
    let release!: () => void;
    const done = new Promise<void>((r) => {
      release = r;
    });
    const server = createRpcServer({
      slow: async () => {
        await done;
        return "late";
      },
    });
    const seen = events(server);
    const port = await listen(server);
    const controller = new AbortController();
    const call = rpc({ port, signal: controller.signal }, "slow");
    await new Promise((r) => setTimeout(r, 30));
    controller.abort();
    expect(await codeOf(call)).toBe("ABORTED");
    release();
    await new Promise((r) => setTimeout(r, 30));
    expect(seen).toEqual([]);
  });

  it("modifier2 2: the call from PATH_INFO, answered with HTTP as uWSGI's rpc plugin does", async () => {
    const server = createRpcServer({
      hello: (...args) => `hi:${args.map((a) => a.toString("latin1")).join("|")}`,
      nothing: () => undefined,
    });
    const port = await listen(server);
    const call = async (path: string | undefined, accept?: string) => {
      const vars: Record<string, string> = { REQUEST_METHOD: "GET" };
      if (path !== undefined) vars["PATH_INFO"] = path;
      if (accept !== undefined) vars["HTTP_ACCEPT"] = accept;
      const res = await request({ port, modifier1: 173, modifier2: 2, vars });
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(c as Buffer);
      return [res.statusCode, res.headers["content-type"], Buffer.concat(chunks).toString()];
    };
    expect(await call("/hello/a//b")).toEqual([200, "application/binary", "hi:a|b"]);
    expect(await call("hello/x", "text/plain")).toEqual([200, "text/plain", "hi:x"]);
    expect(await call("/hello", "*/*")).toEqual([200, "application/binary", "hi:"]);
    expect((await call("/nosuch"))[0]).toBe(404);
    expect((await call("/nothing"))[0]).toBe(404);
    expect((await call(undefined))[0]).toBe(500);
    expect((await call("//"))[0]).toBe(500);
  });

  it("a plain request to createRpcServer gets a 404", async () => {
    const port = await listen(createRpcServer({}));
    const res = await request({ port, vars: { REQUEST_METHOD: "GET", PATH_INFO: "/" } });
    res.body.resume();
    expect(res.statusCode).toBe(404);
  });

  it("serveRpc twice adds to the same table; a Map and pairs are functions too", async () => {
    const server = createServer((_req, res) => res.end());
    const first = serveRpc(server, new Map([["a", () => "A"]]));
    const second = serveRpc(server, [["b", () => "B"]]);
    expect(second).toBe(first);
    const port = await listen(server);
    expect((await rpc({ port }, "a")).toString() + (await rpc({ port }, "b")).toString()).toBe(
      "AB",
    );
  });

  it("serveRpc on a server with a connection already open: a call on it is answered", async () => {
    const server = createServer((_req, res) => res.end());
    const port = await listen(server);
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    while (server.openConnections === 0) await new Promise((r) => setImmediate(r));
    serveRpc(server, { a: () => "A" });
    socket.end(encodeRpcCall("a", []));
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString("hex")).toBe("ad010000" + "41");
  });
});

describe("argument checks", () => {
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as { code: string }).code;
    }
    return "none";
  };

  it("functions and their names", () => {
    expect(code(() => createRpcServer(null as never))).toBe("ERR_INVALID_ARG_TYPE");
    expect(code(() => createRpcServer([["a"]] as never))).toBe("ERR_INVALID_ARG_TYPE");
    expect(code(() => createRpcServer({ a: "x" } as never))).toBe("ERR_INVALID_ARG_TYPE");
    expect(code(() => createRpcServer(new Map([[1, () => ""]]) as never))).toBe(
      "ERR_INVALID_ARG_TYPE",
    );
    for (const name of ["", "a\0b", "x".repeat(256), "€"]) {
      expect(code(() => createRpcServer({ [name]: () => "" }))).toBe("ERR_INVALID_ARG_VALUE");
    }
    expect(code(() => createRpcServer({ ["x".repeat(255)]: () => "" }))).toBe("none");
    expect(code(() => serveRpc({} as never, {}))).toBe("ERR_INVALID_ARG_TYPE");
  });
});
