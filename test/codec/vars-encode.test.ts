// Encoding vars blocks: every accepted input form, exact bytes, the "into" variant's bounds, and
// refusals that write nothing. Expected bytes come from test/support/bytes.ts, not from src/.
import { describe, expect, it } from "vitest";
import {
  decodeVars,
  type EncodeOptions,
  encodePacket,
  encodePacketInto,
  encodeVars,
  encodeVarsInto,
  type VarBytes,
  type VarsInput,
  varsByteLength,
} from "../../src/index.js";
import { hex, sentinel, untouched, varsBlock } from "../support/bytes.js";
import { argumentError } from "../support/checks.js";
import { expectError } from "../support/expect-error.js";

const TYPE = "ERR_INVALID_ARG_TYPE";
const VALUE = "ERR_INVALID_ARG_VALUE";
const RANGE = "ERR_OUT_OF_RANGE";

const AB = varsBlock([
  ["A", "1"],
  ["B", ""],
]);

function* oneShot(): Generator<[VarBytes, VarBytes]> {
  yield ["A", "1"];
  yield ["B", ""];
}

describe("encodeVars: input forms", () => {
  it.each<[string, () => VarsInput]>([
    ["a plain object", () => ({ A: "1", B: "" })],
    [
      "a Map",
      () =>
        new Map([
          ["A", "1"],
          ["B", ""],
        ]),
    ],
    [
      "an array of pairs",
      () => [
        ["A", "1"],
        ["B", ""],
      ],
    ],
    ["a one-shot generator", oneShot],
    ["a Set of pairs (any iterable)", () => new Set([["A", "1"] as const, ["B", ""] as const])],
    [
      "Uint8Array keys and values",
      () => [
        [new Uint8Array([0x41]), new Uint8Array([0x31])],
        [new Uint8Array([0x42]), new Uint8Array(0)],
      ],
    ],
    [
      "views at a byteOffset",
      () => [
        [new Uint8Array([9, 0x41, 9]).subarray(1, 2), Buffer.from("x1x").subarray(1, 2)],
        ["B", new Uint8Array(4).subarray(2, 2)],
      ],
    ],
  ])("from %s gives 0100 41 0100 31 0100 42 0000", (_, make) => {
    expect(hex(encodeVars(make()))).toBe(hex(AB));
    expect(varsByteLength(make())).toBe(AB.length);
    expect(hex(encodePacket({ vars: make() }))).toBe(`000b0000${hex(AB)}`);
  });

  it("keeps duplicates and order exactly as given", () => {
    const pairs: [string, string][] = [
      ["X", "1"],
      ["A", "a"],
      ["X", "2"],
    ];
    expect(hex(encodeVars(pairs))).toBe(hex(varsBlock(pairs)));
  });

  it("keeps object keys in property order, __proto__ as a plain own key", () => {
    const o = JSON.parse('{"Z":"1","__proto__":"p","A":""}') as { [k: string]: string };
    expect(hex(encodeVars(o))).toBe(
      hex(
        varsBlock([
          ["Z", "1"],
          ["__proto__", "p"],
          ["A", ""],
        ]),
      ),
    );
  });

  it("writes binary bytes untouched: NUL, CR LF, 0x80-0xff", () => {
    const k = new Uint8Array([0x41, 0x00, 0x42]);
    const v = new Uint8Array([0x0d, 0x0a, 0x80, 0xff]);
    expect(hex(encodeVars([[k, v]]))).toBe("0300410042" + "04000d0a80ff");
  });

  it("encodes an empty input as an empty block", () => {
    expect(encodeVars([]).length).toBe(0);
    expect(encodeVars({}).length).toBe(0);
    expect(varsByteLength(new Map())).toBe(0);
  });
});

describe("encodeVars: what a plain object gives", () => {
  it("own enumerable string keys only: inherited ones (even on a polluted Object.prototype) are not vars", () => {
    const proto = { INHERITED: "x" };
    const o = Object.create(proto) as Record<string, string>;
    o["OWN"] = "1";
    Object.defineProperty(o, "HIDDEN", { value: "h", enumerable: false });
    (o as Record<symbol, string>)[Symbol("s")] = "s";
    const polluted = Object.prototype as Record<string, unknown>;
    polluted["POLLUTED"] = "p";
    try {
      expect(hex(encodeVars(o))).toBe(hex(varsBlock([["OWN", "1"]])));
      expect(hex(encodeVars({ A: "1" }))).toBe(hex(varsBlock([["A", "1"]])));
    } finally {
      delete polluted["POLLUTED"];
    }
  });

  it("strings of 32 chars and more: latin1 checked, utf8 checked for ASCII", () => {
    const latin = "é".repeat(40);
    expect(hex(encodeVars({ K: latin }))).toBe(hex(varsBlock([["K", latin]])));
    expectError(() => encodeVars({ A: "1", K: "€".repeat(40) }), "UNENCODABLE_STRING", 6 + 3);
    const utf8 = encodeVars({ K: latin }, { encoding: "utf8" });
    expect(utf8.length).toBe(2 + 1 + 2 + 80);
    expect(hex(utf8.subarray(5, 9))).toBe("c3a9c3a9");
  });
});

describe("encodeVars: text encodings", () => {
  it.each([
    ["é", "latin1", "e9"],
    ["é", "utf8", "c3a9"],
    ["€", "utf8", "e282ac"],
    ["ÿ".repeat(20), "latin1", "ff".repeat(20)],
    [`${"a".repeat(15)}é`, "latin1", `${"61".repeat(15)}e9`],
    ["😀", "utf8", "f09f9880"],
  ] as const)("%s in %s is %s", (s, encoding, want) => {
    const n = want.length / 2;
    expect(hex(encodeVars([["K", s]], { encoding }))).toBe(
      `01004b${hex(Buffer.from([n & 0xff, n >> 8]))}${want}`,
    );
    expect(hex(encodeVars([[s, ""]], { encoding }))).toBe(
      `${hex(Buffer.from([n & 0xff, n >> 8]))}${want}0000`,
    );
    expect(varsByteLength([[s, s]], { encoding })).toBe(4 + 2 * n);
  });

  it.each([
    ["€ in latin1", "€", "latin1"],
    ["€ after 20 ASCII chars in latin1", `${"a".repeat(20)}€`, "latin1"],
    ["a lone high surrogate in utf8", "a\uD800b", "utf8"],
    ["a lone low surrogate in utf8", "\uDC00", "utf8"],
    ["a lone surrogate in latin1", "\uD800", "latin1"],
  ] as const)("refuses %s (UNENCODABLE_STRING) and writes nothing", (_, s, encoding) => {
    const target = sentinel(64);
    expectError(() => encodeVarsInto([["K", s]], target, 0, { encoding }), "UNENCODABLE_STRING", 3);
    expectError(() => encodeVars([[s, "v"]], { encoding }), "UNENCODABLE_STRING", 0);
    expectError(() => varsByteLength({ K: s }, { encoding }), "UNENCODABLE_STRING", 3);
    expect(untouched(target)).toBe(true);
  });

  it('refuses encoding "ascii" (ERR_INVALID_ARG_VALUE) and writes nothing', () => {
    const opts = { encoding: "ascii" } as unknown as { encoding: "utf8" };
    const target = sentinel(8);
    expect(argumentError(() => encodeVars({ A: "1" }, opts)).code).toBe(VALUE);
    expect(argumentError(() => varsByteLength({ A: "1" }, opts)).code).toBe(VALUE);
    expect(argumentError(() => encodeVarsInto({ A: "1" }, target, 0, opts)).code).toBe(VALUE);
    expect(untouched(target)).toBe(true);
  });

  // Any letter case, as Buffer.isEncoding takes them (the types list the lower-case spellings).
  it.each(["utf8", "UTF8", "utf-8", "UTF-8", "Utf-8"])(
    "accepts Node's and WHATWG's spelling %j for utf8",
    (encoding) => {
      const options = { encoding } as EncodeOptions;
      expect(hex(encodeVars({ K: "é" }, options))).toBe("01004b0200c3a9");
      expect(decodeVars(encodeVars({ K: "é" }, options), options).encoding).toBe("utf8");
    },
  );

  it.each(["latin1", "LATIN1", "binary", "Binary"])(
    "accepts Node's spelling %j for latin1",
    (encoding) => {
      const options = { encoding } as EncodeOptions;
      expect(hex(encodeVars({ K: "é" }, options))).toBe("01004b0100e9");
      expect(decodeVars(encodeVars({ K: "é" }), options).encoding).toBe("latin1");
    },
  );
});

describe("encodeVarsInto", () => {
  it("writes at an offset, returns the bytes written and touches nothing outside them", () => {
    const target = sentinel(32);
    expect(encodeVarsInto({ A: "1", B: "" }, target, 7)).toBe(AB.length);
    expect(hex(target.subarray(7, 7 + AB.length))).toBe(hex(AB));
    expect(untouched(target, 0, 7) && untouched(target, 7 + AB.length)).toBe(true);
  });

  it("fills a target exactly to its end, and writes into a plain Uint8Array view", () => {
    const target = sentinel(AB.length + 3);
    expect(encodeVarsInto(oneShot(), target, 3)).toBe(AB.length);
    expect(hex(target)).toBe(`eeeeee${hex(AB)}`);
    const backing = new Uint8Array(AB.length + 4).fill(0xee);
    encodeVarsInto({ A: "1", B: "" }, backing.subarray(2, 2 + AB.length));
    expect(hex(backing)).toBe(`eeee${hex(AB)}eeee`);
  });

  it("writes nothing for an empty input, even at the very end of the target", () => {
    const target = sentinel(4);
    expect(encodeVarsInto([], target, 4)).toBe(0);
    expect(untouched(target)).toBe(true);
  });

  it.each([
    [AB.length - 1, 0],
    [AB.length + 2, 3],
    [0, 0],
  ])("refuses a %i-byte target at offset %i (BUFFER_TOO_SMALL), writing nothing", (size, at) => {
    const target = sentinel(size);
    expectError(() => encodeVarsInto({ A: "1", B: "" }, target, at), "BUFFER_TOO_SMALL", at);
    expect(untouched(target)).toBe(true);
  });

  it.each([-1, 1.5, 11])("refuses offset %s (ERR_OUT_OF_RANGE)", (at) => {
    const target = sentinel(10);
    expect(argumentError(() => encodeVarsInto({ A: "1" }, target, at)).code).toBe(RANGE);
    expect(untouched(target)).toBe(true);
  });

  it("takes the options in place of the offset", () => {
    const target = sentinel(12);
    expect(encodeVarsInto({ K: "é" }, target, { encoding: "utf8" })).toBe(7);
    expect(hex(target.subarray(0, 7))).toBe("01004b0200c3a9");
  });
});

describe("size limits", () => {
  const big = (n: number) => new Uint8Array(n).fill(0x61);

  it("accepts a 65535-byte value, refuses 65536 (FIELD_TOO_LONG) at its length field", () => {
    expect(varsByteLength([["", big(65535)]])).toBe(65539);
    expectError(() => varsByteLength([["K", big(65536)]]), "FIELD_TOO_LONG", 3);
    expectError(
      () =>
        encodeVars([
          ["A", "1"],
          ["K", big(65536)],
        ]),
      "FIELD_TOO_LONG",
      9,
    );
    expectError(() => encodeVars([["k".repeat(65536), ""]]), "FIELD_TOO_LONG", 0);
    expectError(
      () => encodeVars([["K", "é".repeat(32768)]], { encoding: "utf8" }),
      "FIELD_TOO_LONG",
      3,
    );
  });

  it("refuses a 65536-byte value without writing anything", () => {
    const target = sentinel(70000);
    expectError(() => encodeVarsInto([["K", big(65536)]], target), "FIELD_TOO_LONG", 3);
    expect(untouched(target)).toBe(true);
  });

  // Two vars with 1-byte keys take 10 bytes of lengths and keys: values of 32763 + 32763 make the
  // block 65536 bytes, one byte over what the u16 datasize can say.
  it("refuses a 65536-byte block (PACKET_TOO_LARGE) and writes nothing", () => {
    const pairs: [string, Uint8Array][] = [
      ["A", big(32763)],
      ["B", big(32763)],
    ];
    expect(varsByteLength(pairs)).toBe(65536);
    expectError(() => encodeVars(pairs), "PACKET_TOO_LARGE", 0);
    const target = sentinel(70000);
    expectError(() => encodeVarsInto(pairs, target, 5), "PACKET_TOO_LARGE", 5);
    expectError(() => encodePacket({ vars: pairs }), "PACKET_TOO_LARGE", 4);
    expectError(() => encodePacketInto({ vars: pairs }, target), "PACKET_TOO_LARGE", 4);
    expect(untouched(target)).toBe(true);
  });

  it("accepts a block of exactly 65535 bytes", () => {
    const pairs: [string, Uint8Array][] = [
      ["A", big(32763)],
      ["B", big(32762)],
    ];
    const block = encodeVars(pairs);
    expect(block.length).toBe(65535);
    expect(hex(block.subarray(0, 5))).toBe("010041fb7f");
    expect(hex(block.subarray(32768, 32773))).toBe("010042fa7f");
    const pkt = encodePacket({ vars: pairs });
    expect(hex(pkt.subarray(0, 4))).toBe("00ffff00");
    expect(pkt.subarray(4)).toEqual(block);
  });
});

describe("refused keys and values", () => {
  it.each<[string, unknown]>([
    ["a number key", [[1, "v"]]],
    ["a null key", [[null, "v"]]],
    ["an object key", [[{}, "v"]]],
    ["a number[] key", [[[0x41], "v"]]],
  ])("%s (ERR_INVALID_ARG_TYPE naming the key) and nothing written", (_, vars) => {
    const target = sentinel(16);
    const e = argumentError(() => encodeVarsInto(vars as VarsInput, target));
    expect(e.code).toBe(TYPE);
    expect(e.message).toContain('"vars[0][0]" argument must be a string or a Uint8Array');
    expect(untouched(target)).toBe(true);
  });

  it("a value that is undefined or a number (ERR_INVALID_ARG_TYPE naming the value)", () => {
    const e = argumentError(() => encodeVars({ K: undefined } as unknown as VarsInput));
    expect([e.code, e.message]).toEqual([
      TYPE,
      'The "vars.K" argument must be a string or a Uint8Array. Received undefined',
    ]);
    expect(argumentError(() => encodeVars([["KK", 5]] as unknown as VarsInput)).message).toBe(
      'The "vars[0][1]" argument must be a string or a Uint8Array. Received 5',
    );
    expect(
      argumentError(() => encodeVars([["K", null]] as unknown as VarsInput)).message,
    ).toContain("Received null");
  });
});

// Regression (found by these tests): field errors inside a packet, or in a block written at an
// offset, used to be reported at their offset in the vars block rather than in the output.
describe("offsets of field errors in the output being built", () => {
  const pairs: [string, Uint8Array][] = [["K", new Uint8Array(65536)]];
  const items = ["ab", new Uint8Array(65536)];
  it.each<[string, () => unknown, number]>([
    ["encodePacket: the value length field is at 4 + 3", () => encodePacket({ vars: pairs }), 7],
    [
      "encodePacketInto at 10: 10 + 4 + 3",
      () => encodePacketInto({ vars: pairs }, sentinel(9e4), 10),
      17,
    ],
    ["encodeVarsInto at 10: 10 + 3", () => encodeVarsInto(pairs, sentinel(9e4), 10), 13],
    ["encodePacket with items: 4 + 4", () => encodePacket({ modifier1: 173, items }), 8],
    [
      "encodePacketInto with items at 3: 3 + 4 + 4",
      () => encodePacketInto({ items }, sentinel(9e4), 3),
      11,
    ],
  ])("FIELD_TOO_LONG from %s", (_, fn, offset) => {
    expectError(fn, "FIELD_TOO_LONG", offset);
  });

  it("UNENCODABLE_STRING is placed the same way", () => {
    expectError(() => encodePacket({ vars: { A: "1", K: "€" } }), "UNENCODABLE_STRING", 4 + 6 + 3);
    expectError(() => encodeVarsInto({ K: "€" }, sentinel(20), 5), "UNENCODABLE_STRING", 5 + 3);
  });
});
