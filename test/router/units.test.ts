import { describe, expect, it } from "vitest";
import { UwsgiError } from "../../src/codec/errors.js";
import { encodePacket } from "../../src/codec/packet.js";
import { decodeVars } from "../../src/codec/vars-decode.js";
import { checkAddress, parseAddress } from "../../src/router/address.js";
import { bodyComplete } from "../../src/router/body-complete.js";
import { clockPeriod } from "../../src/router/clock.js";
import { LatencyHistogram } from "../../src/router/latency.js";
import * as mw from "../../src/router/middleware.js";
import { DEFAULT_ROUTER_OPTIONS } from "../../src/router/options.js";
import { ReadBuffers } from "../../src/router/read-buffers.js";
import { RouterRequest } from "../../src/router/request.js";
import { createRouter } from "../../src/router/router.js";
import { fastRouterKey } from "../../src/router/routing-key.js";
import { cookieValue } from "../../src/router/sticky-cookie.js";
import { subscribe } from "../../src/router/subscribe.js";
import { hasKeyPrefix, VarsEditor } from "../../src/router/vars-editor.js";
import { thrown } from "./support/thrown.js";

function vars(pairs: [string, string][]) {
  return decodeVars(encodePacket({ vars: pairs }), 4);
}

function request(pairs: [string, string][]): RouterRequest {
  return new RouterRequest(new VarsEditor(vars(pairs)), 0, 0, undefined, "app", "127.0.0.1", false);
}

describe("FastRouter's key", () => {
  const key = (pairs: [string, string][]) => fastRouterKey(vars(pairs).raw);
  it("takes UWSGI_FASTROUTER_KEY over HTTP_HOST over SERVER_NAME, walking in order", () => {
    expect(
      key([
        ["SERVER_NAME", "s"],
        ["HTTP_HOST", "h:8080"],
      ]),
    ).toBe("h:8080");
    // SERVER_NAME only while no key is set: after HTTP_HOST it changes nothing.
    expect(
      key([
        ["HTTP_HOST", "h"],
        ["SERVER_NAME", "s"],
      ]),
    ).toBe("h");
    expect(
      key([
        ["UWSGI_FASTROUTER_KEY", "k"],
        ["HTTP_HOST", "h"],
      ]),
    ).toBe("k");
    expect(
      key([
        ["HTTP_HOST", "h"],
        ["UWSGI_FASTROUTER_KEY", "k"],
        ["HTTP_HOST", "h2"],
      ]),
    ).toBe("k");
    expect(key([["SERVER_NAME", "s"]])).toBe("s");
    expect(key([["PATH_INFO", "/"]])).toBeUndefined();
  });
  it("skips a value over 255 bytes and takes an empty key as none", () => {
    expect(
      key([
        ["SERVER_NAME", "s"],
        ["HTTP_HOST", "x".repeat(256)],
      ]),
    ).toBe("s");
    expect(key([["HTTP_HOST", "x".repeat(255)]])).toBe("x".repeat(255));
    expect(key([["HTTP_HOST", ""]])).toBeUndefined();
    expect(
      key([
        ["HTTP_HOST", ""],
        ["SERVER_NAME", "s"],
      ]),
    ).toBe("s");
  });
});

describe("VarsEditor", () => {
  it("reads the view until the first edit, then edits a copy; untouched values keep their bytes", () => {
    const e = new VarsEditor(
      vars([
        ["A", "1"],
        ["B", "2"],
        ["A", "3"],
        ["UWSGI_X", "x"],
      ]),
    );
    expect([e.changed, e.size, e.get("A"), e.getAll("A"), e.has("B")]).toEqual([
      false,
      4,
      "3",
      ["1", "3"],
      true,
    ]);
    expect(e.delete("NOPE")).toBe(false);
    expect(e.deletePrefix("NOPE_")).toBe(0);
    expect(e.changed).toBe(false);
    e.set("A", "9");
    expect([...e]).toEqual([
      ["A", "9"],
      ["B", "2"],
      ["UWSGI_X", "x"],
    ]);
    e.add("B", "5").add("C", "6");
    expect([e.get("B"), e.getAll("B"), e.has("C"), e.get("Z")]).toEqual([
      "5",
      ["2", "5"],
      true,
      undefined,
    ]);
    expect(e.delete("B")).toBe(true);
    expect(e.deletePrefix("UWSGI_")).toBe(1);
    expect(e.toObject()).toEqual({ A: "9", C: "6" });
    expect(e.original.size).toBe(4);
    const pairs = e.pairs()!;
    expect(encodePacket({ vars: pairs })).toEqual(
      encodePacket({
        vars: [
          ["A", "9"],
          ["C", "6"],
        ],
      }),
    );
  });
  it("finds key prefixes in the raw block without making strings", () => {
    expect(
      hasKeyPrefix(
        vars([
          ["A", "1"],
          ["UWSGI_FILE", "x"],
        ]).raw,
        "UWSGI_",
      ),
    ).toBe(true);
    expect(
      hasKeyPrefix(
        vars([
          ["UWSGI", "1"],
          ["U", "UWSGI_"],
        ]).raw,
        "UWSGI_",
      ),
    ).toBe(false);
  });
});

describe("middleware helpers", () => {
  it("rewrite follows uWSGI: the path decoded, the new query first, joined to the old with &", () => {
    const req = request([
      ["PATH_INFO", "/old/42"],
      ["QUERY_STRING", "a=1"],
    ]);
    mw.rewrite(/^\/old\/(\d+)$/, "/new/%7E$1?id=$1")(req);
    expect([req.vars.get("PATH_INFO"), req.vars.get("QUERY_STRING")]).toEqual([
      "/new/~42",
      "id=42&a=1",
    ]);
    const plain = request([["PATH_INFO", "/x"]]);
    mw.rewrite(/x/g, "y%zz")(plain);
    expect([plain.vars.get("PATH_INFO"), plain.vars.has("QUERY_STRING")]).toEqual(["/y%zz", false]);
    const empty = request([
      ["PATH_INFO", "/x"],
      ["QUERY_STRING", ""],
    ]);
    mw.rewrite(/x/, "y?q=1")(empty);
    expect(empty.vars.get("QUERY_STRING")).toBe("q=1");
    const miss = request([["PATH_INFO", "/z"]]);
    mw.rewrite(/x/, "y")(miss);
    expect(miss.vars.changed).toBe(false);
  });
  it("set, add, delete, path info, script name, modifiers, path routes and deny", () => {
    const req = request([
      ["PATH_INFO", "/api/v1/x"],
      ["HTTP_X", "1"],
    ]);
    for (const m of [
      mw.setVar("S", "1"),
      mw.addVar("S", "2"),
      mw.deleteVar("HTTP_X"),
      mw.setScriptName("/api"),
      mw.setModifiers(5, 7),
      mw.routeByPath({ "/api/": "api", "/api/v1/": "v1" }),
    ]) {
      m(req);
    }
    expect([req.vars.getAll("S"), req.vars.has("HTTP_X"), req.vars.get("SCRIPT_NAME")]).toEqual([
      ["1", "2"],
      false,
      "/api",
    ]);
    expect([req.modifier1, req.modifier2, req.pool]).toEqual([5, 7, "v1"]);
    mw.setModifiers(9)(req);
    expect([req.modifier1, req.modifier2]).toEqual([9, 7]);
    mw.setPathInfo("/p")(req);
    expect(req.vars.get("PATH_INFO")).toBe("/p");
    const other = request([["PATH_INFO", "/www"]]);
    mw.routeByPath({ "/api/": "api" })(other);
    expect(other.pool).toBe("app");
    mw.deny(451, (r) => r.vars.get("PATH_INFO") === "/other")(other);
    expect(other.answered).toBe(false);
    mw.deny()(other);
    expect(Buffer.from(other.answer!).toString()).toBe(
      "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 4\r\n\r\n403\n",
    );
  });
  it("refuse wrong arguments with Node's argument errors", () => {
    expect(thrown(() => mw.setVar(1 as never, "x"))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => mw.setModifiers(256))).toEqual({
      name: "RangeError",
      code: "ERR_OUT_OF_RANGE",
    });
    expect(thrown(() => mw.rewrite("x" as never, "y"))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => mw.deny(200))).toEqual({ name: "RangeError", code: "ERR_OUT_OF_RANGE" });
    expect(thrown(() => mw.routeByPath(null as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
  });
});

describe("direct answers", () => {
  it("write the headers given, repeated ones as lines, and refuse header injection", () => {
    const req = request([]);
    req.respond(
      200,
      { "Set-Cookie": ["a=1", "b=2"], "Content-Type": "text/html", "Content-Length": 99 },
      new Uint8Array([0x68, 0x69]),
    );
    expect(Buffer.from(req.answer!).toString()).toBe(
      "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi",
    );
    expect(thrown(() => req.respond(200, { "X-A": "a\r\nB: c" }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    expect(thrown(() => req.respond(200, { "X A": "a" }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    expect(thrown(() => req.respond(99))).toEqual({ name: "RangeError", code: "ERR_OUT_OF_RANGE" });
    expect(thrown(() => req.respond(200, null as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => req.respond(200, {}, 5 as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => req.redirect(5 as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    req.respond(599);
    expect(Buffer.from(req.answer!).toString()).toBe(
      "HTTP/1.1 599 Status\r\nContent-Length: 0\r\n\r\n",
    );
  });
});

describe("argument errors", () => {
  it("createRouter checks its options", () => {
    const bad: [unknown, string, string][] = [
      [{ pool: {} }, "TypeError", "ERR_UNKNOWN_OPTION"],
      [{ timeout: 5 }, "TypeError", "ERR_UNKNOWN_OPTION"],
      [{ pools: [] }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ pools: { a: { nodes: "x" } } }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ pools: { a: { nodes: ["nope:port"] } } }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [
        { pools: { a: { nodes: [{ address: "127.0.0.1:1", weight: 0 }] } } },
        "RangeError",
        "ERR_OUT_OF_RANGE",
      ],
      [
        { pools: { a: { nodes: [{ address: "127.0.0.1:1", colour: 1 }] } } },
        "TypeError",
        "ERR_UNKNOWN_OPTION",
      ],
      [{ pools: { a: { nodes: [5] } } }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ pools: { a: { nodes: [], pattern: "/x/%s" } } }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [{ pools: { a: { pattern: "/x/" } } }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [{ pools: { a: { pattern: 5 } } }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ pools: { a: { balancer: "random" } } }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [{ pools: { a: { cookie: "a b" } } }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [{ pools: { a: { fallback: "b" } } }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [{ pools: { a: { fallback: 5 } } }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ pools: { a: { healthCheck: { interval: 1 } } } }, "RangeError", "ERR_OUT_OF_RANGE"],
      [{ pools: { a: { healthCheck: 5 } } }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ pools: { a: "x" } }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ defaultPool: "z" }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [{ key: "x" }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ middleware: [5] }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ middleware: 5 }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ trust: "yes" }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ trust: [5] }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ retries: -1 }, "RangeError", "ERR_OUT_OF_RANGE"],
      [{ grace: 1.5 }, "RangeError", "ERR_OUT_OF_RANGE"],
      [{ connectTimeout: 0 }, "RangeError", "ERR_OUT_OF_RANGE"],
      [{ subscriptions: { listen: "/tmp/x.sock" } }, "TypeError", "ERR_INVALID_ARG_VALUE"],
      [{ subscriptions: { listen: [] } }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [{ subscriptions: null }, "TypeError", "ERR_INVALID_ARG_TYPE"],
      [
        { subscriptions: { listen: "127.0.0.1:1", tolerance: 0 } },
        "RangeError",
        "ERR_OUT_OF_RANGE",
      ],
      [
        { subscriptions: { listen: "127.0.0.1:1", pool: { nodes: [] } } },
        "TypeError",
        "ERR_INVALID_ARG_VALUE",
      ],
      [
        { subscriptions: { listen: "127.0.0.1:1", verify: { keys: { "": "not a key" } } } },
        "TypeError",
        "ERR_INVALID_ARG_VALUE",
      ],
      [
        { subscriptions: { listen: "127.0.0.1:1", verify: { keys: null } } },
        "TypeError",
        "ERR_INVALID_ARG_TYPE",
      ],
      [
        { subscriptions: { listen: "127.0.0.1:1", verify: 5 } },
        "TypeError",
        "ERR_INVALID_ARG_TYPE",
      ],
      [
        { subscriptions: { listen: "127.0.0.1:1", verify: { keys: {}, algorithm: "nope" } } },
        "TypeError",
        "ERR_INVALID_ARG_VALUE",
      ],
      [
        { subscriptions: { listen: "127.0.0.1:1", verify: { keys: {}, required: 1 } } },
        "TypeError",
        "ERR_INVALID_ARG_TYPE",
      ],
    ];
    for (const [options, name, code] of bad) {
      expect([options, thrown(() => createRouter(options as never))]).toEqual([
        options,
        { name, code },
      ]);
    }
  });
  it("names its header time-out as node:http does (headersTimeout), and hints the old spelling", () => {
    const router = createRouter({ headersTimeout: 250 });
    expect(router.options.headersTimeout).toBe(250);
    expect(createRouter().options.headersTimeout).toBe(DEFAULT_ROUTER_OPTIONS.headersTimeout);
    let error: Error | undefined;
    try {
      createRouter({ headerTimeout: 250 } as never);
    } catch (e) {
      error = e as Error;
    }
    expect(error).toMatchObject({ name: "TypeError", code: "ERR_UNKNOWN_OPTION" });
    // The hint names the option to use instead.
    expect(error?.message).toContain('"headersTimeout"');
  });
  it("subscribe checks its arguments", () => {
    expect(thrown(() => subscribe(5 as never, { key: "k", address: "a:1" }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => subscribe("/tmp/sub.sock", { key: "k", address: "a:1" }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    expect(thrown(() => subscribe("127.0.0.1:1", null as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(
      thrown(() => subscribe("127.0.0.1:1", { key: "k", address: "a:1", every: 1 } as never)),
    ).toEqual({ name: "TypeError", code: "ERR_UNKNOWN_OPTION" });
    expect(
      thrown(() => subscribe("127.0.0.1:1", { key: "k", address: "a:1", interval: 5 })),
    ).toEqual({ name: "RangeError", code: "ERR_OUT_OF_RANGE" });
    expect(
      thrown(() => subscribe("127.0.0.1:1", { key: "k", address: "a:1", sign: { key: "nope" } })),
    ).toEqual({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
    expect(
      thrown(() => subscribe("127.0.0.1:1", { key: "k", address: "a:1", sign: 5 as never })),
    ).toEqual({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
    expect(thrown(() => subscribe("127.0.0.1:1", { key: "", address: "a:1" }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
  });
  it("addNode checks its arguments", () => {
    const r = createRouter();
    expect(thrown(() => r.addNode(5 as never, "127.0.0.1:1"))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => r.addNode("p", "x:y"))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    r.addNode("p", "127.0.0.1:1");
    r.addNode("p", { address: "127.0.0.1:1" });
    r.addNode("p", { address: "127.0.0.1:2", weight: 3, backup: 1 });
    expect(r.stats().pools[0]!.nodes.map((n) => [n.address, n.weight, n.backup])).toEqual([
      ["127.0.0.1:1", 1, 0],
      ["127.0.0.1:2", 3, 1],
    ]);
    expect([
      r.removeNode("p", "127.0.0.1:1"),
      r.removeNode("p", "127.0.0.1:1"),
      r.removeNode("q", "x"),
    ]).toEqual([true, false, false]);
    expect(JSON.parse(JSON.stringify(r.stats())).pools[0].nodes[0].latency).toEqual({
      count: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      max: 0,
    });
  });
});

describe("small parts", () => {
  it("parses addresses as uWSGI writes them", () => {
    expect(parseAddress("127.0.0.1:3031")).toEqual({ host: "127.0.0.1", port: 3031 });
    expect(parseAddress("[::1]:3031")).toEqual({ host: "::1", port: 3031 });
    expect(parseAddress(":3031")).toEqual({ host: "127.0.0.1", port: 3031 });
    expect(parseAddress("0.0.0.0:3031")).toEqual({ host: "127.0.0.1", port: 3031 });
    expect(parseAddress("/run/a.sock")).toEqual({ path: "/run/a.sock" });
    expect(parseAddress("./a.sock")).toEqual({ path: "./a.sock" });
    expect(parseAddress("@abstract")).toEqual({ path: "\0abstract" });
    expect(parseAddress("a.sock")).toEqual({ path: "a.sock" });
    expect([
      parseAddress(""),
      parseAddress("h:0"),
      parseAddress("h:65536"),
      parseAddress("h:x"),
    ]).toEqual([undefined, undefined, undefined, undefined]);
    expect(thrown(() => checkAddress("a", 5))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
  });
  it("reads a cookie out of a Cookie header", () => {
    expect(cookieValue("a=1; uwsgi_node=abc ; b=2", "uwsgi_node")).toBe("abc");
    expect([cookieValue(undefined, "x"), cookieValue("x", "x"), cookieValue("y=1", "x")]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });
  it("knows when a request's body went through whole, by its CONTENT_LENGTH as uWSGI reads it", () => {
    const length5 = vars([["CONTENT_LENGTH", "5"]]);
    expect([4, 5, 6].map((n) => bodyComplete(length5, n))).toEqual([false, true, false]);
    expect(bodyComplete(vars([["CONTENT_LENGTH", ""]]), 0)).toBe(true);
    expect(bodyComplete(vars([]), 0)).toBe(true);
    // A chunked body may follow: not complete, whatever went through.
    expect(bodyComplete(vars([["HTTP_TRANSFER_ENCODING", "chunked"]]), 0)).toBe(false);
    // Too large to be exact: never taken as a body that went through.
    expect(bodyComplete(vars([["CONTENT_LENGTH", "99999999999999999999"]]), 0)).toBe(false);
  });
  it("keeps latency percentiles within a sixteenth", () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.record(i / 10);
    h.record(-1);
    h.record(1e12);
    const s = h.snapshot();
    expect(s.count).toBe(1002);
    expect(Math.abs(s.p50 - 50) / 50).toBeLessThan(1 / 16);
    expect(Math.abs(s.p90 - 90) / 90).toBeLessThan(1 / 16);
    expect(s.max).toBe(4294967.295);
  });
  it("UwsgiError stays the codec's, with the var concerned when there is one", () => {
    const plain = new UwsgiError("TRUNCATED", 0, "x", "y");
    expect([plain.code, plain.field, Object.hasOwn(plain, "field")]).toEqual([
      "TRUNCATED",
      undefined,
      false,
    ]);
    expect(new UwsgiError("MISSING_FIELD", 4, "a key var", "no key", 0, "key").field).toBe("key");
  });
});

describe("PacketGatherer", () => {
  it("gives the same packet and the same following bytes however the stream is cut", async () => {
    const { PacketGatherer } = await import("../../src/router/packet-gatherer.js");
    const packet = Buffer.from(
      encodePacket({
        vars: [
          ["A", "1"],
          ["HTTP_HOST", "h"],
        ],
      }),
    );
    const wire = Buffer.concat([packet, Buffer.from("body!")]);
    for (let i = 1; i < wire.length; i++) {
      for (let j = i; j < wire.length; j++) {
        const g = new PacketGatherer();
        const rest: Buffer[] = [];
        let got: { packet: { byteLength: number; payload: Uint8Array } } | undefined;
        for (const piece of [wire.subarray(0, i), wire.subarray(i, j), wire.subarray(j)]) {
          if (got !== undefined) rest.push(piece);
          else {
            const r = g.push(piece);
            if (r !== undefined) {
              got = r;
              rest.push(r.rest);
            }
          }
        }
        expect(got?.packet.byteLength).toBe(packet.length);
        expect(Buffer.from(got!.packet.payload).equals(packet.subarray(4))).toBe(true);
        expect(Buffer.concat(rest).toString()).toBe("body!");
      }
    }
  });
});

describe("the router's clock", () => {
  it("checks at a twentieth of the shortest time-out, at least every millisecond", () => {
    expect(clockPeriod(10_000, 10_000, 60_000)).toBe(500);
    expect(clockPeriod(0, 300, 0)).toBe(15);
    expect(clockPeriod(0, 10, 0)).toBe(1);
    expect(clockPeriod(0, 0)).toBe(1000);
  });
});

describe("read buffers", () => {
  it("keeps at most 32 buffers for reuse and hands kept ones out first", () => {
    const pool = new ReadBuffers();
    const given = Array.from({ length: 40 }, () => pool.take());
    expect(new Set(given).size).toBe(40);
    for (const b of given) pool.give(b);
    const again = Array.from({ length: 40 }, () => pool.take());
    expect(again.filter((b) => given.includes(b)).length).toBe(32);
    expect(again.every((b) => b.length === 64 * 1024)).toBe(true);
  });
});
