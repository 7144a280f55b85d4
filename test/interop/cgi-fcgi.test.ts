// libfcgi's own client (cgi-fcgi, Debian libfcgi-bin) talks to a responder built on the baseline
// codec: our parser must decode what the reference C library encodes, and the reference client
// must accept the answer our encoder writes.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeFcgiResponse, FcgiRequestParser } from "../../src/fastcgi/index.js";
import { freePort } from "./support/ports.js";
import { requireBinary } from "./support/process.js";

let server: Server | undefined;
let port = 0;

beforeAll(async () => {
  requireBinary("cgi-fcgi", "libfcgi-bin");
  port = await freePort();
  server = createServer((socket) => {
    let params: [string, string][] = [];
    const body: Buffer[] = [];
    let id = 0;
    const parser = new FcgiRequestParser({
      onParams(p, requestId) {
        params = [...p];
        id = requestId;
      },
      onBody: (piece) => body.push(Buffer.from(piece)),
      onBodyEnd() {
        const json = JSON.stringify({ params, body: Buffer.concat(body).toString("latin1") });
        socket.end(
          encodeFcgiResponse({
            requestId: id,
            stdout: Buffer.from(`Content-Type: application/json\r\n\r\n${json}`, "latin1"),
            stderr: Buffer.from("a warning\n"),
            appStatus: 0,
          }),
        );
      },
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        socket.destroy(err as Error);
      }
    });
    socket.on("error", () => socket.destroy());
  });
  await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

function cgiFcgi(env: Record<string, string>, stdin: Buffer) {
  return new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve, reject) => {
    const child = spawn("cgi-fcgi", ["-bind", "-connect", `127.0.0.1:${port}`], {
      env,
      stdio: "pipe",
    });
    const out: Buffer[] = [];
    let err = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.end(stdin);
  });
}

describe("cgi-fcgi (libfcgi) <-> the FastCGI baseline", () => {
  it("params and a 200 KiB body arrive; the answer's STDOUT and STDERR come back", async () => {
    const body = Buffer.alloc(200_000, "b");
    const env = {
      REQUEST_METHOD: "POST",
      CONTENT_LENGTH: String(body.length),
      HTTP_X_LONG: "L".repeat(5000),
      QUERY_STRING: "a=1&b=\u00e9",
    };
    const { code, stdout, stderr } = await cgiFcgi(env, body);
    expect(code).toBe(0);
    expect(stderr).toBe("a warning\n");
    const text = stdout.toString("latin1");
    const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as {
      params: [string, string][];
      body: string;
    };
    // cgi-fcgi sends its whole environment, in its own order; ours is a subset of what arrived.
    const seen = Object.fromEntries(json.params);
    for (const [k, v] of Object.entries(env))
      expect(seen[k], k).toBe(Buffer.from(v, "utf8").toString("latin1"));
    expect(json.body.length).toBe(body.length);
    expect(json.body === body.toString("latin1")).toBe(true);
  });
});
