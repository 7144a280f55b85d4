// Hostile answers from a scripted backend: whatever bytes come back, cut anywhere, request()
// settles within a bound with an answer or a typed error, and the body ends or fails typed.
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
            expect(res.status).toBeGreaterThanOrEqual(100);
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
