// The FastCGI baseline against real php-fpm 8.2: what we encode is what PHP sees in $_SERVER and
// php://input, and we decode php-fpm's records. Proves the benchmark's FastCGI side is real.

import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenarios } from "../../bench/scenarios.js";
import type { Pairs } from "../../src/fastcgi/index.js";
import { encodeFcgiRequest } from "../../src/fastcgi/index.js";
import { sha256 } from "../support/bytes.js";
import { fcgiExchange } from "./support/fastcgi-exchange.js";
import { type PhpFpmPeer, SERVER_ECHO, startPhpFpm } from "./support/php-fpm.js";

let fpm: PhpFpmPeer | undefined;
beforeAll(async () => {
  fpm = await startPhpFpm();
});
afterAll(async () => {
  await fpm?.stop();
});

/** What PHP adds to $_SERVER on its own (not from PARAMS). */
const ADDED_BY_PHP = new Set(["USER", "HOME", "FCGI_ROLE", "PHP_SELF"]);

interface Echo {
  server: Map<string, Buffer>;
  bodyLength: number;
  bodySha256: string;
}

async function ask(params: Pairs, body?: Buffer, paramsRecord?: number): Promise<Echo> {
  const request = encodeFcgiRequest({
    params: [["SCRIPT_FILENAME", SERVER_ECHO], ...params],
    ...(body === undefined ? {} : { body }),
    ...(paramsRecord === undefined ? {} : { paramsRecord }),
  });
  const answer = await fcgiExchange(fpm!.port, request);
  expect(answer.ends, answer.stderr).toBe(1);
  expect([answer.appStatus, answer.protocolStatus]).toEqual([0, 0]);
  expect(answer.headers).toContainEqual(["X-Echo", "php-fpm"]);
  const json = JSON.parse(answer.body.toString("utf8")) as {
    server: [string, string][];
    body_length: number;
    body_sha256: string;
  };
  const server = new Map<string, Buffer>();
  for (const [k, v] of json.server)
    server.set(Buffer.from(k, "hex").toString("latin1"), Buffer.from(v, "hex"));
  return { server, bodyLength: json.body_length, bodySha256: json.body_sha256 };
}

/** $_SERVER must hold exactly the params sent (last duplicate wins), plus PHP's own entries. */
function expectSameParams(echo: Echo, params: Pairs): void {
  const sent = new Map<string, string>([["SCRIPT_FILENAME", SERVER_ECHO]]);
  for (const [k, v] of params) sent.set(k, v);
  const seen = new Map<string, string>();
  for (const [k, v] of echo.server) if (!ADDED_BY_PHP.has(k)) seen.set(k, v.toString("latin1"));
  expect(seen).toEqual(sent);
}

describe("php-fpm decodes what the FastCGI baseline encodes", () => {
  for (const s of loadScenarios()) {
    it(`${s.name}: $_SERVER equals the scenario's vars, the body arrives intact`, async () => {
      const echo = await ask(s.pairs, s.body);
      expectSameParams(echo, s.pairs);
      expect([echo.bodyLength, echo.bodySha256]).toEqual([s.body.length, sha256(s.body)]);
    });
  }

  it("params over 64 KiB, split into PARAMS records at pair boundaries", async () => {
    const fill = Array.from({ length: 100 }, (_, i): [string, string] => [
      `HTTP_X_FILL_${i}`,
      `${i}:${"v".repeat(1000)}`,
    ]);
    const params: Pairs = [["REQUEST_METHOD", "GET"], ...fill];
    const echo = await ask(params);
    expectSameParams(echo, params);
  });

  it("a pair that straddles two PARAMS records makes php-fpm drop the connection", async () => {
    // The spec allows it; php-fpm parses each PARAMS record on its own. This is why the encoder
    // keeps pairs whole inside records whenever they fit.
    const request = encodeFcgiRequest({
      params: [
        ["SCRIPT_FILENAME", SERVER_ECHO],
        ["HTTP_X_LONG", "q".repeat(300)],
      ],
      paramsRecord: 100,
    });
    const outcome = await fcgiExchange(fpm!.port, request).then(
      (a) => `ends=${a.ends}`,
      (err: Error) => err.message,
    );
    expect(outcome).toMatch(/ECONNRESET|ends=0/);
  });

  it("php-fpm cuts a value at its first NUL byte (PHP keeps C strings); the bytes did arrive", async () => {
    const echo = await ask([
      ["REQUEST_METHOD", "GET"],
      ["HTTP_X_NUL", "ab\0cd"],
    ]);
    expect(echo.server.get("HTTP_X_NUL")?.toString("latin1")).toBe("ab");
  });

  it("any names and latin1 values (no NUL), any body, any record size that keeps pairs whole", async () => {
    const name = fc
      .stringMatching(/^[A-Z][A-Z0-9_]{0,20}$/)
      .filter(
        (n) =>
          !ADDED_BY_PHP.has(n) &&
          !["SCRIPT_FILENAME", "CONTENT_LENGTH", "REQUEST_METHOD"].includes(n),
      );
    const value = fc.string({
      unit: fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c)),
      maxLength: 300,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, value), { maxLength: 30 }),
        fc.uint8Array({ maxLength: 100_000 }),
        fc.integer({ min: 400, max: 65535 }),
        async (pairs, bytes, paramsRecord) => {
          const body = Buffer.from(bytes);
          // php-fpm answers nothing to a request without REQUEST_METHOD.
          const params: Pairs = [
            ["REQUEST_METHOD", "POST"],
            ...pairs,
            ["CONTENT_LENGTH", String(body.length)],
          ];
          const echo = await ask(params, body, paramsRecord);
          expectSameParams(echo, params);
          expect(echo.bodySha256).toBe(sha256(body));
        },
      ),
      { numRuns: 25 },
    );
  });
});
