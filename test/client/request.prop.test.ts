// Hostile answers from a scripted backend: whatever bytes come back, cut anywhere, request()
// settles within a bound with an answer or a typed error, and the body ends or fails typed.
import { get as httpGet } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UwsgiClientError } from "../../src/client/errors.js";
import { request } from "../../src/client/request.js";
import { split } from "../parser/collect.js";
import { type FakeBackend, startFakeBackend } from "./support/fake-backend.js";

let script: Buffer[] = [];
let backend: FakeBackend | undefined;

beforeAll(async () => {
  backend = await startFakeBackend(async (socket) => {
    for (const piece of script) {
      if (socket.destroyed) return;
      socket.write(piece);
      await new Promise((r) => setImmediate(r));
    }
    socket.end();
  });
});
afterAll(async () => {
  await backend?.close();
});

const head = fc.constantFrom(
  "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
  "HTTP/1.0 404 Not Found\r\nX: y\r\n\r\n",
  "HTTP/1.1 204 No Content\r\n\r\n",
  "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
  "",
);
const answerArb = fc.record({
  bytes: fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc
      .tuple(head, fc.uint8Array({ maxLength: 40 }))
      .map(([h, rest]) => Buffer.concat([Buffer.from(h, "latin1"), rest])),
  ),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});

describe("request() on hostile answers", () => {
  it("settles with an answer or a typed error, and the body ends or fails typed", async () => {
    await fc.assert(
      fc.asyncProperty(answerArb, async ({ bytes, cuts }) => {
        script = split(Buffer.from(bytes), cuts);
        // Settling at all is the bound: `timeout` is 2 s, a hang fails the test by its own timeout.
        await request({
          port: backend!.port,
          vars: { REQUEST_METHOD: "GET", PATH_INFO: "/" },
          timeout: 2000,
          maxHeaderSize: 256,
        }).then(
          async (res) => {
            expect(res.statusCode).toBeGreaterThanOrEqual(100);
            try {
              for await (const _ of res.body) {
                // Read it all.
              }
            } catch (err) {
              expect(err).toBeInstanceOf(UwsgiClientError);
            }
          },
          (err: unknown) => {
            expect(err).toBeInstanceOf(UwsgiClientError);
          },
        );
      }),
      { numRuns: 80 },
    );
  }, 120_000);
});

/** What node:http's client makes of an answer: its fields, or the code of its parse error. */
function nodeHttpAnswer(port: number): Promise<
  | { error: string }
  | {
      statusCode: number;
      statusMessage: string;
      httpVersion: string;
      rawHeaders: string[];
      headers: Record<string, unknown>;
    }
> {
  return new Promise((resolve) => {
    const req = httpGet({ host: "127.0.0.1", port, agent: false }, (res) => {
      res.resume();
      resolve({
        statusCode: res.statusCode!,
        statusMessage: res.statusMessage!,
        httpVersion: res.httpVersion,
        rawHeaders: res.rawHeaders,
        headers: { ...res.headers },
      });
    });
    req.on("error", (err: NodeJS.ErrnoException) => resolve({ error: String(err.code) }));
  });
}

/** Header names from a small pool (so repeats happen, with node:http's special cases) or made up. */
const NAMES = [
  "Set-Cookie",
  "Cookie",
  "Content-Type",
  "content-type",
  "Date",
  "X-A",
  "x-a",
  "Location",
  "Vary",
];
/** Bytes for made-up names, values and reasons: ordinary ones and every kind that is refused. */
const BYTES = [
  0x61, 0x5a, 0x30, 0x2d, 0x21, 0x20, 0x09, 0x3a, 0x28, 0x7e, 0xe9, 0xff, 0x00, 0x01, 0x0b, 0x7f,
  0x0d,
];
const text = (max: number) =>
  fc
    .array(
      fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(0x61, 0x62, 0x20) },
        fc.constantFrom(...BYTES),
      ),
      {
        maxLength: max,
      },
    )
    .map((codes) => String.fromCharCode(...codes));
const headArb = fc.record({
  version: fc.constantFrom("1.1", "1.0"),
  status: fc.oneof(fc.integer({ min: 200, max: 999 }), fc.constantFrom(204, 304)),
  reason: text(12),
  headers: fc.array(
    fc.tuple(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NAMES) }, text(6)), text(10)),
    { maxLength: 8 },
  ),
});

describe("request() parses answer heads as node:http does", () => {
  it("same statusCode, statusMessage, httpVersion, rawHeaders and headers, or both refuse", async () => {
    await fc.assert(
      fc.asyncProperty(headArb, async ({ version, status, reason, headers }) => {
        const lines = [`HTTP/${version} ${status} ${reason}`];
        for (const [name, value] of headers) lines.push(`${name}: ${value}`);
        script = [Buffer.from(`${lines.join("\r\n")}\r\nContent-Length: 0\r\n\r\n`, "latin1")];
        const theirs = await nodeHttpAnswer(backend!.port);
        const ours = await request({ port: backend!.port, vars: { REQUEST_METHOD: "GET" } }).then(
          async (res) => {
            res.body.resume();
            return {
              statusCode: res.statusCode,
              statusMessage: res.statusMessage,
              httpVersion: res.httpVersion,
              rawHeaders: res.rawHeaders,
              headers: { ...res.headers },
            };
          },
          (err: UwsgiClientError) => ({ error: err.code }),
        );
        // Stricter than node:http on purpose: a control byte in the reason phrase is refused
        // (RFC 9112; node:http keeps it, and then cannot write it back out in a proxy).
        const badReason = [...reason].some((c) => (c < " " ? c !== "\t" : c === "\x7f"));
        if ("error" in theirs || badReason) expect(ours).toEqual({ error: "MALFORMED_ANSWER" });
        else expect(ours).toEqual(theirs);
      }),
      { numRuns: 300 },
    );
  }, 120_000);
});
