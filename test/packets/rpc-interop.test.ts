// RPC both ways against real uWSGI 2.0.21 (Debian uwsgi-core's rpc plugin, uwsgi-plugin-python3):
// Node calls Python functions registered with uwsgi.register_rpc, and a Python app calls Node
// functions through uwsgi.rpc("127.0.0.1:PORT", ...), which reaches createRpcServer/serveRpc.
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRpcServer,
  createServer,
  request,
  rpc,
  serveRpc,
  UwsgiClientError,
  type UwsgiServer,
} from "../../src/node.js";
import { type PacketsPeer, startPacketsUwsgi } from "./support/uwsgi-app.js";
import { pattern } from "./support/vectors.js";

let uwsgi: PacketsPeer;
let node: UwsgiServer;
let nodePort: number;
const seen: string[] = [];

async function listen(server: UwsgiServer): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

beforeAll(async () => {
  uwsgi = await startPacketsUwsgi();
  node = createRpcServer({
    upper: (a) => (a === undefined ? "" : a.toString("latin1").toUpperCase()),
    count: (...args) => String(args.length),
    big: async (n) => pattern(Number(n)),
    nothing: () => undefined,
    fail: () => {
      throw new Error("on purpose");
    },
  });
  node.on("error", (err) => seen.push(`error ${(err as { code?: string }).code}`));
  node.on("clientError", (err) => seen.push(`clientError ${(err as { code?: string }).code}`));
  nodePort = await listen(node);
});

afterAll(async () => {
  await uwsgi?.stop();
  await new Promise((resolve) => node?.close(resolve));
});

const at = () => ({ host: uwsgi.host, port: uwsgi.port });

/** The Python app calls uwsgi.rpc("127.0.0.1:nodePort", fn, *args) and answers the result. */
function pythonCalls(fn: string, ...args: string[]) {
  const query = [`node=127.0.0.1:${nodePort}`, `fn=${fn}`, ...args.map((a) => `arg=${a}`)];
  return uwsgi.route("/rpc", query.join("&"));
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(UwsgiClientError);
    return (e as UwsgiClientError).code;
  }
  return "resolved";
}

describe("Node calls Python functions in uWSGI", () => {
  it("hello(a, bc): the framed answer", async () => {
    expect((await rpc(at(), "hello", "a", "bc")).toString()).toBe("hi:a|bc");
  });

  it("modifier2 1: the raw answer, ended by the close", async () => {
    expect((await rpc({ ...at(), raw: true }, "hello", "x")).toString()).toBe("hi:x");
  });

  it("binary arguments arrive as bytes", async () => {
    const arg = Buffer.from([0, 0xff, 0x0d, 0x0a]);
    const got = await rpc(at(), "hello", arg);
    expect(got.equals(Buffer.concat([Buffer.from("hi:"), arg]))).toBe(true);
  });

  it.each([65535, 65536, 70000, 1_000_000])(
    "a result of %i bytes (over 65535: modifier2 5 and CONTENT_LENGTH)",
    async (n) => {
      const got = await rpc(at(), "big", String(n));
      expect(got.length).toBe(n);
      expect(got.equals(pattern(n))).toBe(true);
    },
  );

  it("254 arguments reach the function (uWSGI's maximum)", async () => {
    const args = Array.from({ length: 254 }, (_, i) => String(i));
    expect((await rpc(at(), "count", ...args)).toString()).toBe("254");
  });

  it("an unknown function, and one returning nothing: uWSGI closes, CLOSED_BEFORE_ANSWER", async () => {
    expect(await rejection(rpc(at(), "nosuch"))).toBe("CLOSED_BEFORE_ANSWER");
    expect(await rejection(rpc(at(), "nothing"))).toBe("CLOSED_BEFORE_ANSWER");
  });

  it("modifier2 2 (PATH_INFO) is answered with HTTP; modifier2 3 (XML-RPC) always 500s in 2.0.x", async () => {
    const call = async (modifier2: number, vars: Record<string, string>, body?: string) => {
      const res = await request({
        host: uwsgi.host,
        port: uwsgi.port,
        modifier1: 173,
        modifier2,
        vars,
        ...(body === undefined ? {} : { body }),
      });
      const chunks: Buffer[] = [];
      for await (const c of res.body) chunks.push(c as Buffer);
      return [res.statusCode, res.headers["content-type"], Buffer.concat(chunks).toString()];
    };
    expect(await call(2, { PATH_INFO: "/hello/a/b" })).toEqual([
      200,
      "application/binary",
      "hi:a|b",
    ]);
    // Debian's rpc plugin has XML-RPC (libxml2), but the plugin never reads CONTENT_LENGTH for
    // modifier2 3, so the body it needs is always missing (plugins/rpc/rpc_plugin.c).
    const xml =
      "<?xml version='1.0'?><methodCall><methodName>hello</methodName><params><param><value><string>a</string></value></param></params></methodCall>";
    const [status] = await call(3, { REQUEST_METHOD: "POST", CONTENT_TYPE: "text/xml" }, xml);
    expect(status).toBe(500);
  });

  it("a result over maxResultSize is BODY_TOO_LARGE", async () => {
    expect(await rejection(rpc({ ...at(), maxResultSize: 1000 }, "big", "70000"))).toBe(
      "BODY_TOO_LARGE",
    );
  });
});

describe("Python calls Node functions through uWSGI (uwsgi.rpc to createRpcServer)", () => {
  it("upper(abc)", async () => {
    const { status, body } = await pythonCalls("upper", "abc");
    expect([status, body.toString()]).toEqual([200, "ABC"]);
  });

  it.each([100, 65535, 65536, 300_000])(
    "a result of %i bytes reaches uWSGI's client whole",
    async (n) => {
      const { status, body } = await pythonCalls("big", String(n));
      expect(status).toBe(200);
      expect(body.length).toBe(n);
      expect(body.equals(pattern(n))).toBe(true);
    },
  );

  it("empty arguments are dropped as uWSGI drops them; an empty last one refuses the call", async () => {
    expect((await pythonCalls("count", "", "b")).body.toString()).toBe("1");
    expect((await pythonCalls("count", "b", "")).status).toBe(502);
    expect(seen).toContain("clientError UNSUPPORTED_PACKET");
  });

  it("an unknown function, nothing returned, a function that throws: uWSGI's client gets no answer", async () => {
    expect((await pythonCalls("nosuch")).status).toBe(502);
    expect((await pythonCalls("nothing")).status).toBe(502);
    expect((await pythonCalls("fail")).status).toBe(502);
    expect(seen).toContain("error HANDLER_FAILED");
  });
});

describe("serveRpc beside a request handler", () => {
  it("the same server answers requests and RPC calls", async () => {
    const server = createServer((_req, res) => res.end("plain"));
    const table = serveRpc(server, { ping: () => "pong" });
    const port = await listen(server);
    try {
      expect((await rpc({ port }, "ping")).toString()).toBe("pong");
      table.set("later", () => Buffer.from("added"));
      expect((await rpc({ port }, "later")).toString()).toBe("added");
      expect((await rpc({ port, raw: true }, "ping")).toString()).toBe("pong");
      expect(await rejection(rpc({ port }, "nosuch"))).toBe("CLOSED_BEFORE_ANSWER");
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("a server without serveRpc refuses RPC calls (UNSUPPORTED_PACKET), as before", async () => {
    const server = createServer((_req, res) => res.end("plain"));
    const errors: string[] = [];
    server.on("clientError", (err) => errors.push((err as { code: string }).code));
    const port = await listen(server);
    try {
      expect(await rejection(rpc({ port }, "ping"))).toBe("CLOSED_BEFORE_ANSWER");
      expect(errors).toEqual(["UNSUPPORTED_PACKET"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
