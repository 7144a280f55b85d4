// `uwsgi-codec request` against real uWSGI, beside nginx in front of the same uWSGI: the app sees
// the same environ (every var, in order, byte for byte, once the vars that describe nginx's own
// socket are set to nginx's values), and the answer's status, headers and body are the same.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClientPeer } from "../client/support/uwsgi-peer.js";
import { type EchoedRequest, isAddedByUwsgi, parseEcho } from "../interop/support/environ.js";
import { exchange, parseHttpAnswer, rawHttp } from "../interop/support/exchange.js";
import { type NginxPeer, startNginx, uwsgiLocation } from "../interop/support/nginx.js";
import { startUwsgi, type UwsgiPeer } from "../interop/support/uwsgi.js";
import { sha256 } from "../support/bytes.js";
import { cli } from "./support/cli.js";

let uwsgi: UwsgiPeer | undefined;
let nginx: NginxPeer | undefined;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-request-"));
  uwsgi = await startUwsgi();
  nginx = await startNginx(uwsgiLocation(`127.0.0.1:${uwsgi.port}`));
});

afterAll(async () => {
  await nginx?.stop();
  await uwsgi?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The vars that name nginx's own sockets and root: the only ones `request` cannot know. */
const FRONT = ["REMOTE_PORT", "SERVER_PORT", "DOCUMENT_ROOT"];

function varsFrom(e: EchoedRequest): [string, string][] {
  return [...e.environ]
    .filter(([k]) => !isAddedByUwsgi(k))
    .map(([k, v]) => [k, v.toString("latin1")]);
}

async function viaNginx(head: string, body?: Buffer) {
  const { answer } = await exchange(nginx!.port, [rawHttp(head, body)]);
  return parseHttpAnswer(answer);
}

describe("request equals nginx in front of the same uWSGI", () => {
  it("a GET with a query and headers: same environ, status, app headers and body", async () => {
    const http = await viaNginx(`
      GET /some/path?a=1&b=%20x HTTP/1.1
      Host: Example.COM:8080
      User-Agent: uwsgi-codec-test
      Accept: */*
      X-Custom-Thing: v1
      Connection: close`);
    const fromNginx = parseEcho(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\n\r\n"), http.body]));
    const front = new Map(varsFrom(fromNginx));
    const run = await cli([
      "request",
      `uwsgi://127.0.0.1:${uwsgi!.port}/some/path?a=1&b=%20x`,
      "-i",
      "-H",
      "Host: Example.COM:8080",
      "-H",
      "User-Agent: uwsgi-codec-test",
      "-H",
      "Accept: */*",
      "-H",
      "X-Custom-Thing: v1",
      "-H",
      "Connection: close",
      ...FRONT.flatMap((k) => ["--var", `${k}=${front.get(k)}`]),
    ]);
    expect(run.code).toBe(0);
    const ours = parseEcho(run.stdout);
    expect(varsFrom(ours)).toEqual(varsFrom(fromNginx));
    expect(ours.status).toBe(http.status);
    // nginx adds Server, Date and Connection; the app's own headers come through both ways.
    const answer = parseHttpAnswer(run.stdout);
    for (const h of answer.headers) expect(http.headers).toContainEqual(h);
    // The app saw the same request, so it wrote the same body.
    expect(answer.body.equals(http.body)).toBe(true);
  });

  it("a POST with a form body (-d): same environ and the same body bytes read by the app", async () => {
    const form = Buffer.from("name=caf%C3%A9&x=1");
    const http = await viaNginx(
      `
      POST /form HTTP/1.1
      Host: localhost
      Content-Length: ${form.length}
      Content-Type: application/x-www-form-urlencoded
      Connection: close`,
      form,
    );
    const fromNginx = parseEcho(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\n\r\n"), http.body]));
    const front = new Map(varsFrom(fromNginx));
    const run = await cli([
      "request",
      `uwsgi://127.0.0.1:${uwsgi!.port}/form`,
      "-i",
      "-H",
      "Host: localhost",
      "-H",
      `Content-Length: ${form.length}`,
      "-H",
      "Content-Type: application/x-www-form-urlencoded",
      "-H",
      "Connection: close",
      "-d",
      form.toString(),
      ...FRONT.flatMap((k) => ["--var", `${k}=${front.get(k)}`]),
    ]);
    expect(run.code).toBe(0);
    const ours = parseEcho(run.stdout);
    expect(varsFrom(ours)).toEqual(varsFrom(fromNginx));
    expect([ours.bodyLength, ours.bodySha256]).toEqual([form.length, sha256(form)]);
    expect([fromNginx.bodyLength, fromNginx.bodySha256]).toEqual([form.length, sha256(form)]);
  });

  it("an error status comes through as nginx passes it; --fail makes it exit 22", async () => {
    const http = await viaNginx(`
      GET /status/404 HTTP/1.1
      Host: localhost
      Connection: close`);
    expect(http.status).toBe(404);
    const run = await cli(["request", `uwsgi://127.0.0.1:${uwsgi!.port}/status/404`, "-i"]);
    expect([run.code, parseHttpAnswer(run.stdout).status]).toEqual([0, 404]);
    const failing = await cli(["request", `uwsgi://127.0.0.1:${uwsgi!.port}/status/404`, "-f"]);
    expect([failing.code, failing.stdout.length]).toEqual([22, 0]);
  });
});

describe("request's options and exit codes", () => {
  it("--data-binary @FILE sends the file byte for byte; -o writes the body to a file", async () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256));
    const file = join(dir, "body.bin");
    writeFileSync(file, bytes);
    const out = join(dir, "answer.json");
    const run = await cli([
      "request",
      `uwsgi://127.0.0.1:${uwsgi!.port}/upload`,
      "--data-binary",
      `@${file}`,
      "-o",
      out,
    ]);
    expect([run.code, run.stdout.length]).toEqual([0, 0]);
    const echo = JSON.parse(readFileSync(out, "utf8")) as {
      body_length: number;
      body_sha256: string;
    };
    expect([echo.body_length, echo.body_sha256]).toEqual([bytes.length, sha256(bytes)]);
  });

  it("-v shows the packet as sent, --trace its bytes; --var edits and removes vars", async () => {
    const run = await cli([
      "request",
      `uwsgi://127.0.0.1:${uwsgi!.port}/v`,
      "-v",
      "--trace",
      "--var",
      "X_ADDED=yes",
      "--var",
      "DOCUMENT_ROOT",
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^> uwsgi header: modifier1 0 \(WSGI\), datasize \d+, modifier2 0$/m,
    );
    expect(run.stderr).toMatch(/^> {3}X_ADDED +\s*= yes {2}\(7\+3 bytes, 14 on the wire\)$/m);
    expect(run.stderr).not.toMatch(/DOCUMENT_ROOT/);
    const size = Number(/datasize (\d+)/.exec(run.stderr)![1]);
    // The dump starts with the header: modifier1 0, datasize little-endian, modifier2 0.
    const le = Buffer.from([0, size & 0xff, size >> 8, 0]).toString("hex");
    expect(run.stderr).toContain(
      `=> ${size + 4} bytes of packet\n00000000: ${le.slice(0, 4)} ${le.slice(4)}`,
    );
    const echoed = parseEcho(Buffer.concat([Buffer.from("HTTP/1.1 200 OK\r\n\r\n"), run.stdout]));
    const vars = new Map(varsFrom(echoed));
    expect(vars.get("X_ADDED")).toBe("yes");
    expect(vars.has("DOCUMENT_ROOT")).toBe(false);
  });

  it("exit 7 when nothing listens, 52 when uWSGI drops the request, 26 for an unreadable @FILE", async () => {
    const down = await cli(["request", "uwsgi://127.0.0.1:1/"]);
    expect(down.code).toBe(7);
    const small = await startUwsgi({ bufferSize: 4096 });
    try {
      const big = await cli([
        "request",
        `uwsgi://127.0.0.1:${small.port}/`,
        "-H",
        `Cookie: ${"c".repeat(5000)}`,
      ]);
      // uWSGI resets a packet over its buffer-size (nginx logs 104: Connection reset by peer).
      expect([52, 56]).toContain(big.code);
      // modifier1 5 (PSGI) is not loaded: uWSGI closes without a byte.
      const unknown = await cli([
        "request",
        `uwsgi://127.0.0.1:${small.port}/`,
        "--modifier1",
        "5",
      ]);
      expect(unknown.code).toBe(52);
    } finally {
      await small.stop();
    }
    const unreadable = await cli([
      "request",
      "uwsgi://127.0.0.1:1/",
      "-d",
      `@${join(dir, "nope")}`,
    ]);
    expect(unreadable.code).toBe(26);
  });
});

describe("request's other paths", () => {
  it("-I asks HEAD and prints the head; --unix-socket connects there", async () => {
    const peer = await startClientPeer({ unix: true });
    try {
      const run = await cli(["request", "uwsgi://localhost/x", "-I", "--unix-socket", peer.path!]);
      expect(run.code).toBe(0);
      expect(run.stdout.toString()).toMatch(
        /^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json\r\nContent-Length: \d+\r\n\r\n$/,
      );
    } finally {
      await peer.stop();
    }
  });

  it("--max-time cuts a body that stalls (exit 28); -s keeps stderr quiet", async () => {
    const run = await cli([
      "request",
      `uwsgi://127.0.0.1:${uwsgi!.port}/stall/3000`,
      "--max-time",
      "300ms",
      "-s",
    ]);
    expect(run.code).toBe(28);
    expect(run.stdout.toString()).toBe("first");
    expect(run.stderr).toBe("");
  });

  it("-o into a directory that does not exist: exit 23", async () => {
    const run = await cli([
      "request",
      `uwsgi://127.0.0.1:${uwsgi!.port}/`,
      "-o",
      join(dir, "no", "such", "file"),
    ]);
    expect(run.code).toBe(23);
    expect(run.stderr).toContain("cannot write");
  });

  it("@- reads the body from stdin", async () => {
    const run = await cli(
      ["request", `uwsgi://127.0.0.1:${uwsgi!.port}/`, "--data-binary", "@-"],
      "from stdin",
    );
    expect(JSON.parse(run.stdout.toString()).body_sha256).toBe(sha256(Buffer.from("from stdin")));
  });
});
