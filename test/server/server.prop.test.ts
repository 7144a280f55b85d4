// Hostile bytes against a live server: whatever arrives, cut anywhere, each connection ends (an
// answer or a clean close) within a bound, only typed errors are reported, and the server goes on.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UwsgiError } from "../../src/codec/errors.js";
import { encodePacket } from "../../src/index.js";
import { UwsgiServerError } from "../../src/server/server-error.js";
import { split } from "../parser/collect.js";
import { decodeInputArb } from "../support/arbitraries.js";
import { rawClient, type Served, serve } from "./support/serve.js";

let served: Served | undefined;
const errors: unknown[] = [];
let handled = 0;

beforeAll(async () => {
  served = await serve(
    async (req, res) => {
      handled++;
      for await (const _ of req) {
        // Drain the body.
      }
      res.end("ok");
    },
    // Short timeouts: a connection left waiting for more bytes ends quickly.
    { headersTimeout: 300, idleTimeout: 300 },
  );
  served.server.on("clientError", (err) => errors.push(err));
  served.server.on("error", (err) => errors.push(err));
});
afterAll(async () => {
  await served?.stop();
});

/** A request whose bytes are random or a valid packet mutated, then maybe a body, cut anywhere. */
const inputArb = fc.record({
  head: decodeInputArb,
  body: fc.uint8Array({ maxLength: 200 }),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
  halfClose: fc.boolean(),
});

describe("the server on hostile bytes", () => {
  it("every connection ends within a bound, only typed errors, the server keeps serving", async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, async ({ head, body, cuts, halfClose }) => {
        const client = await rawClient(served!.port);
        for (const piece of split(Buffer.concat([head, body]), cuts)) {
          if (client.socket.destroyed) break;
          client.socket.write(piece);
          await new Promise((r) => setImmediate(r));
        }
        if (halfClose && !client.socket.destroyed) client.socket.end();
        const answer = await client.closed(3000);
        // Whatever came back is empty or starts like an HTTP answer.
        expect(
          answer.length === 0 || answer.subarray(0, 9).toString("latin1") === "HTTP/1.1 ",
        ).toBe(true);
      }),
      { numRuns: 60 },
    );
    for (const err of errors) {
      expect(err instanceof UwsgiError || err instanceof UwsgiServerError, String(err)).toBe(true);
    }
    // Still serving.
    const before = handled;
    const client = await rawClient(served!.port);
    client.socket.write(encodePacket({ vars: { REQUEST_METHOD: "GET", PATH_INFO: "/" } }));
    const answer = await client.closed(3000);
    expect(answer.toString("latin1")).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(handled).toBe(before + 1);
  }, 120_000);
});
