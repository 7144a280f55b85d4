// Differential: HTTP client -> our gateway -> uWSGI gives the same answer as
// HTTP client -> real nginx 1.22 (Debian uwsgi_params) -> the same uWSGI.
import { createHash } from "node:crypto";
import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGateway, type gatewayHandler } from "../../src/client/gateway.js";
import { exchange } from "../interop/support/exchange.js";
import { type NginxPeer, startNginx, uwsgiLocation } from "../interop/support/nginx.js";
import { freePort } from "../interop/support/ports.js";
import { startFakeBackend } from "./support/fake-backend.js";
import { type ClientPeer, startClientPeer } from "./support/uwsgi-peer.js";

let uwsgi: ClientPeer | undefined;
let nginx: NginxPeer | undefined;
let gateway: Server | undefined;
let gatewayPort = 0;
const gatewayErrors: string[] = [];

beforeAll(async () => {
  uwsgi = await startClientPeer();
  nginx = await startNginx(uwsgiLocation(`127.0.0.1:${uwsgi.port}`));
  gateway = createGateway({
    upstream: { host: "127.0.0.1", port: uwsgi.port },
    serverName: "localhost",
    onError: (err) => gatewayErrors.push(err.message),
  });
  await new Promise<void>((resolve) => gateway!.listen(0, "127.0.0.1", resolve));
  gatewayPort = (gateway.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => gateway?.close(r));
  await nginx?.stop();
  await uwsgi?.stop();
});

interface Answer {
  statusLine: string;
  headers: [string, string][];
  body: Buffer;
}

/** Splits an HTTP/1.1 answer; a chunked body is decoded. */
function parse(raw: Buffer): Answer {
  const sep = raw.indexOf("\r\n\r\n");
  const lines = raw.subarray(0, sep).toString("latin1").split("\r\n");
  const headers = lines.slice(1).map((l): [string, string] => {
    const c = l.indexOf(":");
    return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
  });
  let body = raw.subarray(sep + 4);
  if (headers.some(([k, v]) => k === "transfer-encoding" && v === "chunked")) {
    const parts: Buffer[] = [];
    let p = 0;
    for (;;) {
      const eol = body.indexOf("\r\n", p);
      const size = Number.parseInt(body.subarray(p, eol).toString(), 16);
      if (size === 0) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      p = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { statusLine: lines[0]!, headers, body };
}

/** Answer headers that differ by design: each server's own, and the framing of the reply. */
const NOT_COMPARED = new Set(["date", "server", "connection", "keep-alive", "transfer-encoding"]);

/** Environ values that differ by design: each side's ports and nginx's document root. */
function environOf(body: Buffer, port: number): Map<string, string> {
  const json = JSON.parse(body.toString()) as { environ: [string, string][] };
  const out = new Map<string, string>();
  for (const [kh, vh] of json.environ) {
    const k = Buffer.from(kh, "hex").toString("latin1");
    let v = Buffer.from(vh, "hex").toString("latin1");
    if (k === "REMOTE_PORT" || k === "DOCUMENT_ROOT") v = "<any>";
    v = v.replaceAll(String(port), "<port>");
    out.set(k, v);
  }
  return out;
}

function http(lines: string[], body: Buffer | string = ""): Buffer {
  const head = Buffer.from(`${lines.join("\r\n")}\r\nConnection: close\r\n\r\n`, "latin1");
  return Buffer.concat([head, Buffer.isBuffer(body) ? body : Buffer.from(body, "latin1")]);
}

const upload = Buffer.alloc(1024 * 1024 + 17, 0x5a);
const cases: [string, (port: number) => Buffer, "echo" | "bytes" | "head"][] = [
  [
    "GET with a query",
    (p) => http(["GET /hello?a=1&b=%20 HTTP/1.1", `Host: localhost:${p}`, "Accept: */*"]),
    "echo",
  ],
  [
    "POST with a 1 MiB body",
    (p) =>
      http(
        [
          "POST /upload HTTP/1.1",
          `Host: localhost:${p}`,
          "Content-Type: application/octet-stream",
          `Content-Length: ${upload.length}`,
        ],
        upload,
      ),
    "echo",
  ],
  [
    "chunked POST (buffered, CONTENT_LENGTH computed)",
    (p) =>
      http(
        ["POST /chunked HTTP/1.1", `Host: localhost:${p}`, "Transfer-Encoding: chunked"],
        "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
      ),
    "echo",
  ],
  [
    "duplicate headers",
    (p) =>
      http([
        "GET /dup HTTP/1.1",
        `Host: localhost:${p}`,
        "X-Dup: 1",
        "X-Dup: 2",
        "Cookie: a=1",
        "Cookie: b=2",
      ]),
    "echo",
  ],
  [
    "a UTF-8 path",
    (p) => http(["GET /caf%C3%A9/%E6%97%A5?q=%C3%A9 HTTP/1.1", `Host: localhost:${p}`]),
    "echo",
  ],
  ["status 404", (p) => http(["GET /status/404 HTTP/1.1", `Host: localhost:${p}`]), "echo"],
  ["status 503", (p) => http(["GET /status/503 HTTP/1.1", `Host: localhost:${p}`]), "echo"],
  [
    "30 Set-Cookie headers",
    (p) => http(["GET /cookies/30 HTTP/1.1", `Host: localhost:${p}`]),
    "echo",
  ],
  ["HEAD", (p) => http(["HEAD /head HTTP/1.1", `Host: localhost:${p}`]), "head"],
  ["HTTP/1.0", () => http(["GET /old HTTP/1.0"]), "echo"],
  [
    "a 2 MiB answer without Content-Length",
    (p) => http(["GET /stream/2097152 HTTP/1.1", `Host: localhost:${p}`]),
    "bytes",
  ],
  [
    "a 2 MiB answer with Content-Length",
    (p) => http(["GET /stream/2097152?cl=1 HTTP/1.1", `Host: localhost:${p}`]),
    "bytes",
  ],
];

describe("gateway vs nginx in front of the same uWSGI", () => {
  for (const [name, build, kind] of cases) {
    it(name, async () => {
      const theirs = parse((await exchange(nginx!.port, [build(nginx!.port)])).answer);
      const ours = parse((await exchange(gatewayPort, [build(gatewayPort)])).answer);
      expect(ours.statusLine).toBe(theirs.statusLine);
      // The echoed environ holds each side's ports and document root, so its length differs:
      // Content-Length is checked against each body instead.
      const skip = (k: string) =>
        NOT_COMPARED.has(k) || (kind !== "bytes" && k === "content-length");
      const keep = (h: [string, string][]) => h.filter(([k]) => !skip(k));
      expect(keep(ours.headers)).toEqual(keep(theirs.headers));
      for (const a of [ours, theirs]) {
        const length = a.headers.find(([k]) => k === "content-length")?.[1];
        if (kind === "echo") expect(Number(length)).toBe(a.body.length);
      }
      if (kind === "head") {
        expect([ours.body.length, theirs.body.length]).toEqual([0, 0]);
      } else if (kind === "bytes") {
        expect(ours.body.length).toBe(theirs.body.length);
        expect(createHash("sha256").update(ours.body).digest("hex")).toBe(
          createHash("sha256").update(theirs.body).digest("hex"),
        );
      } else {
        expect(environOf(ours.body, gatewayPort)).toEqual(environOf(theirs.body, nginx!.port));
        const a = JSON.parse(ours.body.toString());
        const b = JSON.parse(theirs.body.toString());
        expect([a.body_length, a.body_sha256]).toEqual([b.body_length, b.body_sha256]);
      }
    });
  }
  it("logged no error", () => {
    expect(gatewayErrors).toEqual([]);
  });
});

/** Raw requests nginx 1.22 refuses, with the status it answers; the gateway must not forward them. */
const refused: [string, string[], number][] = [
  ["a Host that climbs (../../etc)", ["GET / HTTP/1.1", "Host: ../../etc"], 400],
  ["a Host with a path (evil.com/x)", ["GET / HTTP/1.1", "Host: evil.com/x"], 400],
  ["two Host headers", ["GET / HTTP/1.1", "Host: localhost", "Host: localhost"], 400],
  ["two different Host headers", ["GET / HTTP/1.1", "Host: a.example", "Host: b.example"], 400],
  ["an encoded NUL in the path", ["GET /a%00b HTTP/1.1", "Host: localhost"], 400],
  ["an empty Host with HTTP/1.1", ["GET / HTTP/1.1", "Host: "], 400],
  ["an empty Host with HTTP/1.0", ["GET / HTTP/1.0", "Host: "], 400],
  ["no Host with HTTP/1.1", ["GET / HTTP/1.1"], 400],
  ["a Host that is only a port", ["GET / HTTP/1.1", "Host: :8080"], 400],
  ["a Host that is only a dot", ["GET / HTTP/1.1", "Host: ."], 400],
  ["a Host with two dots in a row", ["GET / HTTP/1.1", "Host: a..example"], 400],
  ["a Host with two trailing dots", ["GET / HTTP/1.1", "Host: example.com.."], 400],
  ["a Host with a space inside", ["GET / HTTP/1.1", "Host: a b"], 400],
  ["a Host with a tab inside", ["GET / HTTP/1.1", "Host: a\tb"], 400],
  ["a Host with a DEL byte", ["GET / HTTP/1.1", "Host: a\x7fb"], 400],
  ["a slash after the port", ["GET / HTTP/1.1", "Host: localhost:80/x"], 400],
  ["an absolute target with a bad host", ["GET http://a..b/ HTTP/1.1", "Host: localhost"], 400],
  ["a path that climbs above the root", ["GET /../etc/passwd HTTP/1.1", "Host: localhost"], 400],
  ["an encoded climb above the root", ["GET /a/%2e%2e/%2E%2E/x HTTP/1.1", "Host: x"], 400],
  ["a % without hex digits", ["GET /a%zz HTTP/1.1", "Host: localhost"], 400],
  ["a % cut short at the end of the path", ["GET /a%4 HTTP/1.1", "Host: localhost"], 400],
  [
    "two Authorization headers",
    ["GET / HTTP/1.1", "Host: x", "Authorization: a", "Authorization: b"],
    400,
  ],
  [
    "two If-None-Match headers",
    ["GET / HTTP/1.1", "Host: x", "If-None-Match: a", "If-None-Match: b"],
    400,
  ],
  [
    "two Content-Length headers",
    ["POST / HTTP/1.1", "Host: x", "Content-Length: 0", "Content-Length: 0"],
    400,
  ],
  ["Transfer-Encoding with HTTP/1.0", ["POST / HTTP/1.0", "Transfer-Encoding: chunked"], 400],
  ["TRACE", ["TRACE / HTTP/1.1", "Host: localhost"], 405],
  ["CONNECT", ["CONNECT localhost:80 HTTP/1.1", "Host: localhost:80"], 400],
];

describe("requests nginx refuses are refused, not forwarded", () => {
  for (const [name, lines, status] of refused) {
    it(`${name} -> ${status}`, async () => {
      const theirs = parse((await exchange(nginx!.port, [http(lines)])).answer);
      const ours = parse((await exchange(gatewayPort, [http(lines)])).answer);
      expect(theirs.statusLine.slice(0, 12)).toBe(`HTTP/1.1 ${status}`);
      expect(ours.statusLine.slice(0, 12)).toBe(`HTTP/1.1 ${status}`);
    });
  }
});

/** Hosts nginx accepts: `$host` (SERVER_NAME is configured, HTTP_HOST is `$host`) must agree. */
const acceptedHosts: [string, string[]][] = [
  ["an upper-case Host", ["GET / HTTP/1.1", "Host: LocalHost.Example"]],
  ["a Host with a trailing dot", ["GET / HTTP/1.1", "Host: example.com."]],
  ["a Host with a trailing dot and a port", ["GET / HTTP/1.1", "Host: example.com.:8080"]],
  ["a Host with an empty port", ["GET / HTTP/1.1", "Host: localhost:"]],
  ["a Host with a port that is not a number", ["GET / HTTP/1.1", "Host: localhost:abc"]],
  ["an IPv6 literal with a port", ["GET / HTTP/1.1", "Host: [::1]:8080"]],
  ["an IPv6 literal in upper case", ["GET / HTTP/1.1", "Host: [FE80::1]"]],
  ["a Host with a leading dot", ["GET / HTTP/1.1", "Host: .example"]],
  ["a Host with bytes over 0x7f", ["GET / HTTP/1.1", "Host: caf\xe9.example"]],
  ["upper case over 0x7f stays as sent", ["GET / HTTP/1.1", "Host: CAF\xc9.Example"]],
  ["a backslash in the Host", ["GET / HTTP/1.1", "Host: a\\b"]],
  ["a # in the path", ["GET /a/b#c/../d?x=1 HTTP/1.1", "Host: x"]],
  ["a # in the query", ["GET /a?x=1#y HTTP/1.1", "Host: x"]],
  ["an encoded # ? and %", ["GET /a%23b%3Fc%25d HTTP/1.1", "Host: x"]],
  ["an absolute target names the host", ["GET http://Other.Example:81/p HTTP/1.1", "Host: x"]],
  ["a path with an encoded climb that stays inside", ["GET /a/b/%2e%2e/c HTTP/1.1", "Host: x"]],
];

describe("hosts nginx accepts give the same vars", () => {
  for (const [name, lines] of acceptedHosts) {
    it(name, async () => {
      const theirs = parse((await exchange(nginx!.port, [http(lines)])).answer);
      const ours = parse((await exchange(gatewayPort, [http(lines)])).answer);
      expect(ours.statusLine).toBe(theirs.statusLine);
      expect(theirs.statusLine).toBe("HTTP/1.1 200 OK");
      expect(environOf(ours.body, gatewayPort)).toEqual(environOf(theirs.body, nginx!.port));
    });
  }
});

describe("gateway failures answer like nginx", () => {
  async function withGateway(
    options: Omit<Parameters<typeof gatewayHandler>[0], "onError">,
    run: (port: number, errors: Error[]) => Promise<void>,
  ): Promise<void> {
    const errors: Error[] = [];
    const server = createGateway({ ...options, onError: (e) => errors.push(e) });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      await run((server.address() as { port: number }).port, errors);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }

  it("no uWSGI -> 502; slow uWSGI -> 504; a chunked body over the limit -> 413", async () => {
    await withGateway({ upstream: { port: await freePort() } }, async (port, errors) => {
      const { answer } = await exchange(port, [http(["GET / HTTP/1.1", "Host: x"])]);
      expect(parse(answer).statusLine).toBe("HTTP/1.1 502 Bad Gateway");
      expect(errors[0]).toMatchObject({ code: "CONNECT_FAILED" });
    });
    await withGateway(
      { upstream: { port: uwsgi!.port }, timeout: 200, connectTimeout: 1000, maxHeaderSize: 4096 },
      async (port) => {
        const { answer } = await exchange(port, [http(["GET /slow/2000 HTTP/1.1", "Host: x"])]);
        expect(parse(answer).statusLine).toBe("HTTP/1.1 504 Gateway Timeout");
      },
    );
    await withGateway(
      {
        upstream: { port: uwsgi!.port },
        maxBufferedBody: 4,
        documentRoot: "/srv",
        overrides: { X: "1" },
      },
      async (port) => {
        const body = "5\r\nhello\r\n0\r\n\r\n";
        const { answer } = await exchange(port, [
          http(["POST / HTTP/1.1", "Host: x", "Transfer-Encoding: chunked"], body),
        ]);
        expect(parse(answer).statusLine).toBe("HTTP/1.1 413 Payload Too Large");
      },
    );
  });

  it("an answer cut mid-body cuts the client's answer; a client that leaves aborts upstream", async () => {
    const backend = await startFakeBackend((socket) => {
      socket.once("data", () => {
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this");
        setTimeout(() => socket.destroy(), 50);
      });
    });
    try {
      await withGateway({ upstream: { port: backend.port } }, async (port, errors) => {
        const { answer } = await exchange(port, [http(["GET / HTTP/1.1", "Host: x"])]);
        expect(parse(answer).statusLine).toBe("HTTP/1.1 200 OK");
        expect(answer.length).toBeLessThan(200);
        expect(errors).toEqual([]);
      });
    } finally {
      await backend.close();
    }
    await withGateway({ upstream: { port: uwsgi!.port } }, async (port, errors) => {
      const pending = exchange(port, [http(["GET /slow/3000 HTTP/1.1", "Host: x"])], 100).catch(
        (e: Error) => e,
      );
      expect(await pending).toBeInstanceOf(Error);
      const deadline = Date.now() + 2000;
      while (errors.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 10));
      expect(errors[0]).toMatchObject({ code: "ABORTED" });
    });
  });
});
