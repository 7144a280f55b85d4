import { describe, expect, it } from "vitest";
import { captureFormatOf, type Frame } from "../../src/capture/capture-format.js";
import { CaptureReader } from "../../src/capture/capture-reader.js";
import { CaptureError } from "../../src/capture/errors.js";
import { writePcap, writePcapng } from "./support/pcap-writer.js";

interface Seen {
  linkType: number;
  data: string;
  originalLength: number;
  seconds: number;
  nanos: number;
  offset: number;
  interfaceId: number;
}

/** Reads `file` pushed in pieces of `step` bytes; returns the frames (copied) or the error. */
function read(file: Buffer, step = file.length, maxRecordSize?: number): Seen[] {
  const seen: Seen[] = [];
  const reader = new CaptureReader(
    {
      onFrame(f: Frame) {
        seen.push({ ...f, data: f.data.toString("hex") });
      },
    },
    maxRecordSize === undefined ? {} : { maxRecordSize },
  );
  for (let i = 0; i < file.length; i += Math.max(1, step)) reader.push(file.subarray(i, i + step));
  reader.end();
  expect(reader.frames).toBe(seen.length);
  expect(reader.bytesRead).toBe(file.length);
  return seen;
}

function errorOf(fn: () => unknown): CaptureError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CaptureError);
    return err as CaptureError;
  }
  throw new Error("no error");
}

const records = [
  { linkType: 1, data: Buffer.from("aabbccdd", "hex"), seconds: 1700000000, nanos: 123456789 },
  {
    linkType: 1,
    data: Buffer.from("0102030405", "hex"),
    seconds: 1700000001,
    nanos: 1000,
    originalLength: 60,
  },
  { linkType: 1, data: Buffer.alloc(0), seconds: 1700000002, nanos: 999999999 },
];

describe("CaptureReader", () => {
  it("sniffs the formats from the first four bytes", () => {
    expect(captureFormatOf(0xd4, 0xc3, 0xb2, 0xa1)).toBe("pcap");
    expect(captureFormatOf(0xa1, 0xb2, 0xc3, 0xd4)).toBe("pcap");
    expect(captureFormatOf(0x4d, 0x3c, 0xb2, 0xa1)).toBe("pcap");
    expect(captureFormatOf(0xa1, 0xb2, 0x3c, 0x4d)).toBe("pcap");
    expect(captureFormatOf(0x0a, 0x0d, 0x0d, 0x0a)).toBe("pcapng");
    expect(captureFormatOf(0x00, 0x01, 0x02, 0x03)).toBeNull();
  });

  it("classic pcap in both byte orders, micro and nano, split anywhere", () => {
    for (const opts of [{}, { bigEndian: true }, { nano: true }, { nano: true, bigEndian: true }]) {
      const file = writePcap(records, opts);
      const whole = read(file);
      expect(whole.map((f) => f.data)).toEqual(["aabbccdd", "0102030405", ""]);
      expect(whole.map((f) => f.originalLength)).toEqual([4, 60, 0]);
      expect(whole.map((f) => f.nanos)).toEqual(
        opts.nano ? [123456789, 1000, 999999999] : [123456000, 1000, 999999000],
      );
      expect(whole.map((f) => f.offset)).toEqual([24, 24 + 20, 24 + 20 + 21]);
      for (const step of [1, 3, 17]) expect(read(file, step)).toEqual(whole);
    }
  });

  it("keeps the link type's low 16 bits (the rest is FCS information)", () => {
    const file = writePcap(records);
    file.writeUInt32LE(0x1000_0071, 20);
    expect(read(file)[0]!.linkType).toBe(113);
  });

  it("pcapng in both byte orders with several interfaces, resolutions and offsets", () => {
    const ng = [
      { ...records[0]!, linkType: 1, interfaceId: 0 },
      { ...records[1]!, linkType: 113, interfaceId: 1 },
      { ...records[2]!, linkType: 276, interfaceId: 2 },
      { ...records[0]!, linkType: 101, interfaceId: 3 },
      { ...records[0]!, linkType: 101, interfaceId: 4 },
    ];
    const interfaces = [
      { linkType: 1 },
      { linkType: 113, tsresol: 9 },
      { linkType: 276, tsresol: 0x80 | 30 },
      { linkType: 101, tsresol: 10, tsoffset: 100 },
      { linkType: 101, tsresol: 0, tsoffset: -5 },
    ];
    for (const bigEndian of [false, true]) {
      const file = writePcapng(ng, { interfaces, bigEndian, unknownBlock: 100 });
      const frames = read(file);
      expect(frames.map((f) => [f.linkType, f.interfaceId])).toEqual([
        [1, 0],
        [113, 1],
        [276, 2],
        [101, 3],
        [101, 4],
      ]);
      expect(frames.map((f) => [f.seconds, f.nanos])).toEqual([
        [1700000000, 123456000],
        [1700000001, 1000],
        // 2^-30 s units: the writer and the reader each round down, so within 2 ns.
        [1700000002, 999999998],
        [1700000000, 123456789],
        [1700000000, 0],
      ]);
      for (const step of [1, 5, 64]) expect(read(file, step)).toEqual(frames);
    }
  });

  it("a second section may switch byte order and resets the interfaces", () => {
    const a = writePcapng([records[0]!]);
    const b = writePcapng([{ ...records[1]!, linkType: 113 }], { bigEndian: true });
    const frames = read(Buffer.concat([a, b]));
    expect(frames.map((f) => f.linkType)).toEqual([1, 113]);
  });

  it("simple packet blocks cut to the snap length; obsolete packet blocks", () => {
    const spb = writePcapng([{ ...records[1]!, originalLength: 5 }], {
      simple: true,
      interfaces: [{ linkType: 1, snapLength: 3 }],
    });
    expect(read(spb).map((f) => [f.data, f.originalLength])).toEqual([["010203", 5]]);
    const opb = writePcapng(records, { obsolete: true });
    expect(read(opb).map((f) => f.data)).toEqual(["aabbccdd", "0102030405", ""]);
  });

  it("refuses bad input with typed errors at the right offsets", () => {
    const pcap = writePcap(records);
    expect(errorOf(() => read(Buffer.from("not a capture"))).code).toBe("NOT_A_CAPTURE");
    const v3 = Buffer.from(pcap);
    v3.writeUInt16LE(3, 4);
    expect(errorOf(() => read(v3))).toMatchObject({ code: "BAD_FILE_HEADER", offset: 4 });
    const huge = Buffer.from(pcap);
    huge.writeUInt32LE(5_000_000, 24 + 8);
    expect(errorOf(() => read(huge))).toMatchObject({ code: "RECORD_TOO_LARGE", offset: 32 });
    // A maxRecordSize below 64 is an argument error (test/capture/misuse.test.ts).
    for (const cut of [2, 10, 30, 45, pcap.length - 1]) {
      expect(errorOf(() => read(pcap.subarray(0, cut))).code).toBe("TRUNCATED");
    }

    const ng = writePcapng(records);
    const badBom = Buffer.from(ng);
    badBom.writeUInt32LE(0x12345678, 8);
    expect(errorOf(() => read(badBom))).toMatchObject({ code: "BAD_FILE_HEADER", offset: 8 });
    const badVersion = Buffer.from(ng);
    badVersion.writeUInt16LE(2, 12);
    expect(errorOf(() => read(badVersion))).toMatchObject({ code: "BAD_FILE_HEADER", offset: 12 });
    const badLength = Buffer.from(ng);
    badLength.writeUInt32LE(27, 4);
    expect(errorOf(() => read(badLength))).toMatchObject({ code: "BAD_BLOCK", offset: 4 });
    // The IDB starts at 28; its length is at 32.
    const oddBlock = Buffer.from(ng);
    oddBlock.writeUInt32LE(22, 32);
    expect(errorOf(() => read(oddBlock))).toMatchObject({ code: "BAD_BLOCK", offset: 32 });
    const trailer = Buffer.from(ng);
    trailer.writeUInt32LE(99, 28 + 20 - 4);
    expect(errorOf(() => read(trailer))).toMatchObject({ code: "BAD_BLOCK", offset: 44 });
    const bigBlock = Buffer.from(ng);
    bigBlock.writeUInt32LE(4_000_000, 32);
    expect(errorOf(() => read(bigBlock))).toMatchObject({ code: "RECORD_TOO_LARGE" });
    // The first EPB (at 48) names interface 7.
    const noIface = Buffer.from(ng);
    noIface.writeUInt32LE(7, 56);
    expect(errorOf(() => read(noIface))).toMatchObject({ code: "UNKNOWN_INTERFACE", offset: 56 });
    const capTooLong = Buffer.from(ng);
    capTooLong.writeUInt32LE(200, 48 + 20);
    expect(errorOf(() => read(capTooLong))).toMatchObject({ code: "BAD_BLOCK" });
    for (const cut of [3, 20, 40, 60, ng.length - 2]) {
      expect(errorOf(() => read(ng.subarray(0, cut))).code).toBe("TRUNCATED");
    }
    // A skipped block cut short is TRUNCATED too.
    const withUnknown = writePcapng([], { unknownBlock: 1000 });
    expect(errorOf(() => read(withUnknown.subarray(0, withUnknown.length - 10)))).toMatchObject({
      code: "TRUNCATED",
      expected: "10 more bytes of a skipped block",
    });
    const spbFirst = writePcapng([records[0]!], { simple: true, interfaces: [] });
    expect(errorOf(() => read(spbFirst)).code).toBe("UNKNOWN_INTERFACE");
  });

  it("refuses interface and packet blocks whose fields overrun them", () => {
    const ng = writePcapng(records, { interfaces: [{ linkType: 1, tsresol: 9 }] });
    // IDB at 28: 8 header + 8 fields + option (9, len 1) at 44.
    const longOption = Buffer.from(ng);
    longOption.writeUInt16LE(200, 46);
    expect(errorOf(() => read(longOption))).toMatchObject({ code: "BAD_BLOCK", offset: 28 });
    const tinyIdb = Buffer.concat([
      ng.subarray(0, 28),
      Buffer.from("01000000 0c000000 0c000000".replace(/ /g, ""), "hex"),
    ]);
    expect(errorOf(() => read(tinyIdb))).toMatchObject({ code: "BAD_BLOCK" });
    const tinyEpb = Buffer.concat([
      writePcapng([]),
      Buffer.from("06000000 10000000 00000000 10000000".replace(/ /g, ""), "hex"),
    ]);
    expect(errorOf(() => read(tinyEpb))).toMatchObject({ code: "BAD_BLOCK" });
    const tinySpb = Buffer.concat([
      writePcapng([]),
      Buffer.from("03000000 0c000000 0c000000".replace(/ /g, ""), "hex"),
    ]);
    expect(errorOf(() => read(tinySpb))).toMatchObject({ code: "BAD_BLOCK" });
  });
});
