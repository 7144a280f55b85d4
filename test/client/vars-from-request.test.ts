// varsFromRequest() against what real nginx 1.22 sends with Debian's /etc/nginx/uwsgi_params:
// the same raw HTTP request goes to nginx -> recording relay -> uWSGI and to a Node server that
// answers with varsFromRequest(req); the two var lists must match, in order, but for the ports
// (each side's own) and DOCUMENT_ROOT (nginx's `root`, here its prefix's html/).
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nginxHost } from "../../src/client/nginx-checks.js";
import { documentUri, varsFromRequest } from "../../src/client/vars-from-request.js";
import { decodePacket, MAX_DATASIZE } from "../../src/index.js";
import { exchange, parseHttpAnswer } from "../interop/support/exchange.js";
import { type NginxPeer, startNginx, uwsgiLocation } from "../interop/support/nginx.js";
import { startTee, type Tee } from "../interop/support/tee.js";
import { startUwsgi, type UwsgiPeer } from "../interop/support/uwsgi.js";

let uwsgi: UwsgiPeer | undefined;
let tee: Tee | undefined;
let nginx: NginxPeer | undefined;
let node: Server | undefined;
let nodePort = 0;

beforeAll(async () => {
  uwsgi = await startUwsgi();
  tee = await startTee(uwsgi.port);
  nginx = await startNginx(uwsgiLocation(`127.0.0.1:${tee.port}`));
  node = createServer((req, res) => {
    const vars = varsFromRequest(req, { SERVER_NAME: "localhost" });
    req.resume();
    req.on("end", () => {
      const json = JSON.stringify(
        vars.map(([k, v]) => [k, Buffer.from(v, "latin1").toString("hex")]),
      );
      res.end(json);
    });
  });
  await new Promise<void>((resolve) => node!.listen(0, "127.0.0.1", resolve));
  nodePort = (node.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => node?.close(r));
  await nginx?.stop();
  await tee?.close();
  await uwsgi?.stop();
});

type Pairs = [string, string][];

async function fromNginx(raw: Buffer): Promise<Pairs> {
  const before = tee!.captured.length;
  await exchange(nginx!.port, [raw]);
  const deadline = Date.now() + 5000;
  while (tee!.captured.length <= before) {
    if (Date.now() > deadline) throw new Error("nginx never closed its upstream connection");
    await new Promise((r) => setTimeout(r, 10));
  }
  const packet = decodePacket(tee!.captured[before]!, 0, { maxDatasize: MAX_DATASIZE });
  if (packet.kind !== "vars") throw new Error("not a vars packet");
  const out: Pairs = [];
  for (let i = 0; i < packet.vars.size; i++)
    out.push([packet.vars.keyAt(i), packet.vars.valueAt(i)]);
  return out;
}

async function fromNode(raw: Buffer): Promise<Pairs> {
  const { answer } = await exchange(nodePort, [raw]);
  const json = JSON.parse(parseHttpAnswer(answer).body.toString()) as [string, string][];
  return json.map(([k, v]) => [k, Buffer.from(v, "hex").toString("latin1")]);
}

/** The differences that are not differences: each side's ports, nginx's document root. */
function normalize(pairs: Pairs, port: number): Pairs {
  return pairs.map(([k, v]): [string, string] => {
    if (k === "SERVER_PORT") {
      expect(v).toBe(String(port));
      return [k, "<port>"];
    }
    if (k === "REMOTE_PORT" || k === "DOCUMENT_ROOT") return [k, "<any>"];
    if (k === "HTTP_HOST" || k === "SERVER_NAME") return [k, v.replace(String(port), "<port>")];
    return [k, v];
  });
}

function http(lines: string[], body = ""): Buffer {
  return Buffer.from(`${lines.join("\r\n")}\r\nConnection: close\r\n\r\n${body}`, "latin1");
}

const requests: [string, (port: number) => Buffer][] = [
  [
    "a curl-like GET with a query",
    (p) =>
      http([
        "GET /index.html?a=1&b=%20c HTTP/1.1",
        `Host: 127.0.0.1:${p}`,
        "User-Agent: curl/7.88.1",
        "Accept: */*",
      ]),
  ],
  [
    "a POST with a body",
    (p) =>
      http(
        [
          "POST /form HTTP/1.1",
          `Host: localhost:${p}`,
          "Content-Type: application/x-www-form-urlencoded",
          "Content-Length: 7",
        ],
        "a=1&b=2",
      ),
  ],
  [
    "repeated headers, in order",
    (p) =>
      http([
        "GET / HTTP/1.1",
        `Host: h:${p}`,
        "X-Dup: 1",
        "Cookie: a=1",
        "X-Dup: 2",
        "Cookie: b=2",
        "x-dup: 3",
      ]),
  ],
  [
    "a percent-encoded UTF-8 path and query",
    (p) => http(["GET /caf%C3%A9/%E6%97%A5?x=%C3%A9 HTTP/1.1", `Host: h:${p}`]),
  ],
  [
    "dot segments and repeated slashes",
    (p) => http(["GET //a/./b/../c//d/ HTTP/1.1", `Host: h:${p}`]),
  ],
  ["an encoded slash and dots", (p) => http(["GET /a%2Fb/%2E%2E/c HTTP/1.1", `Host: h:${p}`])],
  ["a mixed-case Host with a port", () => http(["GET / HTTP/1.1", "Host: ExAmple.COM:8080"])],
  ["HTTP/1.0 without Host", () => http(["GET /old HTTP/1.0"])],
  [
    "a header with an underscore is dropped",
    (p) => http(["GET / HTTP/1.1", `Host: h:${p}`, "X_Under: 1", "X-Ok: 2"]),
  ],
  [
    "an absolute-form target",
    () => http(["GET http://Other.Example/p?q=1 HTTP/1.1", "Host: ignored"]),
  ],
  [
    "an empty header value and odd spacing",
    (p) => http(["GET / HTTP/1.1", `Host: h:${p}`, "X-Empty:", "X-Pad:    padded   "]),
  ],
];

describe("varsFromRequest() agrees with nginx + Debian uwsgi_params", () => {
  for (const [name, build] of requests) {
    it(name, async () => {
      const theirs = normalize(await fromNginx(build(nginx!.port)), nginx!.port);
      const ours = normalize(await fromNode(build(nodePort)), nodePort);
      expect(ours).toEqual(theirs);
    });
  }
});

describe("where Node's HTTP parser and nginx part ways", () => {
  it("raw UTF-8 bytes in the request target: nginx passes them, Node answers 400", async () => {
    const raw = (p: number) =>
      http(
        ["GET /café/ü?q=é HTTP/1.1", `Host: h:${p}`].map((l) =>
          Buffer.from(l, "utf8").toString("latin1"),
        ),
      );
    const theirs = new Map(await fromNginx(raw(nginx!.port)));
    expect(Buffer.from(theirs.get("PATH_INFO")!, "latin1").toString("utf8")).toBe("/café/ü");
    const { answer } = await exchange(nodePort, [raw(nodePort)]);
    expect(parseHttpAnswer(answer).status).toBe(400);
  });
});

describe("varsFromRequest() details", () => {
  it("documentUri: decoding, merging, dots; undefined where nginx answers 400", () => {
    expect(documentUri("/plain/path")).toBe("/plain/path");
    expect(documentUri("/a%20b")).toBe("/a b");
    expect(documentUri("/a/..")).toBe("/");
    expect(documentUri("/a/b/.")).toBe("/a/b/");
    expect(documentUri("/%41%2f%2F")).toBe("/A/");
    expect(documentUri("/a/b%2F%2E%2E/c")).toBe("/a/c");
    expect(documentUri("/a%2541")).toBe("/a%41");
    expect(documentUri("/a#b/../..")).toBe("/a");
    for (const refused of ["/a%zz", "/a%4", "/a%", "/a%00b", "/../x", "/a/../../x", "/%2e%2e/x"]) {
      expect(documentUri(refused), refused).toBeUndefined();
    }
  });

  it("nginxHost: nginx's $host, or undefined where nginx answers 400", () => {
    const cases: [string, string | undefined][] = [
      ["Example.COM", "example.com"],
      ["example.com.", "example.com"],
      ["example.com.:80", "example.com"],
      ["a.b:8.0", "a.b"],
      ["localhost:", "localhost"],
      ["[::1]:8080", "[::1]"],
      ["[FE80::1]", "[fe80::1]"],
      ["[::1", "[::1"],
      [".lead", ".lead"],
      ["CAF\xc9", "caf\xc9"],
      ["a\\b", "a\\b"],
      ["", undefined],
      [":80", undefined],
      [".", undefined],
      ["..", undefined],
      ["a..b", undefined],
      ["a.b..", undefined],
      ["a/b", undefined],
      ["a:80/x", undefined],
      ["a b", undefined],
      ["a\tb", undefined],
      ["a\x00b", undefined],
      ["a\x7fb", undefined],
      ["[::1..2]", undefined],
    ];
    for (const [value, host] of cases) expect(nginxHost(value), JSON.stringify(value)).toBe(host);
  });

  it("refuses what nginx refuses with BAD_REQUEST (a hand-made request object)", () => {
    const fake = (url: string, rawHeaders: string[], httpVersion = "1.1") =>
      ({
        url,
        method: "GET",
        httpVersion,
        headers: {},
        rawHeaders,
        socket: {},
      }) as unknown as Parameters<typeof varsFromRequest>[0];
    const refused: Parameters<typeof varsFromRequest>[0][] = [
      fake("/", ["Host", "a", "host", "a"]),
      fake("/", ["Host", "../../etc"]),
      fake("/", []),
      fake("/", ["Host", "a", "Authorization", "x", "AUTHORIZATION", "y"]),
      fake("/", ["Transfer-Encoding", "chunked"], "1.0"),
      fake("/a%00", ["Host", "a"]),
      fake("http://a..b/", ["Host", "a"]),
    ];
    for (const req of refused) {
      expect(() => varsFromRequest(req), JSON.stringify(req.rawHeaders)).toThrow(
        expect.objectContaining({ name: "UwsgiClientError", code: "BAD_REQUEST" }),
      );
    }
    expect(varsFromRequest(fake("/", [], "1.0")).length).toBeGreaterThan(10);
  });

  it("TLS, IPv6 hosts, odd targets (a hand-made request object)", () => {
    const fake = (url: string | undefined, host: string | undefined, socket: object) =>
      ({
        url,
        method: undefined,
        httpVersion: host === undefined ? "1.0" : "1.1",
        headers: host === undefined ? {} : { host },
        rawHeaders: host === undefined ? ["X-A", "1"] : ["Host", host, "X-A", "1"],
        socket,
      }) as unknown as Parameters<typeof varsFromRequest>[0];
    const tls = {
      encrypted: true,
      remoteAddress: "::1",
      remotePort: 5,
      localPort: 443,
      localAddress: "::1",
    };
    const a = new Map(varsFromRequest(fake("/x", "[::1]:8443", tls)));
    expect([a.get("REQUEST_SCHEME"), a.get("HTTPS"), a.get("HTTP_HOST")]).toEqual([
      "https",
      "on",
      "[::1]",
    ]);
    expect([a.get("REQUEST_METHOD"), a.get("REMOTE_ADDR"), a.get("SERVER_PORT")]).toEqual([
      "GET",
      "::1",
      "443",
    ]);
    const b = new Map(varsFromRequest(fake(undefined, "Example.org.", {})));
    expect([b.get("REQUEST_URI"), b.get("HTTP_HOST"), b.get("REMOTE_ADDR")]).toEqual([
      "/",
      "example.org",
      "",
    ]);
    expect(b.has("HTTPS")).toBe(false);
    const c = new Map(varsFromRequest(fake("http://h.example?q=1", undefined, {})));
    expect([c.get("REQUEST_URI"), c.get("QUERY_STRING"), c.get("HTTP_HOST")]).toEqual([
      "/?q=1",
      "q=1",
      "h.example",
    ]);
    const d = new Map(varsFromRequest(fake("*", undefined, { localAddress: "10.0.0.1" })));
    expect([d.get("REQUEST_URI"), d.get("HTTP_HOST"), d.get("SERVER_NAME")]).toEqual([
      "*",
      "10.0.0.1",
      "10.0.0.1",
    ]);
    const e = new Map(varsFromRequest(fake("odd", "[::1", {}), { SERVER_NAME: "n" }));
    expect([e.get("REQUEST_URI"), e.get("HTTP_HOST"), e.get("SERVER_NAME")]).toEqual([
      "odd",
      "[::1",
      "n",
    ]);
    const f = new Map(varsFromRequest(fake("/", undefined, {}), { SERVER_NAME: "fallback" }));
    expect(f.get("HTTP_HOST")).toBe("fallback");
  });

  it("overrides replace, add and remove vars", async () => {
    const server = createServer((req, res) => {
      const vars = varsFromRequest(req, {
        DOCUMENT_ROOT: "/srv",
        HTTP_X_DUP: "one",
        HTTP_USER_AGENT: undefined,
        EXTRA: "yes",
      });
      res.end(JSON.stringify(vars));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const { answer } = await exchange(port, [
        http(["GET / HTTP/1.1", "Host: h", "X-Dup: 1", "User-Agent: u", "X-Dup: 2"]),
      ]);
      const vars = JSON.parse(parseHttpAnswer(answer).body.toString()) as [string, string][];
      expect(vars.find(([k]) => k === "DOCUMENT_ROOT")?.[1]).toBe("/srv");
      expect(vars.filter(([k]) => k === "HTTP_X_DUP")).toEqual([["HTTP_X_DUP", "one"]]);
      expect(vars.some(([k]) => k === "HTTP_USER_AGENT")).toBe(false);
      expect(vars.at(-1)).toEqual(["EXTRA", "yes"]);
      expect(vars.find(([k]) => k === "REMOTE_ADDR")?.[1]).toBe("127.0.0.1");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
