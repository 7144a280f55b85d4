// Decoding vars blocks: the VarsView API (look-ups, views that share memory, iteration, toObject,
// detach, encodings) and decodeVars' bounds and limits.
import { describe, expect, it } from "vitest";
import { decodeVars, encodeVars, type VarsView } from "../../src/index.js";
import { hex, unhex, varsBlock } from "../support/bytes.js";
import { argumentError } from "../support/checks.js";
import { expectError } from "../support/expect-error.js";

const RANGE = "ERR_OUT_OF_RANGE";

// 3 bytes before and 2 after the block, so every offset check sees a non-zero start.
const PAIRS = [
  ["REQUEST_METHOD", "GET"],
  ["X", "1"],
  ["__proto__", "p"],
  ["EMPTY", ""],
  ["X", "2"],
  ["\xe9t\xe9", "\xff\x00"],
] as const;
const BLOCK = varsBlock(PAIRS);
const START = 3;
const END = START + BLOCK.length;

function source(): Buffer {
  return Buffer.concat([unhex("aabbcc"), BLOCK, unhex("ddee")]);
}

function view(src = source()): VarsView {
  return decodeVars(src, START, END);
}

describe("VarsView basics", () => {
  it("size, byteLength and encoding", () => {
    const v = view();
    expect([v.size, v.byteLength, v.encoding]).toEqual([6, BLOCK.length, "latin1"]);
  });

  it("raw is the block itself, sharing the source's memory", () => {
    const src = source();
    const raw = view(src).raw;
    expect(hex(raw)).toBe(hex(BLOCK));
    expect(raw.buffer).toBe(src.buffer);
    expect(raw.byteOffset).toBe(src.byteOffset + START);
  });

  it("get: the last duplicate wins; missing keys give undefined", () => {
    const v = view();
    expect(v.get("X")).toBe("2");
    expect(v.get("REQUEST_METHOD")).toBe("GET");
    expect(v.get("EMPTY")).toBe("");
    expect(v.get("\xe9t\xe9")).toBe("\xff\x00");
    expect(v.get("x")).toBeUndefined();
    expect(v.get("REQUEST_METHO")).toBeUndefined();
    expect(v.get("")).toBeUndefined();
    expect(v.get("€")).toBeUndefined();
  });

  it("getAll: every value for the key, in wire order", () => {
    const v = view();
    expect(v.getAll("X")).toEqual(["1", "2"]);
    expect(v.getAll("EMPTY")).toEqual([""]);
    expect(v.getAll("nope")).toEqual([]);
  });

  it("has and indexOf (the last index of the key)", () => {
    const v = view();
    expect([v.has("X"), v.has("EMPTY"), v.has("Y")]).toEqual([true, true, false]);
    expect([v.indexOf("X"), v.indexOf("REQUEST_METHOD"), v.indexOf("Y")]).toEqual([4, 0, -1]);
  });

  it("getBytes is a view of the source: its bytes change with the source", () => {
    const src = source();
    const v = view(src);
    const got = v.getBytes("REQUEST_METHOD")!;
    expect(Buffer.from(got).toString("latin1")).toBe("GET");
    expect(got.buffer).toBe(src.buffer);
    const at = START + 2 + 14 + 2;
    expect(got.byteOffset).toBe(src.byteOffset + at);
    src[at] = 0x50; // "P"
    expect(Buffer.from(got).toString("latin1")).toBe("PET");
    expect(v.get("REQUEST_METHOD")).toBe("PET");
    expect(v.getBytes("nope")).toBeUndefined();
    // The last X=... starts at 50 in the block; its value byte at 50 + 2 + 1 + 2.
    expect(v.getBytes("X")!.byteOffset).toBe(src.byteOffset + START + 55);
  });

  it("index accessors, in wire order", () => {
    const src = source();
    const v = view(src);
    expect(PAIRS.map((_, i) => [v.keyAt(i), v.valueAt(i)])).toEqual(PAIRS.map(([k, x]) => [k, x]));
    expect(hex(v.keyBytesAt(5))).toBe("e974e9");
    expect(hex(v.valueBytesAt(5))).toBe("ff00");
    expect(v.keyBytesAt(0).byteOffset).toBe(src.byteOffset + START + 2);
    expect(v.valueBytesAt(3).length).toBe(0);
    expect(v.keyBytesAt(0).buffer).toBe(src.buffer);
  });

  it.each([-1, 6, 1.5, Number.NaN, 2 ** 32])(
    "index %s is refused by every accessor (ERR_OUT_OF_RANGE)",
    (i) => {
      const v = view();
      expect(argumentError(() => v.keyAt(i)).code).toBe(RANGE);
      expect(argumentError(() => v.valueAt(i)).code).toBe(RANGE);
      expect(argumentError(() => v.keyBytesAt(i)).code).toBe(RANGE);
      expect(argumentError(() => v.valueBytesAt(i)).code).toBe(RANGE);
    },
  );

  it("entries, keys, entriesBytes and the iterator walk wire order with duplicates", () => {
    const v = view();
    const want = PAIRS.map(([k, x]) => [k, x]);
    expect([...v.entries()]).toEqual(want);
    expect([...v]).toEqual(want);
    expect([...v.keys()]).toEqual(PAIRS.map(([k]) => k));
    expect(
      [...v.entriesBytes()].map(([k, x]) => [
        Buffer.from(k).toString("latin1"),
        Buffer.from(x).toString("latin1"),
      ]),
    ).toEqual(want);
  });

  it("toObject: null prototype, __proto__ as an own key, the last duplicate wins", () => {
    const o = view().toObject();
    expect(Object.getPrototypeOf(o)).toBeNull();
    expect(Object.keys(o)).toEqual(["REQUEST_METHOD", "X", "__proto__", "EMPTY", "\xe9t\xe9"]);
    expect(Object.hasOwn(o, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(o, "__proto__")?.value).toBe("p");
    expect(o["X"]).toBe("2");
  });

  it("detach: same vars over its own memory, independent of the source", () => {
    const src = source();
    const v = view(src);
    const d = v.detach();
    src.fill(0);
    // Small Buffers may share Node's pool: what matters is that the bytes do not overlap.
    const r = d.raw;
    const overlaps =
      r.buffer === src.buffer &&
      r.byteOffset < src.byteOffset + src.length &&
      src.byteOffset < r.byteOffset + r.length;
    expect(overlaps).toBe(false);
    expect([d.size, d.byteLength, d.encoding]).toEqual([6, BLOCK.length, "latin1"]);
    expect(hex(d.raw)).toBe(hex(BLOCK));
    expect([...d]).toEqual(PAIRS.map(([k, x]) => [k, x]));
    expect(d.get("X")).toBe("2");
    expect(hex(d.getBytes("\xe9t\xe9")!)).toBe("ff00");
    // The original view now reads zeros: it never copied.
    expect(v.raw.every((byte) => byte === 0)).toBe(true);
    expect(v.get("X")).toBeUndefined();
  });
});

describe("VarsView with encoding utf8", () => {
  const block = varsBlock([
    [unhex("c3a9"), unhex("e282ac")],
    [Buffer.from("clé-très-longue", "utf8"), Buffer.from("ok", "utf8")],
    ["A", "1"],
  ]);

  it("decodes keys and values as UTF-8 and finds non-ASCII keys", () => {
    const v = decodeVars(block, 0, block.length, { encoding: "utf8" });
    expect(v.encoding).toBe("utf8");
    expect(v.toObject()).toEqual({ é: "€", "clé-très-longue": "ok", A: "1" });
    expect(v.get("é")).toBe("€");
    expect(v.get("clé-très-longue")).toBe("ok");
    expect(v.indexOf("clé-très-longue")).toBe(1);
    expect(v.getAll("é")).toEqual(["€"]);
    expect(v.get("\xc3\xa9")).toBeUndefined();
    expect(v.has("e")).toBe(false);
    expect(v.get("ü")).toBeUndefined(); // c3 bc: same length as c3 a9, differs in the last byte
    expect(v.getAll("ü")).toEqual([]);
    expect(v.detach().get("é")).toBe("€");
  });

  it("latin1 (the default) sees the same bytes one char each", () => {
    const v = decodeVars(block);
    expect(v.get("\xc3\xa9")).toBe("\xe2\x82\xac");
    expect(v.get("é")).toBeUndefined();
  });

  it("INVALID_UTF8 comes from reading, at the offset of the bad bytes", () => {
    const bad = Buffer.concat([
      unhex("0000"),
      varsBlock([
        ["A", [0xff]],
        [[0xc3], "v"],
      ]),
    ]);
    const v = decodeVars(bad, 2, bad.length, { encoding: "utf8" });
    expectError(() => v.get("A"), "INVALID_UTF8", 2 + 5);
    expectError(() => v.keyAt(1), "INVALID_UTF8", 2 + 6 + 2);
    expectError(() => v.toObject(), "INVALID_UTF8", 2 + 5);
    expect(v.getBytes("A")![0]).toBe(0xff);
    expect(v.valueAt(1)).toBe("v");
  });

  // Regression (found by these tests): a lone surrogate has no UTF-8 bytes, but the look-up used
  // Buffer.from(key, "utf8"), which turns it into EF BF BD (U+FFFD), so it matched that key.
  it("a lone surrogate key matches nothing", () => {
    const v = decodeVars(varsBlock([[unhex("efbfbd"), "x"]]), 0, undefined, { encoding: "utf8" });
    expect(v.get("\uFFFD")).toBe("x");
    expect(v.has("\uD800")).toBe(false);
    expect(v.get("\uD800")).toBeUndefined();
    expect(v.getAll("\uD800")).toEqual([]);
    expect(v.getAll("\uFFFD")).toEqual(["x"]);
  });
});

describe("VarsView strings: every path gives the same text", () => {
  // A view cuts keys and values out of one text of its block when it can (latin1; utf8 when every
  // key and value is ASCII; blocks up to TEXT_MAX bytes) and decodes each on its own otherwise.
  const long = "v".repeat(200); // a 200-byte value: its length field holds a byte over 0x7f (c8 00)
  const cases: [string, [string, string | number[]][], "latin1" | "utf8", string[]][] = [
    [
      "latin1, small block",
      [
        ["A", "1"],
        ["\xe9", "\xff"],
      ],
      "latin1",
      ["A", "1", "\xe9", "\xff"],
    ],
    [
      "utf8, all ASCII",
      [
        ["A", "1"],
        ["B", long],
      ],
      "utf8",
      ["A", "1", "B", long],
    ],
    [
      "utf8, a length byte over 0x7f",
      [
        ["A", long],
        ["B", "2"],
      ],
      "utf8",
      ["A", long, "B", "2"],
    ],
    [
      "utf8, one field not ASCII",
      [
        ["A", "1"],
        ["K", [0xc3, 0xa9]],
      ],
      "utf8",
      ["A", "1", "K", "é"],
    ],
    [
      "utf8, a length byte over 0x7f and a field not ASCII",
      [
        ["A", long],
        ["K", [0xc3, 0xa9]],
      ],
      "utf8",
      ["A", long, "K", "é"],
    ],
    [
      "latin1, a block over 4 KiB",
      [
        ["A", "x".repeat(5000)],
        ["B", "\xe9"],
      ],
      "latin1",
      ["A", "x".repeat(5000), "B", "\xe9"],
    ],
    [
      "utf8, a block over 4 KiB",
      [
        ["A", "x".repeat(5000)],
        ["B", [0xe2, 0x82, 0xac]],
      ],
      "utf8",
      ["A", "x".repeat(5000), "B", "€"],
    ],
  ];

  it.each(cases)("%s", (_, pairs, encoding, want) => {
    const block = varsBlock(pairs as never);
    // Every order of first access: a string first, then the others, from a fresh view each time.
    for (let first = 0; first < want.length; first++) {
      const v = decodeVars(block, { encoding });
      const at = (j: number) => (j % 2 === 0 ? v.keyAt(j >> 1) : v.valueAt(j >> 1));
      expect(at(first)).toBe(want[first]);
      expect(want.map((_, j) => at(j))).toEqual(want);
    }
    const v = decodeVars(block, { encoding });
    expect([...v]).toEqual(pairs.map((_, i) => [want[2 * i], want[2 * i + 1]]));
    expect(v.toObject()).toEqual(Object.fromEntries(v));
  });

  it("a string taken from a small block does not change when the source does", () => {
    const block = varsBlock([["KEY", "value-long-enough"]]);
    const v = decodeVars(block);
    const value = v.valueAt(0);
    block.fill(0x41);
    expect(value).toBe("value-long-enough");
  });
});

describe("decodeVars", () => {
  it("decodes a whole buffer by default, including a plain Uint8Array at a byteOffset", () => {
    const backing = new Uint8Array(BLOCK.length + 4);
    backing.set(BLOCK, 4);
    const u8 = backing.subarray(4);
    const v = decodeVars(u8);
    expect(v.get("X")).toBe("2");
    const got = v.getBytes("REQUEST_METHOD")!;
    expect(Buffer.isBuffer(got)).toBe(true);
    expect(got.buffer).toBe(backing.buffer);
    expect(got.byteOffset).toBe(4 + 2 + 14 + 2);
  });

  it("reads only between start and end", () => {
    const src = source();
    const v = decodeVars(src, START + 21, START + 21 + 6);
    expect([...v]).toEqual([["X", "1"]]);
    expect(decodeVars(src, 5, 5).size).toBe(0);
    expect(decodeVars(src, src.length).size).toBe(0);
  });

  it("reports errors at their offset in the buffer, not in the block", () => {
    const src = Buffer.concat([unhex("ffffffffff"), varsBlock([["A", "1"]]), unhex("00000000")]);
    expectError(() => decodeVars(src, 5), "EMPTY_KEY", 11);
    expectError(() => decodeVars(src, 5, 12), "TRAILING_BYTES", 11);
    expectError(() => decodeVars(src, 5, 10), "VALUE_OVERRUNS_DATASIZE", 8);
    expectError(() => decodeVars(src, 0, 5), "KEY_OVERRUNS_DATASIZE", 0);
  });

  it.each<[string, number, number]>([
    ["start after end", 5, 4],
    ["a negative start", -1, 4],
    ["end past the buffer", 0, 11],
    ["a fractional start", 0.5, 4],
    ["a NaN end", 0, Number.NaN],
  ])("refuses %s (ERR_OUT_OF_RANGE)", (_, start, end) => {
    expect(argumentError(() => decodeVars(Buffer.alloc(10), start, end)).code).toBe(RANGE);
  });

  it("refuses a block over 65535 bytes (DATASIZE_OVER_LIMIT at its start)", () => {
    const src = Buffer.alloc(65540);
    expectError(() => decodeVars(src, 2, 65538), "DATASIZE_OVER_LIMIT", 2);
    expectError(() => decodeVars(src, 0, 65535), "EMPTY_KEY", 0);
  });

  it("maxVars: 128 by default, any count with Infinity, none with 0", () => {
    const many = (n: number) =>
      varsBlock(Array.from({ length: n }, (_, i) => [`K${i}`, `${i}`] as const));
    expect(decodeVars(many(128)).size).toBe(128);
    expectError(() => decodeVars(many(129)), "TOO_MANY_VARS", many(128).length);
    const huge = decodeVars(many(3000), 0, undefined, { maxVars: Number.POSITIVE_INFINITY });
    expect([huge.size, huge.get("K2999"), huge.keyAt(1234)]).toEqual([3000, "2999", "K1234"]);
    expect(decodeVars(many(0), 0, 0, { maxVars: 0 }).size).toBe(0);
    expectError(() => decodeVars(many(1), 0, undefined, { maxVars: 0 }), "TOO_MANY_VARS", 0);
  });

  it("maxVars around the most vars a block can hold (4 bytes each): refused exactly past it", () => {
    const empty = (n: number) => new Uint8Array(4 * n); // n vars of an empty key and value
    const opts = (maxVars: number) => ({ allowEmptyKeys: true, maxVars });
    for (const maxVars of [3, 4, 1000, Number.POSITIVE_INFINITY]) {
      expect(decodeVars(empty(3), 0, undefined, opts(maxVars)).size).toBe(3);
    }
    expectError(() => decodeVars(empty(3), 0, undefined, opts(2)), "TOO_MANY_VARS", 8);
    expectError(() => decodeVars(empty(4), 0, undefined, opts(3)), "TOO_MANY_VARS", 12);
    const last = decodeVars(empty(3), 0, undefined, opts(3));
    expect([last.keyAt(2), last.valueAt(2), last.toObject()]).toEqual(["", "", { "": "" }]);
  });

  it("allowEmptyKeys: an empty key and an empty value make a 4-byte var", () => {
    const block = unhex("0000 0000  0000 0100 78");
    expectError(() => decodeVars(block), "EMPTY_KEY", 0);
    const v = decodeVars(block, 0, undefined, { allowEmptyKeys: true });
    expect([...v]).toEqual([
      ["", ""],
      ["", "x"],
    ]);
    expect(v.get("")).toBe("x");
  });

  it("keeps every view's offsets intact across many decodes", () => {
    // Views share offset storage: thousands of live views must never see each other's entries.
    const views = Array.from({ length: 3000 }, (_, n) => {
      const block = varsBlock(
        Array.from({ length: 1 + (n % 40) }, (_, i) => [`K${i}`, `${n}`] as const),
      );
      return decodeVars(block);
    });
    views.forEach((v, n) => {
      expect(v.size).toBe(1 + (n % 40));
      expect(v.keyAt(v.size - 1)).toBe(`K${v.size - 1}`);
      expect(v.get("K0")).toBe(`${n}`);
    });
  });
});

describe("VarsView.contentLength", () => {
  const view = (pairs: [string, string][]) => decodeVars(encodeVars(pairs));

  it("reads the last CONTENT_LENGTH in place, as uWSGI does", () => {
    expect(view([]).contentLength()).toBe(0);
    expect(view([["CONTENT_LENGTH", ""]]).contentLength()).toBe(0);
    expect(view([["CONTENT_LENGTH", "5xyz"]]).contentLength()).toBe(5);
    expect(view([["CONTENT_LENGTH", "-5"]]).contentLength()).toBe(0);
    expect(
      view([
        ["CONTENT_LENGTH", "1"],
        ["A", "b"],
        ["CONTENT_LENGTH", "1048576"],
      ]).contentLength(),
    ).toBe(1048576);
  });

  it("strict refuses anything but digits at the value's offset, or at the one given", () => {
    const v = view([
      ["A", "b"],
      ["CONTENT_LENGTH", "12a"],
    ]);
    // Var 2 starts at 2+1+2+1 = 6; its value field at 6 + 2 + 14 = 22.
    expect(() => v.contentLength(true)).toThrow(
      expect.objectContaining({ code: "INVALID_CONTENT_LENGTH", offset: 22 }),
    );
    expect(() => v.contentLength(true, 1000)).toThrow(
      expect.objectContaining({ code: "INVALID_CONTENT_LENGTH", offset: 1000 }),
    );
    expect(() => view([["CONTENT_LENGTH", "9".repeat(20)]]).contentLength()).toThrow(
      expect.objectContaining({ code: "BODY_TOO_LARGE" }),
    );
  });
});
