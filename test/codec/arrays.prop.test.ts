// uwsgi arrays (RPC arguments, cache sets): `u16 LE size | bytes` items without keys, against the
// oracle in test/support/oracle.ts (which shares no code with src/).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  arrayByteLength,
  type DecodeOptions,
  decodeArray,
  decodePacket,
  encodeArray,
  encodeArrayInto,
  encodePacket,
  encodePacketInto,
  packetByteLength,
  UwsgiError,
} from "../../src/index.js";
import {
  arrayLengthMutantArb,
  byteArb,
  bytesArb,
  decodeInputArb,
  itemsArb,
  latin1ValueArb,
  mutantArb,
  unicodeValueArb,
} from "../support/arbitraries.js";
import {
  checkDecodeAgainstOracle,
  filled,
  hex,
  join,
  overlaps,
  sentinelTarget,
} from "../support/checks.js";
import {
  latin1Bytes,
  latin1String,
  oracleEncodeArray,
  oracleEncodePacket,
  oracleWalkArray,
  utf8Bytes,
} from "../support/oracle.js";

const ANY_COUNT = { maxItems: Number.POSITIVE_INFINITY } as const;

/** RPC modifier2 values whose payload is an array (2 reads PATH_INFO vars, 3 an XML body). */
const rpcModifier2Arb = byteArb.filter((m) => m !== 2 && m !== 3);

describe("uwsgi arrays: encode", () => {
  it("round trip: items (empty ones, up to 65535 bytes) come back in order, as RPC packets too", () => {
    fc.assert(
      fc.property(itemsArb, rpcModifier2Arb, (items, modifier2) => {
        const bytes = encodeArray(items);
        const arr = decodeArray(bytes, 0, bytes.length, ANY_COUNT);
        const got = Array.from({ length: arr.length }, (_, i) => hex(arr.getBytes(i)));
        expect(got).toEqual(items.map(hex));
        expect(arr.toArray()).toEqual(items.map(latin1String));
        const p = decodePacket(encodePacket({ modifier1: 173, modifier2, items }), 0, {
          ...ANY_COUNT,
          maxDatasize: 65535,
        });
        if (p.kind !== "array") throw new Error(`RPC packet decoded as ${p.kind}`);
        expect(hex(p.items.raw)).toBe(hex(bytes));
        expect(p.items.length).toBe(items.length);
      }),
      { numRuns: 150 },
    );
  });

  it("latin1 and utf8 string items round trip", () => {
    fc.assert(
      fc.property(fc.array(latin1ValueArb), fc.array(unicodeValueArb), (latin1, unicode) => {
        expect(Array.from(decodeArray(encodeArray(latin1), 0, undefined, ANY_COUNT))).toEqual(
          latin1,
        );
        const utf8 = encodeArray(unicode, { encoding: "utf8" });
        const options = { ...ANY_COUNT, encoding: "utf8" } as const;
        expect(decodeArray(utf8, 0, utf8.length, options).toArray()).toEqual(unicode);
      }),
    );
  });

  it("bytes equal the oracle's; arrayByteLength equals them; *Into writes exactly [offset, offset + n)", () => {
    fc.assert(
      fc.property(
        itemsArb,
        fc.nat(64),
        fc.nat(16),
        fc.nat(7),
        byteArb,
        (items, offset, extra, pad, s) => {
          const want = oracleEncodeArray(items);
          expect(hex(encodeArray(items))).toBe(hex(want));
          expect(arrayByteLength(items)).toBe(want.length);
          const { target, whole } = sentinelTarget(offset + want.length + extra, s, pad);
          expect(encodeArrayInto(items, target, offset)).toBe(want.length);
          expect(hex(whole)).toBe(hex(join([filled(pad + offset, s), want, filled(extra, s)])));
          const packet = oracleEncodePacket(173, 0, want);
          expect(packetByteLength({ modifier1: 173, items })).toBe(packet.length);
          const into = sentinelTarget(offset + packet.length + extra, s, pad);
          expect(encodePacketInto({ modifier1: 173, items }, into.target, offset)).toBe(
            packet.length,
          );
          expect(hex(into.whole)).toBe(
            hex(join([filled(pad + offset, s), packet, filled(extra, s)])),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it("string items encode to the oracle's bytes of their latin1/utf8 encodings", () => {
    fc.assert(
      fc.property(fc.array(latin1ValueArb), fc.array(unicodeValueArb), (latin1, unicode) => {
        expect(hex(encodeArray(latin1))).toBe(hex(oracleEncodeArray(latin1.map(latin1Bytes))));
        const utf8 = oracleEncodeArray(unicode.map(utf8Bytes));
        expect(hex(encodeArray(unicode, { encoding: "utf8" }))).toBe(hex(utf8));
        expect(arrayByteLength(unicode, { encoding: "utf8" })).toBe(utf8.length);
      }),
    );
  });

  it("an item over 65535 bytes or an array over 65535 bytes: the right code, nothing written", () => {
    const caseArb = fc
      .tuple(
        fc.array(bytesArb(0, 8, 40), { maxLength: 3 }),
        fc.integer({ min: 1, max: 200 }),
        fc.nat(),
      )
      .map(([items, over, at]) => {
        const len = 65535 + over - oracleEncodeArray(items).length - 2;
        const out = [...items];
        out.splice(at % (out.length + 1), 0, filled(len, 0x61));
        return {
          items: out,
          size: 65535 + over,
          code: len > 65535 ? "FIELD_TOO_LONG" : "PACKET_TOO_LARGE",
        };
      });
    fc.assert(
      fc.property(caseArb, fc.nat(16), byteArb, ({ items, size, code }, offset, s) => {
        const target = filled(offset + 4 + size + 8, s);
        if (code === "FIELD_TOO_LONG") {
          expect(() => arrayByteLength(items)).toThrow(expect.objectContaining({ code }));
        } else expect(arrayByteLength(items)).toBe(size);
        expect(() => encodeArrayInto(items, target, offset)).toThrow(
          expect.objectContaining({ code }),
        );
        expect(target.every((b) => b === s)).toBe(true);
        expect(() => encodePacketInto({ modifier1: 173, items }, target, offset)).toThrow(
          expect.objectContaining({ code }),
        );
        expect(target.every((b) => b === s)).toBe(true);
        expect(() => encodeArray(items)).toThrow(expect.objectContaining({ code }));
      }),
      { numRuns: 20 },
    );
  });
});

const smallArrayBytesArb = fc.array(bytesArb(0, 6, 30), { maxLength: 6 }).map(oracleEncodeArray);
const arrayInputArb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  smallArrayBytesArb,
  mutantArb(smallArrayBytesArb),
  arrayLengthMutantArb.map((packet) => packet.subarray(4)),
);

const CODES = {
  trailing: "TRAILING_BYTES",
  "item-overrun": "ITEM_OVERRUNS_DATASIZE",
  "too-many": "TOO_MANY_VARS",
};

describe("uwsgi arrays: decode totality", () => {
  for (const [name, options] of [
    ["defaults (255 items)", {}],
    ["maxItems 3", { maxItems: 3 }],
    ["maxItems 0", { maxItems: 0 }],
  ] as [string, DecodeOptions][]) {
    it(`decodeArray of any bytes at any bounds agrees with the oracle: ${name}`, () => {
      fc.assert(
        fc.property(arrayInputArb, fc.nat(), fc.nat(), (bytes, a, b) => {
          const start = a % (bytes.length + 1);
          const end = start + (b % (bytes.length - start + 1));
          const want = oracleWalkArray(bytes.subarray(start, end), {
            maxItems: options.maxItems ?? 255,
          });
          let got: ReturnType<typeof decodeArray>;
          try {
            got = decodeArray(bytes, start, end, options);
          } catch (e) {
            if (!(e instanceof UwsgiError)) throw e;
            expect({ code: e.code, offset: e.offset }).toEqual(
              want.ok
                ? "accepted by the oracle"
                : { code: CODES[want.problem as keyof typeof CODES], offset: start + want.at },
            );
            return;
          }
          if (!want.ok) throw new Error(`accepted; the oracle says ${want.problem} at ${want.at}`);
          const views = Array.from({ length: got.length }, (_, i) => got.getBytes(i));
          expect(views.map(hex)).toEqual(want.value.map((it) => hex(it.bytes)));
          // Zero copy: each item is a view of `bytes` at the oracle's offset; detach() copies.
          const where = views.map((v) => [v.buffer === bytes.buffer, v.byteOffset, v.length]);
          const base = bytes.byteOffset + start;
          expect(where).toEqual(want.value.map((it) => [true, base + it.offset, it.bytes.length]));
          expect([got.raw.buffer === bytes.buffer, got.raw.byteOffset, got.raw.length]).toEqual([
            true,
            base,
            end - start,
          ]);
          const detached = got.detach();
          const copies = Array.from({ length: detached.length }, (_, i) => detached.getBytes(i));
          expect(copies.map(hex)).toEqual(views.map(hex));
          expect(copies.some((c) => overlaps(c, bytes)) || overlaps(detached.raw, bytes)).toBe(
            false,
          );
        }),
      );
    });
  }

  for (const [name, options] of [
    ["defaults", { payload: "array" }],
    ["maxItems 3", { payload: "array", maxItems: 3 }],
    ["maxDatasize 16, maxItems 0", { payload: "array", maxDatasize: 16, maxItems: 0 }],
  ] as [string, DecodeOptions][]) {
    it(`decodePacket with payload "array" agrees with the oracle: ${name}`, () => {
      fc.assert(
        fc.property(
          decodeInputArb,
          fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat()),
          (input, o) => {
            checkDecodeAgainstOracle(input, o % (input.length + 1), options);
          },
        ),
      );
    });
  }
});
