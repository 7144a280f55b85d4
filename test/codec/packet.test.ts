// Whole packets: decodePacket at offsets, bytesMissing, payload kinds (auto and forced),
// encodePacket / encodePacketInto / packetByteLength.
import { describe, expect, it } from "vitest";
import {
  bytesMissing,
  type DecodeOptions,
  decodePacket,
  encodePacket,
  encodePacketInto,
  type PacketInit,
  packetByteLength,
} from "../../src/index.js";
import {
  arrayBlock,
  hex,
  packet,
  sentinel,
  unhex,
  untouched,
  varsBlock,
} from "../support/bytes.js";
import { argumentError } from "../support/checks.js";
import { expectError } from "../support/expect-error.js";

const VALUE = "ERR_INVALID_ARG_VALUE";
const RANGE = "ERR_OUT_OF_RANGE";

const REQ = packet(0, 0, varsBlock([["A", "1"]])); // 00 0600 00  0100 41 0100 31
const PING = unhex("64 0000 00");

describe("decodePacket", () => {
  it("decodes two packets back to back: the second at the first's byteLength", () => {
    const rpc = packet(173, 0, arrayBlock(["f", "x"]));
    const both = Buffer.concat([REQ, rpc, PING]);
    const first = decodePacket(both);
    expect(first.byteLength).toBe(10);
    const second = decodePacket(both, first.byteLength);
    expect(second.kind === "array" && second.items.toArray()).toEqual(["f", "x"]);
    expect(second.payload.byteOffset).toBe(both.byteOffset + 14);
    const third = decodePacket(both, first.byteLength + second.byteLength);
    expect([third.modifier1, third.kind, third.byteLength]).toEqual([100, "raw", 4]);
    expect(first.kind === "vars" && first.vars.get("A")).toBe("1");
  });

  it("decodes a plain Uint8Array: views are Buffers over the same memory", () => {
    const backing = new Uint8Array(REQ.length + 1);
    backing.set(REQ, 1);
    const p = decodePacket(backing.subarray(1));
    expect(Buffer.isBuffer(p.payload)).toBe(true);
    expect(p.payload.buffer).toBe(backing.buffer);
    expect(p.payload.byteOffset).toBe(5);
    expect(p.kind === "vars" && p.vars.getBytes("A")!.byteOffset).toBe(1 + 4 + 5);
  });

  it("a vars packet's payload is its vars block", () => {
    const p = decodePacket(REQ);
    if (p.kind !== "vars") throw new Error(p.kind);
    expect(p.payload).toEqual(p.vars.raw);
    expect(p.payload.byteOffset).toBe(p.vars.raw.byteOffset);
  });

  it("checks the datasize limit before waiting for the data, at offset + 1", () => {
    const header = unhex("ffff  00 0110 00");
    expectError(() => decodePacket(header, 2), "DATASIZE_OVER_LIMIT", 3);
    expect(bytesMissing(header, 2)).toBe(4097);
  });

  it("maxDatasize 65535 accepts what the default refuses", () => {
    const big = packet(0, 0, varsBlock([["K", new Uint8Array(65530)]]));
    expect(big.length).toBe(65539);
    expectError(() => decodePacket(big), "DATASIZE_OVER_LIMIT", 1);
    const p = decodePacket(big, 0, { maxDatasize: 65535 });
    expect([p.datasize, p.byteLength, p.kind === "vars" && p.vars.getBytes("K")!.length]).toEqual([
      65535, 65539, 65530,
    ]);
    const just = packet(0, 0, varsBlock([["K", new Uint8Array(4091)]]));
    expect(decodePacket(just).datasize).toBe(4096);
    expectError(() => decodePacket(just, 0, { maxDatasize: 4095 }), "DATASIZE_OVER_LIMIT", 1);
  });

  it("maxDatasize 0 accepts only empty packets", () => {
    expect(decodePacket(PING, 0, { maxDatasize: 0 }).datasize).toBe(0);
    expectError(() => decodePacket(REQ, 0, { maxDatasize: 0 }), "DATASIZE_OVER_LIMIT", 1);
  });

  it("TRUNCATED counts from the packet start, with what is still needed", () => {
    const buf = Buffer.concat([PING, REQ.subarray(0, 7)]);
    const e = expectError(() => decodePacket(buf, 4), "TRUNCATED", 4);
    expect(e.needed).toBe(3);
    expect(expectError(() => decodePacket(buf, 9), "TRUNCATED", 9).needed).toBe(2);
    expect(expectError(() => decodePacket(buf, 11), "TRUNCATED", 11).needed).toBe(4);
  });

  it.each([-1, 0.5, 11, Number.NaN])("refuses offset %s (ERR_OUT_OF_RANGE)", (at) => {
    expect(argumentError(() => decodePacket(REQ, at)).code).toBe(RANGE);
  });

  it("takes the options in place of the offset", () => {
    const p = decodePacket(REQ, { payload: "raw" });
    expect([p.kind, hex(p.payload)]).toEqual(["raw", "010041010031"]);
  });
});

describe("options.payload", () => {
  const RPC = packet(173, 0, arrayBlock(["ab", ""])); // ad 0600 00  0200 6162  0000
  const cases: [string, Buffer, DecodeOptions["payload"], string, string][] = [
    ["vars packet, auto", REQ, "auto", "vars", "A=1"],
    ["vars packet as raw", REQ, "raw", "raw", "010041010031"],
    ["vars packet as empty (raw)", REQ, "empty", "raw", "010041010031"],
    ["vars packet as an array", REQ, "array", "array", "41|31"],
    ["RPC packet, auto", RPC, "auto", "array", "6162|"],
    ["RPC packet as vars", RPC, "vars", "vars", "ab="],
    ["RPC packet as raw", RPC, "raw", "raw", "020061620000"],
    ["ping, auto (empty)", PING, undefined, "raw", ""],
    ["ping as vars", PING, "vars", "vars", ""],
  ];

  it.each(cases)("%s", (_, buf, payload, kind, shown) => {
    const p = decodePacket(buf, 0, payload === undefined ? undefined : { payload });
    expect(p.kind).toBe(kind);
    if (p.kind === "vars") expect([...p.vars].map(([k, v]) => `${k}=${v}`).join("&")).toBe(shown);
    else if (p.kind === "array")
      expect([...p.items].map((i) => hex(Buffer.from(i, "latin1"))).join("|")).toBe(shown);
    else expect(hex(p.payload)).toBe(shown);
  });

  it.each(["bogus", "", "VARS"])("refuses payload %j (ERR_INVALID_ARG_VALUE)", (payload) => {
    const opts = { payload } as unknown as DecodeOptions;
    expect(argumentError(() => decodePacket(REQ, 0, opts)).code).toBe(VALUE);
    expect(argumentError(() => decodePacket(PING, 0, opts)).code).toBe(VALUE);
  });
});

describe("bytesMissing", () => {
  it("counts down to the header, then to the whole packet, for 0..n bytes present", () => {
    const want = [4, 3, 2, 1, 6, 5, 4, 3, 2, 1, 0];
    const got = want.map((_, n) => bytesMissing(REQ.subarray(0, n)));
    expect(got).toEqual(want);
    expect(bytesMissing(Buffer.concat([REQ, unhex("68656c6c6f")]))).toBe(0);
  });

  it("works at an offset and on any bytes, never throwing on them", () => {
    const buf = Buffer.concat([REQ, unhex("ff ffff ff")]);
    expect(bytesMissing(buf, 10)).toBe(65535);
    expect(bytesMissing(buf, 12)).toBe(2);
    expect(bytesMissing(buf, 14)).toBe(4);
    expect(bytesMissing(PING)).toBe(0);
  });

  it.each([-1, 1.5, 5])("refuses offset %s (ERR_OUT_OF_RANGE)", (at) => {
    expect(argumentError(() => bytesMissing(PING, at)).code).toBe(RANGE);
  });
});

describe("encodePacket", () => {
  it.each<[string, PacketInit, string]>([
    ["nothing: a ping", { modifier1: 100 }, "64000000"],
    ["nothing and no modifiers", {}, "00000000"],
    ["a pong", { modifier1: 100, modifier2: 1 }, "64000001"],
    ["vars", { vars: { A: "1" } }, hex(REQ)],
    [
      "items",
      { modifier1: 173, items: ["hello", "a", ""] },
      "ad0c00000500" + "68656c6c6f" + "0100610000",
    ],
    [
      "items from a generator",
      {
        modifier1: 111,
        modifier2: 1,
        items: (function* () {
          yield "k";
          yield "v";
        })(),
      },
      "6f06000101006b010076",
    ],
    ["a payload", { modifier1: 111, payload: Buffer.from("key") }, "6f0300006b6579"],
    ["an empty payload", { modifier1: 110, modifier2: 15, payload: new Uint8Array(0) }, "6e00000f"],
    [
      "a payload view",
      { modifier1: 42, payload: new Uint8Array([9, 1, 2, 9]).subarray(1, 3) },
      "2a0200000102",
    ],
    ["modifiers 255/255", { modifier1: 255, modifier2: 255 }, "ff0000ff"],
  ])("with %s", (_, init, want) => {
    expect(hex(encodePacket(init))).toBe(want);
  });

  it("encodes utf8 strings on request", () => {
    expect(hex(encodePacket({ vars: [["K", "é"]] }, { encoding: "utf8" }))).toBe(
      "000700000100" + "4b0200c3a9",
    );
    expect(packetByteLength({ items: ["é"] }, { encoding: "utf8" })).toBe(8);
  });

  it.each<[string, PacketInit]>([
    ["vars and items", { vars: {}, items: [] }],
    ["vars and payload", { vars: [], payload: new Uint8Array(0) }],
    ["items and payload", { items: ["a"], payload: new Uint8Array(1) }],
    ["all three", { vars: {}, items: [], payload: new Uint8Array(0) }],
  ])("refuses %s (ERR_INVALID_ARG_VALUE)", (_, init) => {
    expect(argumentError(() => encodePacket(init)).code).toBe(VALUE);
    expect(argumentError(() => packetByteLength(init)).code).toBe(VALUE);
  });

  it("refuses a payload that is not bytes (ERR_INVALID_ARG_TYPE)", () => {
    const init = { payload: "abc" } as unknown as PacketInit;
    expect(argumentError(() => encodePacket(init)).message).toBe(
      "The \"init.payload\" argument must be a Uint8Array. Received type string ('abc')",
    );
  });

  it.each<[string, PacketInit, string]>([
    ["modifier1 256", { modifier1: 256 }, "init.modifier1"],
    ["modifier1 -1", { modifier1: -1 }, "init.modifier1"],
    ["modifier1 1.5", { modifier1: 1.5 }, "init.modifier1"],
    ["modifier2 256", { modifier2: 256 }, "init.modifier2"],
    ["modifier2 -1", { modifier2: -1 }, "init.modifier2"],
    ["modifier2 NaN", { modifier2: Number.NaN }, "init.modifier2"],
  ])("refuses %s (ERR_OUT_OF_RANGE naming it), writing nothing", (_, init, name) => {
    for (const fn of [() => encodePacket(init), () => packetByteLength(init)]) {
      const e = argumentError(fn);
      expect([e.constructor, e.code]).toEqual([RangeError, RANGE]);
      expect(e.message).toContain(`"${name}"`);
    }
    const target = sentinel(8);
    expect(argumentError(() => encodePacketInto(init, target)).code).toBe(RANGE);
    expect(untouched(target)).toBe(true);
  });

  it("refuses a payload of 65536 bytes (PACKET_TOO_LARGE at 4), accepts 65535", () => {
    expectError(() => encodePacket({ payload: new Uint8Array(65536) }), "PACKET_TOO_LARGE", 4);
    expectError(() => encodePacket({ items: [new Uint8Array(65534)] }), "PACKET_TOO_LARGE", 4);
    expect(hex(encodePacket({ payload: new Uint8Array(65535) }).subarray(0, 4))).toBe("00ffff00");
    expect(packetByteLength({ payload: new Uint8Array(65535) })).toBe(65539);
  });
});

describe("packetByteLength and encodePacketInto", () => {
  const inits: PacketInit[] = [
    {},
    { vars: { A: "1" } },
    { modifier1: 173, items: ["hello", "a", ""] },
    { modifier1: 101, payload: Buffer.from("echo") },
  ];

  it.each(inits)("packetByteLength(%o) is the encoded length", (init) => {
    expect(packetByteLength(init)).toBe(encodePacket(init).length);
  });

  it.each(inits)(
    "encodePacketInto(%o) writes the same bytes at an offset, nothing around",
    (init) => {
      const want = encodePacket(init);
      const target = sentinel(want.length + 10);
      expect(encodePacketInto(init, target, 6)).toBe(want.length);
      expect(hex(target.subarray(6, 6 + want.length))).toBe(hex(want));
      expect(untouched(target, 0, 6) && untouched(target, 6 + want.length)).toBe(true);
    },
  );

  it("writes into a plain Uint8Array view", () => {
    const backing = new Uint8Array(16).fill(0xee);
    expect(encodePacketInto({ vars: { A: "1" } }, backing.subarray(3, 13))).toBe(10);
    expect(hex(backing)).toBe(`eeeeee${hex(REQ)}eeeeee`);
  });

  it("refuses a target without room (BUFFER_TOO_SMALL at the offset), writing nothing", () => {
    const target = sentinel(12);
    expectError(() => encodePacketInto({ vars: { A: "1" } }, target, 3), "BUFFER_TOO_SMALL", 3);
    expectError(() => encodePacketInto({}, target, 9), "BUFFER_TOO_SMALL", 9);
    expect(untouched(target)).toBe(true);
    expect(argumentError(() => encodePacketInto({}, target, 13)).code).toBe(RANGE);
    expect(encodePacketInto({}, target, 8)).toBe(4);
  });

  it("refuses a bad encoding option (ERR_INVALID_ARG_VALUE)", () => {
    const opts = { encoding: "ascii" } as unknown as { encoding: "latin1" };
    expect(argumentError(() => encodePacket({ vars: { A: "1" } }, opts)).code).toBe(VALUE);
    expect(argumentError(() => packetByteLength({}, opts)).code).toBe(VALUE);
    expect(argumentError(() => encodePacketInto({}, sentinel(4), 0, opts)).code).toBe(VALUE);
  });

  it("takes the options in place of the offset", () => {
    const target = sentinel(12);
    expect(encodePacketInto({ vars: { K: "é" } }, target, { encoding: "utf8" })).toBe(11);
    expect(hex(target.subarray(0, 11))).toBe("000700000100" + "4b0200c3a9");
  });
});
