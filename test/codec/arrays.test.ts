// uwsgi arrays (`u16 LE size | bytes` items, no keys): RPC calls and cache sets. decodeArray and
// the UwsgiArray view, encodeArray / encodeArrayInto / arrayByteLength, limits.
import { describe, expect, it } from "vitest";
import {
  arrayByteLength,
  decodeArray,
  encodeArray,
  encodeArrayInto,
  type UwsgiArray,
  type VarBytes,
} from "../../src/index.js";
import { arrayBlock, hex, sentinel, unhex, untouched } from "../support/bytes.js";
import { argumentError } from "../support/checks.js";
import { expectError } from "../support/expect-error.js";

const RANGE = "ERR_OUT_OF_RANGE";

const ITEMS = ["hello", "", "a\x00\xff"] as const;
const BLOCK = arrayBlock(ITEMS); // 0500 68656c6c6f  0000  0300 6100ff

function source(): Buffer {
  return Buffer.concat([unhex("aabb"), BLOCK, unhex("cc")]);
}

function view(src = source()): UwsgiArray {
  return decodeArray(src, 2, 2 + BLOCK.length);
}

describe("UwsgiArray", () => {
  it("length, get, toArray and the iterator keep empty items in place", () => {
    const a = view();
    expect(a.length).toBe(3);
    expect([a.get(0), a.get(1), a.get(2)]).toEqual([...ITEMS]);
    expect(a.toArray()).toEqual([...ITEMS]);
    expect([...a]).toEqual([...ITEMS]);
  });

  it("raw and getBytes are views of the source", () => {
    const src = source();
    const a = view(src);
    expect(hex(a.raw)).toBe(hex(BLOCK));
    expect(a.raw.buffer).toBe(src.buffer);
    expect(a.raw.byteOffset).toBe(src.byteOffset + 2);
    const item = a.getBytes(2);
    expect(hex(item)).toBe("6100ff");
    expect(item.byteOffset).toBe(src.byteOffset + 2 + 7 + 2 + 2);
    src[2 + 7 + 2 + 2] = 0x62;
    expect(a.get(2)).toBe("b\x00\xff");
    expect(a.getBytes(1).length).toBe(0);
  });

  it.each([-1, 3, 0.5, Number.NaN])("refuses index %s (ERR_OUT_OF_RANGE)", (i) => {
    const a = view();
    expect(argumentError(() => a.get(i)).code).toBe(RANGE);
    expect(argumentError(() => a.getBytes(i)).code).toBe(RANGE);
  });

  it("detach copies: the source can then be overwritten", () => {
    const src = source();
    const a = view(src);
    const d = a.detach();
    src.fill(0);
    expect(d.toArray()).toEqual([...ITEMS]);
    expect(hex(d.raw)).toBe(hex(BLOCK));
    expect(a.raw.every((b) => b === 0)).toBe(true);
  });

  it("reads items as utf8 on request, INVALID_UTF8 at the bad item's bytes", () => {
    const block = arrayBlock([Buffer.from("café", "utf8"), [0xc3]]);
    const a = decodeArray(block, 0, block.length, { encoding: "utf8" });
    expect(a.get(0)).toBe("café");
    expectError(() => a.get(1), "INVALID_UTF8", 7 + 2);
    expect(decodeArray(block).get(0)).toBe("caf\xc3\xa9");
  });
});

describe("decodeArray", () => {
  it("decodes an empty payload as no items, and a whole plain Uint8Array by default", () => {
    expect(decodeArray(new Uint8Array(0)).length).toBe(0);
    const u8 = new Uint8Array([0, ...BLOCK]).subarray(1);
    expect(decodeArray(u8).toArray()).toEqual([...ITEMS]);
  });

  it("reports errors at their offset in the buffer", () => {
    const src = Buffer.concat([unhex("ffff"), arrayBlock(["ab"]), unhex("05")]);
    expectError(() => decodeArray(src, 2), "TRAILING_BYTES", 6);
    expectError(() => decodeArray(src, 2, 5), "ITEM_OVERRUNS_DATASIZE", 2);
    expectError(() => decodeArray(src, 0, 6), "ITEM_OVERRUNS_DATASIZE", 0);
  });

  it.each<[number, number]>([
    [3, 2],
    [-1, 2],
    [0, 9],
    [1.5, 2],
  ])("refuses bounds %s..%s (ERR_OUT_OF_RANGE)", (start, end) => {
    expect(argumentError(() => decodeArray(Buffer.alloc(8), start, end)).code).toBe(RANGE);
  });

  it("refuses a payload over 65535 bytes (DATASIZE_OVER_LIMIT at its start)", () => {
    expectError(() => decodeArray(Buffer.alloc(65537), 1), "DATASIZE_OVER_LIMIT", 1);
  });

  it("maxItems: 255 by default (uWSGI's RPC maximum), any with Infinity, checked", () => {
    const n = (count: number) => arrayBlock(Array.from({ length: count }, () => "x"));
    expect(decodeArray(n(255)).length).toBe(255);
    expectError(() => decodeArray(n(256)), "TOO_MANY_VARS", 255 * 3);
    const all = decodeArray(n(1000), 0, undefined, { maxItems: Number.POSITIVE_INFINITY });
    expect(all.length).toBe(1000);
    expectError(() => decodeArray(n(3), 0, undefined, { maxItems: 2 }), "TOO_MANY_VARS", 6);
    expect(argumentError(() => decodeArray(n(1), { maxItems: -1 })).code).toBe(RANGE);
    expect(argumentError(() => decodeArray(n(1), 0, { maxItems: 2.5 })).code).toBe(RANGE);
  });
});

describe("encodeArray / encodeArrayInto / arrayByteLength", () => {
  function* gen(): Generator<VarBytes> {
    yield "hello";
    yield new Uint8Array(0);
    yield Buffer.from([0x61, 0x00, 0xff]);
  }

  it.each<[string, () => Iterable<VarBytes>]>([
    ["an array of strings", () => [...ITEMS]],
    ["a one-shot generator of strings and bytes", gen],
    ["a Set", () => new Set<VarBytes>(ITEMS)],
  ])("encodes %s", (_, make) => {
    expect(hex(encodeArray(make()))).toBe(hex(BLOCK));
    expect(arrayByteLength(make())).toBe(BLOCK.length);
    const target = sentinel(BLOCK.length + 6);
    expect(encodeArrayInto(make(), target, 3)).toBe(BLOCK.length);
    expect(hex(target.subarray(3, 3 + BLOCK.length))).toBe(hex(BLOCK));
    expect(untouched(target, 0, 3) && untouched(target, 3 + BLOCK.length)).toBe(true);
  });

  it("encodes no items as nothing, and strings in utf8 on request", () => {
    expect(encodeArray([]).length).toBe(0);
    expect(hex(encodeArray(["é"], { encoding: "utf8" }))).toBe("0200c3a9");
    expect(hex(encodeArray(["é"]))).toBe("0100e9");
    expect(arrayByteLength(["é"], { encoding: "utf8" })).toBe(4);
  });

  it("refuses a target without room (BUFFER_TOO_SMALL) and writes nothing", () => {
    const target = sentinel(BLOCK.length + 2);
    expectError(() => encodeArrayInto(ITEMS, target, 3), "BUFFER_TOO_SMALL", 3);
    expect(untouched(target)).toBe(true);
    expect(argumentError(() => encodeArrayInto(ITEMS, target, -1)).code).toBe(RANGE);
  });

  it("refuses an item of 65536 bytes (FIELD_TOO_LONG at its length field), writes nothing", () => {
    const target = sentinel(70000);
    const items = ["ab", new Uint8Array(65536)];
    expectError(() => encodeArrayInto(items, target), "FIELD_TOO_LONG", 4);
    expectError(() => encodeArray(items), "FIELD_TOO_LONG", 4);
    expectError(() => arrayByteLength(items), "FIELD_TOO_LONG", 4);
    expect(untouched(target)).toBe(true);
  });

  it("accepts 65535 bytes in all, refuses 65536 (PACKET_TOO_LARGE), writes nothing", () => {
    // Two items: 4 bytes of lengths, 32766 + 32765 bytes of data = 65535.
    const ok = [new Uint8Array(32766), new Uint8Array(32765)];
    expect(encodeArray(ok).length).toBe(65535);
    const over = [new Uint8Array(32766), new Uint8Array(32766)];
    expect(arrayByteLength(over)).toBe(65536);
    expectError(() => encodeArray(over), "PACKET_TOO_LARGE", 0);
    const target = sentinel(70000);
    expectError(() => encodeArrayInto(over, target, 9), "PACKET_TOO_LARGE", 9);
    expect(untouched(target)).toBe(true);
  });

  it("takes the options in place of the offset", () => {
    const target = sentinel(8);
    expect(encodeArrayInto(["é"], target, { encoding: "utf8" })).toBe(4);
    expect(hex(target.subarray(0, 4))).toBe("0200c3a9");
  });

  it("refuses an item that is not a string or bytes, and unencodable strings", () => {
    expect(argumentError(() => encodeArray([1 as unknown as string])).message).toBe(
      'The "items[0]" argument must be a string or a Uint8Array. Received 1',
    );
    expectError(() => encodeArray(["ok", "€"]), "UNENCODABLE_STRING", 4);
    expectError(() => encodeArray(["\uDFFF"], { encoding: "utf8" }), "UNENCODABLE_STRING", 0);
  });
});
