import { type AddressInfo, connect, createServer as createNetServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/codec/packet.js";
import type { UwsgiRouterError } from "../../src/router/errors.js";
import type { RouterRequest } from "../../src/router/request.js";
import type { UwsgiRouter } from "../../src/router/router.js";
import { exchange } from "../interop/support/exchange.js";
import { type Backend, startBackends } from "./support/backends.js";
import { parseIdentity, startRouter, stopRouter } from "./support/router.js";

// Requests straight to the router (as nginx would send them), and the same bytes straight to the
// backend that answered: the answers must be the same bytes.

const BASE: [string, string][] = [
  ["QUERY_STRING", "a=1&b=2"],
  ["REQUEST_METHOD", "GET"],
  ["CONTENT_TYPE", ""],
  ["CONTENT_LENGTH", ""],
  ["REQUEST_URI", "/path/x?a=1&b=2"],
  ["PATH_INFO", "/path/x"],
  ["SERVER_PROTOCOL", "HTTP/1.1"],
  ["REMOTE_ADDR", "10.1.2.3"],
  ["SERVER_NAME", "app.test"],
  ["HTTP_HOST", "app.test"],
];

function packet(vars: readonly (readonly [string, string | Uint8Array])[], modifier1 = 0): Buffer {
  return Buffer.from(encodePacket({ modifier1, vars }));
}

let backends: Backend[];
let router: UwsgiRouter;
let port: number;
const errors: UwsgiRouterError[] = [];

beforeAll(async () => {
  backends = await startBackends(["a", "b", "c"]);
  ({ router, port } = await startRouter({
    pools: {
      app: { nodes: backends.map((b) => b.address) },
      edited: { nodes: [backends[0]!.address] },
    },
    defaultPool: "app",
    middleware: [
      (req: RouterRequest) => {
        if (req.vars.get("PATH_INFO") !== "/edit") return;
        req.pool = "edited";
        req.vars.set("PATH_INFO", "/rewritten/ü");
        req.vars.set("QUERY_STRING", "x=1&y=%20");
        req.vars.set("SCRIPT_NAME", "/mount");
        req.vars.add("X_ADDED", "one");
        req.vars.add("X_ADDED", "two");
        req.vars.delete("HTTP_USER_AGENT");
      },
      (req: RouterRequest) => {
        if (req.vars.get("PATH_INFO") === "/deny") req.respond(403, { "X-Why": "policy" }, "no\n");
        if (req.vars.get("PATH_INFO") === "/moved") req.redirect("https://example.test/new", 301);
      },
    ],
  }));
  router.on("requestError", (e: UwsgiRouterError) => errors.push(e));
});

afterAll(async () => {
  await stopRouter(router);
  await Promise.all(backends.map((b) => b.stop()));
});

async function viaRouterAndDirect(parts: Buffer[]): Promise<[Buffer, Buffer, string]> {
  const routed = (await exchange(port, parts)).answer;
  const node = parseIdentity(routed).node;
  const backend = backends.find((b) => b.id === node)!;
  const direct = (await exchange(backend.port, parts)).answer;
  return [routed, direct, node];
}

describe("the router forwards byte for byte", () => {
  it("answers each request with the bytes the same backend answers directly", async () => {
    const body = Buffer.alloc(300_000, 0x61);
    const cases: Buffer[][] = [
      [packet(BASE)],
      [
        packet([
          ...BASE,
          ["HTTP_COOKIE", "a=1"],
          ["HTTP_COOKIE", "b=2"],
          ["X_BIN", new Uint8Array([0, 1, 0xff, 13, 10])],
        ]),
      ],
      [
        packet([
          ...BASE.filter(([k]) => k !== "CONTENT_LENGTH"),
          ["CONTENT_LENGTH", String(body.length)],
        ]),
        body,
      ],
      [packet([...BASE, ["HTTP_X_LONG", "v".repeat(40_000)]])],
    ];
    const nodes = new Set<string>();
    for (const parts of cases) {
      const [routed, direct, node] = await viaRouterAndDirect(parts);
      expect(routed.equals(direct)).toBe(true);
      nodes.add(node);
    }
    // Round robin over three nodes: four requests reach all three.
    expect(nodes.size).toBe(3);
  });

  it("keeps the request's modifier1 when the node names none", async () => {
    // modifier1 30 is WSGI with SCRIPT_NAME handling: uWSGI's Python plugin serves it.
    const parts = [packet(BASE, 30)];
    const [routed, direct] = await viaRouterAndDirect(parts);
    expect(routed.equals(direct)).toBe(true);
    expect(parseIdentity(routed).status).toBe(200);
  });

  it("delivers rewritten vars to the backend's environ exactly", async () => {
    const sent: [string, string][] = [
      ...BASE.filter(([k]) => k !== "PATH_INFO"),
      ["PATH_INFO", "/edit"],
      ["HTTP_USER_AGENT", "curl/8"],
    ];
    const routed = (await exchange(port, [packet(sent)])).answer;
    // What the middleware should have made, encoded independently and sent to the same node.
    const expected: [string, string][] = [
      ...BASE.filter(([k]) => k !== "PATH_INFO"),
      ["PATH_INFO", "/rewritten/ü"],
      ["SCRIPT_NAME", "/mount"],
      ["X_ADDED", "one"],
      ["X_ADDED", "two"],
    ].map(([k, v]) => (k === "QUERY_STRING" ? [k, "x=1&y=%20"] : [k, v])) as [string, string][];
    const direct = (await exchange(backends[0]!.port, [packet(expected)])).answer;
    expect(routed.equals(direct)).toBe(true);
    const environ = parseIdentity(routed).environ;
    expect(environ.get("PATH_INFO")).toBe("/rewritten/ü");
    expect(environ.get("QUERY_STRING")).toBe("x=1&y=%20");
    expect(environ.get("SCRIPT_NAME")).toBe("/mount");
    expect(environ.get("X_ADDED")).toBe("two");
    expect(environ.has("HTTP_USER_AGENT")).toBe(false);
  });

  it("answers from middleware without a backend", async () => {
    const denied = (
      await exchange(port, [
        packet([...BASE.filter(([k]) => k !== "PATH_INFO"), ["PATH_INFO", "/deny"]]),
      ])
    ).answer;
    expect(denied.toString("latin1")).toBe(
      "HTTP/1.1 403 Forbidden\r\nX-Why: policy\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 3\r\n\r\nno\n",
    );
    const moved = (
      await exchange(port, [
        packet([...BASE.filter(([k]) => k !== "PATH_INFO"), ["PATH_INFO", "/moved"]]),
      ])
    ).answer;
    expect(moved.toString("latin1")).toBe(
      "HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.test/new\r\nContent-Length: 0\r\n\r\n",
    );
    expect(router.stats().direct).toBe(2);
  });

  it("drops UWSGI_* vars from an untrusted source, before the key is read", async () => {
    // The forced key names a pool that exists: honoured, it would send the request there.
    const sent: [string, string][] = [
      ...BASE,
      ["UWSGI_HELLO", "x"],
      ["UWSGI_FASTROUTER_KEY", "edited"],
    ];
    const editedRequests = () =>
      router
        .stats()
        .pools.find((p) => p.name === "edited")!
        .nodes.reduce((a, n) => a + n.requests, 0);
    const before = editedRequests();
    const environ = parseIdentity((await exchange(port, [packet(sent)])).answer).environ;
    expect(environ.has("UWSGI_HELLO")).toBe(false);
    expect(environ.has("UWSGI_FASTROUTER_KEY")).toBe(false);
    expect(environ.get("HTTP_HOST")).toBe("app.test");
    expect(editedRequests()).toBe(before);
  });

  it("answers a ping with a pong", async () => {
    const pong = (await exchange(port, [Buffer.from([100, 0, 0, 0])])).answer;
    expect(pong).toEqual(Buffer.from([100, 0, 0, 1]));
  });

  it("counts every request it answered, and none failed", () => {
    expect(errors).toEqual([]);
    const stats = router.stats();
    const app = stats.pools.find((p) => p.name === "app")!;
    expect(app.nodes.map((n) => n.state)).toEqual(["up", "up", "up"]);
    // Four byte-for-byte cases, the modifier1 case, the UWSGI_* case (the edited one went to "edited").
    expect(app.nodes.reduce((a, n) => a + n.requests, 0)).toBe(6);
    expect(stats.inFlight).toBe(0);
    expect(app.nodes.every((n) => n.inFlight === 0 && n.latency.count === n.requests)).toBe(true);
  });
});

describe("bytes after the packet", () => {
  it("go to the backend as they come, whatever their framing, and so does the client's half-close", async () => {
    // A backend that sends back every byte it got, once the router half-closes towards it.
    const mirror = createNetServer({ allowHalfOpen: true }, (s) => {
      const got: Buffer[] = [];
      s.on("data", (c: Buffer) => got.push(c));
      s.on("end", () => s.end(Buffer.concat(got)));
    });
    await new Promise<void>((r) => mirror.listen(0, "127.0.0.1", () => r()));
    const { router: r, port: p } = await startRouter({
      pools: { app: { nodes: [`127.0.0.1:${(mirror.address() as AddressInfo).port}`] } },
      defaultPool: "app",
    });
    try {
      // uWSGI's http router sends a chunked upload so: no CONTENT_LENGTH, the chunked stream after.
      const head = packet([
        ...BASE.filter(([k]) => k !== "CONTENT_LENGTH"),
        ["HTTP_TRANSFER_ENCODING", "chunked"],
      ]);
      const stream = Buffer.from("5\r\nhello\r\n0\r\n\r\nand then some");
      const answer = await new Promise<Buffer>((resolve, reject) => {
        const s = connect(p, "127.0.0.1", () => {
          // Split anywhere: the header alone, the rest of the packet with the stream's start, the rest.
          s.write(head.subarray(0, 2));
          setImmediate(() => {
            s.write(Buffer.concat([head.subarray(2), stream.subarray(0, 4)]));
            s.end(stream.subarray(4));
          });
        });
        const chunks: Buffer[] = [];
        s.on("data", (c: Buffer) => chunks.push(c));
        s.on("close", () => resolve(Buffer.concat(chunks)));
        s.on("error", reject);
      });
      expect(answer.equals(Buffer.concat([head, stream]))).toBe(true);
    } finally {
      await stopRouter(r);
      await new Promise<void>((res) => mirror.close(() => res()));
    }
  });
});

describe("trusted sources keep their UWSGI_* vars", () => {
  it("passes UWSGI_HELLO through and routes by UWSGI_FASTROUTER_KEY", async () => {
    const { router: trusting, port: p } = await startRouter({
      pools: { app: { nodes: [backends[0]!.address] }, other: { nodes: [backends[1]!.address] } },
      defaultPool: "app",
      trust: ["127.0.0.1"],
    });
    try {
      const sent: [string, string][] = [
        ...BASE,
        ["UWSGI_HELLO", "x"],
        ["UWSGI_FASTROUTER_KEY", "other"],
      ];
      const id = parseIdentity((await exchange(p, [packet(sent)])).answer);
      expect(id.environ.get("UWSGI_HELLO")).toBe("x");
      expect(id.node).toBe("b");
    } finally {
      await stopRouter(trusting);
    }
  });
});
