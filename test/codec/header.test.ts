// The 4-byte header: modifier1 (u8), datasize (u16 little-endian), modifier2 (u8).
import { describe, expect, it } from "vitest";
import {
  decodePacket,
  HEADER_SIZE,
  MAX_DATASIZE,
  MAX_U16,
  type PacketHeader,
  readHeader,
  writeHeader,
} from "../../src/index.js";
import { hex, sentinel, untouched } from "../support/bytes.js";
import { argumentError } from "../support/checks.js";
import { expectError } from "../support/expect-error.js";

describe("constants", () => {
  it("are the wire sizes", () => {
    expect([HEADER_SIZE, MAX_DATASIZE, MAX_U16]).toEqual([4, 65535, 65535]);
  });
});

describe("readHeader", () => {
  it.each([
    ["00 0000 00", 0, 0x0000, 0],
    ["00 0100 00", 0, 0x0001, 0],
    ["00 0001 00", 0, 0x0100, 0],
    ["00 3412 00", 0, 0x1234, 0],
    ["ff ffff ff", 255, 0xffff, 255],
    ["64 0000 01", 100, 0, 1],
  ])("%s -> modifier1 %i, datasize %i, modifier2 %i", (h, modifier1, datasize, modifier2) => {
    const buf = Buffer.from(h.replace(/\s/g, ""), "hex");
    expect(readHeader(buf)).toEqual({ modifier1, datasize, modifier2 });
  });

  it("reads the bytes 'HTTP' of an HTTP answer as modifier1 72, datasize 21588, modifier2 80", () => {
    expect(readHeader(Buffer.from("HTTP/1.1 200 OK", "latin1"))).toEqual({
      modifier1: 72,
      datasize: 0x5454,
      modifier2: 80,
    });
  });

  it("reads at an offset, ignoring bytes before and after", () => {
    const buf = Buffer.from("ffffffad0c0002ffff", "hex");
    expect(readHeader(buf, 3)).toEqual({ modifier1: 173, datasize: 12, modifier2: 2 });
  });

  it("reads from a plain Uint8Array view with a byteOffset", () => {
    const backing = new Uint8Array([9, 9, 111, 3, 0, 17]);
    expect(readHeader(backing.subarray(2))).toEqual({ modifier1: 111, datasize: 3, modifier2: 17 });
  });

  it.each([
    [0, 0, 4],
    [1, 0, 3],
    [2, 0, 2],
    [3, 0, 1],
    [5, 3, 2],
  ])("of %i bytes from offset %i is TRUNCATED, %i needed, at that offset", (len, at, needed) => {
    const e = expectError(() => readHeader(Buffer.alloc(len), at), "TRUNCATED", at);
    expect(e.needed).toBe(needed);
  });

  it.each([-1, 1.5, 9, Number.NaN])("refuses offset %s (ERR_OUT_OF_RANGE)", (at) => {
    expect(argumentError(() => readHeader(Buffer.alloc(8), at)).code).toBe("ERR_OUT_OF_RANGE");
  });

  it("reads any BufferSource: an ArrayBuffer, a DataView", () => {
    const bytes = Uint8Array.of(173, 0x34, 0x12, 5);
    const want = { modifier1: 173, datasize: 0x1234, modifier2: 5 };
    expect(readHeader(bytes.buffer)).toEqual(want);
    expect(readHeader(new DataView(bytes.buffer))).toEqual(want);
  });
});

describe("writeHeader", () => {
  it.each([
    [{ modifier1: 0, datasize: 0x0001, modifier2: 0 }, "00010000"],
    [{ modifier1: 0, datasize: 0x0100, modifier2: 0 }, "00000100"],
    [{ modifier1: 0, datasize: 0xffff, modifier2: 0 }, "00ffff00"],
    [{ modifier1: 173, datasize: 0x1234, modifier2: 5 }, "ad341205"],
    [{ modifier1: 255, datasize: 0, modifier2: 255 }, "ff0000ff"],
  ])("%o -> %s", (header, want) => {
    const buf = sentinel(4);
    expect(writeHeader(buf, 0, header)).toBe(4);
    expect(hex(buf)).toBe(want);
    expect(readHeader(buf)).toEqual(header);
  });

  it("writes exactly 4 bytes at an offset and nothing around them", () => {
    const buf = sentinel(12);
    expect(writeHeader(buf, 5, { modifier1: 100, datasize: 0x0203, modifier2: 1 })).toBe(4);
    expect(hex(buf.subarray(5, 9))).toBe("64030201");
    expect(untouched(buf, 0, 5) && untouched(buf, 9)).toBe(true);
  });

  it("writes into a plain Uint8Array at its own offsets", () => {
    const backing = new Uint8Array(8).fill(0xee);
    writeHeader(backing.subarray(2, 6), 0, { modifier1: 1, datasize: 2, modifier2: 3 });
    expect(hex(backing)).toBe("eeee01020003eeee");
  });

  it.each<[string, PacketHeader, string]>([
    ["modifier1 256", { modifier1: 256, datasize: 0, modifier2: 0 }, "header.modifier1"],
    ["modifier1 -1", { modifier1: -1, datasize: 0, modifier2: 0 }, "header.modifier1"],
    ["modifier1 1.5", { modifier1: 1.5, datasize: 0, modifier2: 0 }, "header.modifier1"],
    ["modifier2 256", { modifier1: 0, datasize: 0, modifier2: 256 }, "header.modifier2"],
    ["modifier2 -1", { modifier1: 0, datasize: 0, modifier2: -1 }, "header.modifier2"],
    ["modifier2 NaN", { modifier1: 0, datasize: 0, modifier2: Number.NaN }, "header.modifier2"],
    ["datasize -1", { modifier1: 0, datasize: -1, modifier2: 0 }, "header.datasize"],
    ["datasize 1.5", { modifier1: 0, datasize: 1.5, modifier2: 0 }, "header.datasize"],
    ["datasize 65536", { modifier1: 0, datasize: 65536, modifier2: 0 }, "header.datasize"],
    ["datasize 2^32", { modifier1: 0, datasize: 2 ** 32, modifier2: 0 }, "header.datasize"],
  ])("refuses %s (ERR_OUT_OF_RANGE naming the field) and writes nothing", (_, header, name) => {
    const buf = sentinel(8);
    const e = argumentError(() => writeHeader(buf, 2, header));
    expect(e).toBeInstanceOf(RangeError);
    expect(e.code).toBe("ERR_OUT_OF_RANGE");
    expect(e.message).toContain(`"${name}"`);
    expect(untouched(buf)).toBe(true);
  });

  it("takes a decoded packet as the header (other keys are ignored)", () => {
    const buf = sentinel(4);
    writeHeader(buf, 0, decodePacket(Uint8Array.of(100, 0, 0, 1)));
    expect(hex(buf)).toBe("64000001");
  });

  it.each([
    [3, 0],
    [8, 5],
    [8, 8],
  ])("refuses a %i-byte buffer at offset %i (BUFFER_TOO_SMALL) and writes nothing", (len, at) => {
    const buf = sentinel(len);
    expectError(
      () => writeHeader(buf, at, { modifier1: 0, datasize: 0, modifier2: 0 }),
      "BUFFER_TOO_SMALL",
      at,
    );
    expect(untouched(buf)).toBe(true);
  });

  it.each([-1, 0.5, 9])("refuses offset %s (ERR_OUT_OF_RANGE)", (at) => {
    const buf = sentinel(8);
    const header = { modifier1: 0, datasize: 0, modifier2: 0 };
    expect(argumentError(() => writeHeader(buf, at, header)).code).toBe("ERR_OUT_OF_RANGE");
    expect(untouched(buf)).toBe(true);
  });
});
