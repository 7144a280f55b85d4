// UwsgiError itself, option validation, and "nothing is stuck after an error".
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_DECODE_OPTIONS,
  type DecodeOptions,
  decodeArray,
  decodePacket,
  decodeVars,
  encodePacket,
  encodePacketInto,
  encodeVars,
  PacketParser,
  UwsgiError,
} from "../../src/index.js";
import { arrayBlock, hex, packet, unhex, varsBlock } from "../support/bytes.js";
import { argumentError } from "../support/checks.js";
import { thrown } from "../support/expect-error.js";

const VALUE = "ERR_INVALID_ARG_VALUE";
const RANGE = "ERR_OUT_OF_RANGE";

const REQ = packet(0, 0, varsBlock([["A", "1"]]));
const PING = unhex("64 0000 00");
const RPC = packet(173, 0, arrayBlock(["f"]));

describe("UwsgiError", () => {
  it("carries code, offset, expected, needed, detail and a message saying the detail once", () => {
    const e = thrown(() => decodePacket(REQ.subarray(0, 7)));
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("UwsgiError");
    expect([e.code, e.offset, e.needed]).toEqual(["TRUNCATED", 0, 3]);
    expect(e.expected).toBe("3 more bytes of 10-byte packet");
    expect(e.detail).toBe("input ends 3 bytes before the end of the 10-byte packet");
    expect(e.message).toBe("input ends 3 bytes before the end of the 10-byte packet (offset 0)");
    expect(e.stack).toContain("UwsgiError");
  });

  it("says 1 byte, not 1 bytes", () => {
    const e = thrown(() => decodePacket(REQ.subarray(0, 3)));
    expect([e.needed, e.expected]).toEqual([1, "1 more byte of 4-byte packet header"]);
  });

  it("has needed 0 for every code but TRUNCATED and BUFFER_TOO_SMALL", () => {
    const e = thrown(() => decodePacket(unhex("00 0500 00  0000 0100 78")));
    expect([e.code, e.offset, e.needed]).toEqual(["EMPTY_KEY", 4, 0]);
    expect(e.expected.length).toBeGreaterThan(0);
    expect(e.message).toBe("var has an empty key (uWSGI drops such a request) (offset 4)");
    const room = thrown(() => encodePacketInto({ vars: { A: "1" } }, new Uint8Array(12), 3));
    expect([room.code, room.offset, room.needed]).toEqual(["BUFFER_TOO_SMALL", 3, 1]);
  });

  it("prints code, offset and needed beside the message, and the detail only once", () => {
    const e = thrown(() => decodePacket(REQ.subarray(0, 7)));
    const shown = inspect(e);
    expect(shown).toContain("code: 'TRUNCATED'");
    expect(shown).toContain("offset: 0");
    expect(shown).toContain("needed: 3");
    expect(shown.split("input ends 3 bytes").length - 1).toBe(1);
    expect(Object.keys(e)).toEqual(["code", "offset", "needed"]);
  });

  it("can be built directly, with needed defaulting to 0", () => {
    const e = new UwsgiError("KEY_OVERRUNS_DATASIZE", 9, "a key", "key runs past the end");
    expect([e.code, e.offset, e.expected, e.needed, e.name, e.detail]).toEqual([
      "KEY_OVERRUNS_DATASIZE",
      9,
      "a key",
      0,
      "UwsgiError",
      "key runs past the end",
    ]);
    expect(e.message).toBe("key runs past the end (offset 9)");
    expect(new UwsgiError("TRUNCATED", 0, "x", "y", 7).needed).toBe(7);
  });
});

describe("option validation", () => {
  it("has documented, frozen defaults", () => {
    expect(DEFAULT_DECODE_OPTIONS).toEqual({
      maxDatasize: 4096,
      maxVars: 128,
      maxItems: 255,
      allowEmptyKeys: false,
      encoding: "latin1",
      payload: "auto",
    });
    expect(Object.isFrozen(DEFAULT_DECODE_OPTIONS)).toBe(true);
  });

  it.each<[string, DecodeOptions]>([
    ["maxDatasize 70000", { maxDatasize: 70000 }],
    ["maxDatasize -1", { maxDatasize: -1 }],
    ["maxDatasize 1.5", { maxDatasize: 1.5 }],
    ["maxDatasize Infinity", { maxDatasize: Number.POSITIVE_INFINITY }],
    ["maxVars -1", { maxVars: -1 }],
    ["maxVars 2.5", { maxVars: 2.5 }],
    ["maxVars NaN", { maxVars: Number.NaN }],
    ["encoding ascii", { encoding: "ascii" } as unknown as DecodeOptions],
    ["payload bogus", { payload: "bogus" } as unknown as DecodeOptions],
  ])("decodePacket of a vars packet refuses %s (an argument error)", (_, options) => {
    expect(argumentError(() => decodePacket(REQ, 0, options)).code).toMatch(
      /^ERR_(OUT_OF_RANGE|INVALID_ARG_VALUE)$/,
    );
  });

  it("decodeVars and decodeArray refuse their bad options too", () => {
    const ascii = { encoding: "ascii" } as unknown as DecodeOptions;
    const block = varsBlock([["A", "1"]]);
    expect(argumentError(() => decodeVars(block, 0, undefined, ascii)).code).toBe(VALUE);
    expect(argumentError(() => decodeVars(Buffer.alloc(0), 0, 0, { maxVars: -1 })).code).toBe(
      RANGE,
    );
    expect(argumentError(() => decodeArray(arrayBlock(["f"]), ascii)).code).toBe(VALUE);
    expect(argumentError(() => decodeArray(Buffer.alloc(0), 0, { maxItems: -5 })).code).toBe(RANGE);
  });

  it("an options object used again is checked again when one of its values changed", () => {
    const options: { maxVars: number } = { maxVars: 1 };
    expect(decodePacket(REQ, options).kind).toBe("vars");
    expect(decodePacket(REQ, options).kind).toBe("vars");
    options.maxVars = -1;
    expect(argumentError(() => decodePacket(REQ, options)).code).toBe(RANGE);
    options.maxVars = 0;
    expect(() => decodePacket(REQ, options)).toThrow(
      expect.objectContaining({ code: "TOO_MANY_VARS" }),
    );
    // Another function's own keys are not taken from an object checked for a parser.
    const withMode = { mode: "packets" } as DecodeOptions;
    expect(() => new PacketParser({ onPacket() {} }, withMode)).not.toThrow();
    expect(argumentError(() => decodePacket(REQ, withMode)).code).toBe("ERR_UNKNOWN_OPTION");
  });

  it("accepts the limits at their bounds", () => {
    expect(decodePacket(REQ, 0, { maxDatasize: 65535, maxVars: 0 + 1 }).kind).toBe("vars");
    expect(decodePacket(PING, 0, { maxDatasize: 0 }).kind).toBe("raw");
    const inf = Number.POSITIVE_INFINITY;
    expect(decodePacket(RPC, 0, { maxItems: inf, maxVars: inf }).kind).toBe("array");
  });

  // Regression (found by these tests): options used to be checked only by the code path that
  // used them, so a bad option passed silently on a packet that did not need it, and a malformed
  // block hid a bad encoding behind its own error.
  it.each<[string, Buffer, DecodeOptions]>([
    ["ping with maxVars -1", PING, { maxVars: -1 }],
    ["ping with encoding ascii", PING, { encoding: "ascii" } as unknown as DecodeOptions],
    ["RPC call with maxVars -1", RPC, { maxVars: -1 }],
    ["vars packet with maxItems -1", REQ, { maxItems: -1 }],
    [
      "malformed vars packet with encoding ascii",
      unhex("00 0700 00  0100 41 0100 31  00"),
      { encoding: "ascii" } as unknown as DecodeOptions,
    ],
  ])("refuses a bad option whatever the packet holds: %s", (_, buf, options) => {
    expect(argumentError(() => decodePacket(buf, 0, options)).code).toMatch(
      /^ERR_(OUT_OF_RANGE|INVALID_ARG_VALUE)$/,
    );
  });
});

describe("no stuck state after an error", () => {
  const failures: [string, () => unknown][] = [
    ["a truncated header", () => decodePacket(unhex("00"))],
    ["a key overrun", () => decodePacket(unhex("00 0800 00  ffff  0100 41 0100 31"))],
    [
      "too many vars",
      () => decodeVars(varsBlock(Array.from({ length: 200 }, () => ["K", ""] as const))),
    ],
    ["an array overrun", () => decodeArray(unhex("0100 61  0500 62"))],
    ["a bad option", () => decodePacket(REQ, 0, { maxVars: -1 })],
    ["a field too long", () => encodeVars([["K", new Uint8Array(70000)]])],
    ["an unencodable string", () => encodePacket({ vars: { K: "€" } })],
    [
      "bad utf8",
      () => decodeVars(unhex("0100 41 0100 ff"), 0, undefined, { encoding: "utf8" }).get("A"),
    ],
  ];

  it.each(failures)("after %s, earlier views are intact and new work succeeds", (_, fail) => {
    const kept = decodePacket(
      packet(
        0,
        0,
        varsBlock([
          ["KEEP", "me"],
          ["X", "1"],
        ]),
      ),
    );
    expect(fail).toThrow(Error);
    expect(fail).toThrow(Error);
    const p = decodePacket(REQ);
    expect(p.kind === "vars" && [...p.vars]).toEqual([["A", "1"]]);
    expect(kept.kind === "vars" && kept.vars.toObject()).toEqual({ KEEP: "me", X: "1" });
    expect(hex(encodePacket({ vars: { A: "1" } }))).toBe(hex(REQ));
  });
});
