// Packets encoded by this package, sent to a real uWSGI 2.0.21 running fixtures/apps/environ_echo.py:
// the environ the app sees must hold exactly the bytes we encoded.
import { createHash, randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePacket, type VarBytes } from "../../src/index.js";
import { isAddedByUwsgi, parseEcho } from "./support/environ.js";
import { exchange } from "./support/exchange.js";
import { startUwsgi } from "./support/uwsgi.js";

type Pairs = [VarBytes, VarBytes][];

const BASE: Pairs = [
  ["REQUEST_METHOD", "GET"],
  ["SERVER_PROTOCOL", "HTTP/1.1"],
  ["PATH_INFO", "/echo"],
  ["QUERY_STRING", ""],
  ["SERVER_NAME", "localhost"],
  ["SERVER_PORT", "80"],
];

let uwsgi: Awaited<ReturnType<typeof startUwsgi>> | undefined;

beforeAll(async () => {
  uwsgi = await startUwsgi();
});
afterAll(async () => {
  await uwsgi?.stop();
});

function bytesOf(v: VarBytes, encoding: "latin1" | "utf8"): Buffer {
  return typeof v === "string" ? Buffer.from(v, encoding) : Buffer.from(v);
}

/** Sends `pairs` (and a body), returns the environ, and checks it equals the vars byte for byte. */
async function roundTrip(pairs: Pairs, encoding: "latin1" | "utf8" = "latin1", body?: Buffer) {
  const packet = encodePacket({ vars: pairs }, { encoding });
  const parts = body === undefined ? [packet] : [packet, body];
  const echoed = parseEcho((await exchange(uwsgi!.port, parts)).answer);
  expect(echoed.status).toBe(200);
  // Last duplicate wins in uWSGI's environ.
  const sent = new Map<string, Buffer>();
  for (const [k, v] of pairs)
    sent.set(bytesOf(k, encoding).toString("latin1"), bytesOf(v, encoding));
  for (const [key, value] of sent) {
    expect(echoed.environ.get(key)?.toString("hex"), `environ[${key}]`).toBe(value.toString("hex"));
  }
  const extra = [...echoed.environ.keys()].filter((k) => !sent.has(k) && !isAddedByUwsgi(k));
  expect(extra).toEqual([]);
  return echoed;
}

describe("our encoder -> real uWSGI", () => {
  it("ASCII vars arrive as sent", async () => {
    await roundTrip([...BASE, ["HTTP_HOST", "example.org"], ["HTTP_USER_AGENT", "curl/7.88.1"]]);
  });

  it("empty values arrive empty", async () => {
    await roundTrip([...BASE, ["CONTENT_TYPE", ""], ["CONTENT_LENGTH", ""], ["X_EMPTY", ""]]);
  });

  it("every byte value 0x00-0xff in a value, and latin1 strings, arrive unchanged", async () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    await roundTrip([...BASE, ["X_ALL_BYTES", all], ["X_LATIN1", "caf\u00e9 \u00ff\u00a0"]]);
  });

  it("UTF-8 strings encoded with encoding utf8 arrive as their UTF-8 bytes", async () => {
    await roundTrip(
      [...BASE, ["PATH_INFO", "/\u65e5\u672c/\u00e9\u20ac/\u{1f600}"], ["X_TEXT", "\u0416\u2603"]],
      "utf8",
    );
  });

  it("duplicate keys: the last value wins, as in toObject()", async () => {
    await roundTrip([...BASE, ["X_DUP", "first"], ["X_DUP", "second"]]);
  });

  it("a 60 KiB packet arrives whole", async () => {
    const big: Pairs = [...BASE];
    for (let i = 0; i < 8; i++)
      big.push([`X_BIG_${i}`, "abcdefghijklmnopqrstuvwxyz0123456789".repeat(216)]);
    const packet = encodePacket({ vars: big });
    expect(packet.length).toBeGreaterThan(60 * 1024);
    await roundTrip(big);
  });

  it("a packet of exactly 65535 bytes of data (the largest datasize) arrives whole", async () => {
    const head = encodePacket({ vars: BASE }).length - 4;
    // One more var: 2 + 5 key bytes + 2 + value bytes brings the block to exactly 65535.
    const pairs: Pairs = [...BASE, ["X_MAX", "m".repeat(65535 - head - 9)]];
    expect((encodePacket({ vars: pairs }) as Buffer).readUInt16LE(1)).toBe(65535);
    await roundTrip(pairs);
  });

  it("a body of CONTENT_LENGTH bytes follows the packet", async () => {
    const body = randomBytes(200_000);
    const echoed = await roundTrip(
      [
        ...BASE,
        ["REQUEST_METHOD", "POST"],
        ["CONTENT_LENGTH", String(body.length)],
        ["CONTENT_TYPE", "application/octet-stream"],
      ],
      "latin1",
      body,
    );
    expect(echoed.bodyLength).toBe(body.length);
    expect(echoed.bodySha256).toBe(createHash("sha256").update(body).digest("hex"));
  });

  it("arbitrary binary values and duplicates agree with uWSGI (25 generated requests)", async () => {
    const key = fc
      .string({
        unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"),
        minLength: 1,
        maxLength: 24,
      })
      .map((k) => `X_${k}`);
    const pair = fc.tuple(key, fc.uint8Array({ maxLength: 300 }));
    await fc.assert(
      fc.asyncProperty(fc.array(pair, { maxLength: 30 }), async (extra) => {
        const dup =
          extra[0] === undefined
            ? []
            : [[extra[0][0], Uint8Array.of(1, 2, 3)] as [string, Uint8Array]];
        await roundTrip([...BASE, ...extra, ...dup]);
      }),
      { numRuns: 25 },
    );
  });
});
