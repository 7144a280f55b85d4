// The misuse cases a new user hit (issue 11), as one table: each call and what it must give.
// Each area has its own, longer table beside its tests (test/codec/misuse.test.ts,
// test/parser/misuse.test.ts, test/server/misuse.test.ts, test/client/misuse.test.ts,
// test/capture/misuse.test.ts); this one keeps the reported cases together.
import { describe, expect, it } from "vitest";
import { decodePacket, encodePacket, PacketParser, readHeader } from "../src/index.js";
import { request } from "../src/node.js";
import { argumentError } from "./support/checks.js";

const PACKET = encodePacket({ vars: { REQUEST_METHOD: "GET", A: "b" } });

type Outcome =
  | { readonly error: "TypeError" | "RangeError"; readonly code: string; readonly says: string }
  | { readonly value: unknown };

const CASES: readonly (readonly [string, () => unknown, Outcome])[] = [
  [
    "new PacketParser()",
    () => new (PacketParser as unknown as new () => unknown)(),
    { error: "TypeError", code: "ERR_MISSING_ARGS", says: '"handler"' },
  ],
  [
    "new PacketParser(fn)",
    () => new PacketParser((() => {}) as never),
    { error: "TypeError", code: "ERR_INVALID_ARG_TYPE", says: "name it onPacket" },
  ],
  [
    'push("abc") (a source with setEncoding)',
    () => new PacketParser({ onPacket() {} }).push("abc" as never),
    { error: "TypeError", code: "ERR_INVALID_ARG_TYPE", says: "setEncoding" },
  ],
  [
    "state after a clean end()",
    () => {
      const parser = new PacketParser({ onPacket() {} }, { mode: "packets" });
      parser.push(PACKET);
      parser.end();
      return parser.state;
    },
    { value: "ended" },
  ],
  [
    'encodePacket({ REQUEST_METHOD: "GET" }) (vars: forgotten)',
    () => encodePacket({ REQUEST_METHOD: "GET" } as never),
    { error: "TypeError", code: "ERR_UNKNOWN_OPTION", says: 'did you mean "vars"' },
  ],
  [
    "encodePacket()",
    () => (encodePacket as unknown as () => unknown)(),
    { error: "TypeError", code: "ERR_INVALID_ARG_TYPE", says: '"init"' },
  ],
  [
    'modifier1: "5"',
    () => encodePacket({ modifier1: "5" as never }),
    { error: "TypeError", code: "ERR_INVALID_ARG_TYPE", says: '"init.modifier1"' },
  ],
  [
    "modifier1: 256",
    () => encodePacket({ modifier1: 256 }),
    {
      error: "RangeError",
      code: "ERR_OUT_OF_RANGE",
      says: '"init.modifier1"',
    },
  ],
  [
    'encoding: "utf-8" (as Node and TextDecoder spell it)',
    () => encodePacket({ vars: { A: "é" } }, { encoding: "utf-8" as never }).length,
    { value: 4 + 2 + 1 + 2 + 2 },
  ],
  [
    "decodePacket(buf, { maxVars: 10 })",
    () =>
      (decodePacket(PACKET, { maxVars: 10 }) as { vars: { get(k: string): unknown } }).vars.get(
        "A",
      ),
    { value: "b" },
  ],
  [
    "decodePacket(arrayBuffer)",
    () => {
      const copy = PACKET.buffer.slice(PACKET.byteOffset, PACKET.byteOffset + PACKET.length);
      return (decodePacket(copy as never) as { vars: { get(k: string): unknown } }).vars.get("A");
    },
    { value: "b" },
  ],
  [
    'readHeader("abcd")',
    () => readHeader("abcd" as never),
    { error: "TypeError", code: "ERR_INVALID_ARG_TYPE", says: '"buf"' },
  ],
  [
    "a negative limit",
    () => decodePacket(PACKET, { maxDatasize: -1 }),
    { error: "RangeError", code: "ERR_OUT_OF_RANGE", says: '"options.maxDatasize"' },
  ],
];

describe("misuse gets a clear, typed error (issue 11's cases)", () => {
  it.each(CASES)("%s", (_name, call, outcome) => {
    if ("value" in outcome) {
      expect(call()).toEqual(outcome.value);
      return;
    }
    const thrown = argumentError(call);
    expect(thrown).toBeInstanceOf(outcome.error === "TypeError" ? TypeError : RangeError);
    expect(thrown).toMatchObject({ code: outcome.code });
    expect((thrown as Error).message).toContain(outcome.says);
  });

  it('request({ host: "localhost:3032" }) says the port goes in port', async () => {
    await expect(request({ host: "localhost:3032" })).rejects.toMatchObject({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
      message: expect.stringContaining('pass { host: "localhost", port: 3032 }'),
    });
  });
});
