// Real nginx (uwsgi_pass) -> a recording relay -> real uWSGI. The packet nginx wrote, decoded by
// this package, must give exactly the environ uWSGI built from the same bytes.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodePacket, MAX_DATASIZE } from "../../src/index.js";
import { isAddedByUwsgi, parseEcho } from "./support/environ.js";
import { exchange, rawHttp } from "./support/exchange.js";
import { type NginxPeer, startNginx, uwsgiLocation } from "./support/nginx.js";
import { startTee, type Tee } from "./support/tee.js";
import { startUwsgi, type UwsgiPeer } from "./support/uwsgi.js";

let uwsgi: UwsgiPeer | undefined;
let tee: Tee | undefined;
let nginx: NginxPeer | undefined;

beforeAll(async () => {
  uwsgi = await startUwsgi();
  tee = await startTee(uwsgi.port);
  nginx = await startNginx(uwsgiLocation(`127.0.0.1:${tee.port}`));
});
afterAll(async () => {
  await nginx?.stop();
  await tee?.close();
  await uwsgi?.stop();
});

/** Sends raw HTTP bytes to nginx; returns what uWSGI saw and what nginx put on the wire. */
async function through(request: Buffer) {
  const before = tee!.captured.length;
  const { answer } = await exchange(nginx!.port, [request]);
  const echoed = parseEcho(answer);
  expect(echoed.status, answer.subarray(0, 300).toString("latin1")).toBe(200);
  const wire = await tee!.next(before);
  const packet = decodePacket(wire, 0, { maxDatasize: MAX_DATASIZE });
  expect(packet.kind).toBe("vars");
  if (packet.kind !== "vars") throw new Error("unreachable");
  const ours = packet.vars.toObject();
  // Every var we decoded is in the environ with the same bytes, and nothing else is.
  for (const [key, value] of Object.entries(ours)) {
    expect(echoed.environ.get(key)?.toString("latin1"), key).toBe(value);
  }
  const theirs = [...echoed.environ.keys()].filter((k) => !isAddedByUwsgi(k)).sort();
  expect(theirs).toEqual(Object.keys(ours).sort());
  const body = wire.subarray(packet.byteLength);
  expect(body.length).toBe(echoed.bodyLength);
  expect(createHash("sha256").update(body).digest("hex")).toBe(echoed.bodySha256);
  return { packet, vars: packet.vars, body, wire };
}

/** One request per connection, as nginx is asked to answer and close. */
function http(head: string, body?: Buffer): Buffer {
  return rawHttp(
    `${head.trim()}
Connection: close`,
    body,
  );
}

describe("nginx uwsgi_pass -> our decoder agrees with real uWSGI", () => {
  it("a curl-like GET", async () => {
    const { vars } = await through(
      http(`GET /index.html?a=1 HTTP/1.1
      Host: 127.0.0.1
      User-Agent: curl/7.88.1
      Accept: */*`),
    );
    expect(vars.get("REQUEST_URI")).toBe("/index.html?a=1");
    expect(vars.get("QUERY_STRING")).toBe("a=1");
    expect(vars.get("CONTENT_LENGTH")).toBe("");
  });

  it("a browser GET with 30 headers and cookies", async () => {
    const headers = Array.from(
      { length: 24 },
      (_, i) => `X-Header-${i}: value-${i}-${"v".repeat(i * 3)}`,
    );
    await through(
      http(`GET /app/page HTTP/1.1
      Host: example.org
      User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36
      Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8
      Accept-Language: en-GB,en;q=0.9,fr;q=0.8
      Cookie: session=8f14e45fceea167a5a36dedd4bea2543; csrftoken=Zm9vYmFyYmF6cXV4; _ga=GA1.1.1234567890.1700000000
      Referer: https://example.org/app/
      ${headers.join("\n")}`),
    );
  });

  it("repeated headers arrive as repeated vars; the environ keeps the last", async () => {
    const { vars } = await through(
      http(`GET / HTTP/1.1
      Host: h
      Cookie: a=1
      Cookie: b=2
      X-Dup: one
      X-Dup: two`),
    );
    expect(vars.getAll("HTTP_COOKIE")).toEqual(["a=1", "b=2"]);
    expect(vars.getAll("HTTP_X_DUP")).toEqual(["one", "two"]);
  });

  it("UTF-8, percent-encoded and latin1 bytes in the path and headers", async () => {
    const raw = Buffer.concat([
      Buffer.from(
        "GET /caf%C3%A9/\u00e6\u0097\u00a5?q=%20x%FF HTTP/1.1\r\nHost: h\r\nX-Latin: caf\u00e9\r\n",
        "latin1",
      ),
      Buffer.from("Connection: close\r\n\r\n"),
    ]);
    const { vars } = await through(raw);
    expect((vars.getBytes("PATH_INFO") as Buffer | undefined)?.toString("hex")).toBe(
      Buffer.from("/café/日", "utf8").toString("hex"),
    );
    expect(vars.get("QUERY_STRING")).toBe("q=%20x%FF");
    expect((vars.getBytes("HTTP_X_LATIN") as Buffer | undefined)?.toString("hex")).toBe("636166e9");
  });

  it("a POST body follows the packet (CONTENT_LENGTH bytes)", async () => {
    const body = Buffer.alloc(300_000, "0123456789abcdef");
    const { vars } = await through(
      http(
        `POST /upload HTTP/1.1
      Host: h
      Content-Type: application/octet-stream
      Content-Length: ${body.length}`,
        body,
      ),
    );
    expect(vars.get("CONTENT_LENGTH")).toBe(String(body.length));
    expect(vars.get("HTTP_CONTENT_LENGTH")).toBe(String(body.length));
  });

  it("a chunked upload is buffered by nginx and sent with a computed CONTENT_LENGTH", async () => {
    const chunked = Buffer.from("5\r\nchunk\r\n7\r\ny-body-\r\n3\r\n123\r\n0\r\n\r\n");
    const { vars, body } = await through(
      http(
        `POST /c HTTP/1.1
      Host: h
      Transfer-Encoding: chunked`,
        chunked,
      ),
    );
    expect(vars.get("CONTENT_LENGTH")).toBe("15");
    expect(body.toString()).toBe("chunky-body-123");
    expect(vars.get("HTTP_TRANSFER_ENCODING")).toBe("chunked");
  });

  it("about 60 KiB of headers make a packet near the 65535-byte limit", async () => {
    const pads = Array.from({ length: 7 }, (_, i) => `X-Pad-${i}: ${String(i).repeat(8400)}`);
    const { packet } = await through(
      http(`GET / HTTP/1.1
      Host: h
      ${pads.join("\n")}`),
    );
    expect(packet.datasize).toBeGreaterThan(59_000);
  });
});
