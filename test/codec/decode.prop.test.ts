// Decoding properties against the oracle (test/support/oracle.ts, which shares no code with src/):
// any bytes give a packet or a UwsgiError, never a read past datasize, views that are really views,
// and bytesMissing. Encoding is in codec.prop.test.ts, uwsgi arrays in arrays.prop.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesMissing, type DecodeOptions, decodePacket, encodePacket } from "../../src/index.js";
import { decodeInputArb, manyBytePairsArb, varsPacketArb } from "../support/arbitraries.js";
import {
  checkDecodeAgainstOracle,
  filled,
  hex,
  hexPairs,
  join,
  type Outcome,
  outcomeSummary,
  overlaps,
  tryDecode,
  varsOf,
  viewPairs,
  WIDE,
} from "../support/checks.js";
import {
  lastIndexOfKey,
  latin1Bytes,
  latin1String,
  oracleDecodeVars,
  oracleEncodePacket,
  oracleEncodeVars,
} from "../support/oracle.js";

const OPTION_SETS: [string, DecodeOptions][] = [
  ["defaults", {}],
  [
    "allowEmptyKeys, 65535 bytes, no var limit",
    {
      allowEmptyKeys: true,
      maxDatasize: 65535,
      maxVars: Number.POSITIVE_INFINITY,
      payload: "vars",
    },
  ],
  ["maxVars 2", { maxVars: 2, payload: "vars" }],
  ["maxVars 0", { maxVars: 0, payload: "vars", allowEmptyKeys: true }],
  ["maxDatasize 16", { maxDatasize: 16, payload: "vars" }],
  ["payload raw", { payload: "raw" }],
  ["payload empty", { payload: "empty" }],
];

const GOOD = oracleEncodePacket(0, 0, oracleEncodeVars([[latin1Bytes("A"), latin1Bytes("b")]]));

describe("decode totality: a packet the oracle agrees with, or a UwsgiError the oracle agrees with", () => {
  for (const [name, options] of OPTION_SETS) {
    it(name, () => {
      fc.assert(
        fc.property(
          decodeInputArb,
          fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.nat()),
          (input, o) => {
            const got = checkDecodeAgainstOracle(input, o % (input.length + 1), options);
            // The codec stays usable after a refusal (the offset slab, the lazy decoders).
            if (!got.ok) expect(Array.from(varsOf(GOOD))).toEqual([["A", "b"]]);
          },
        ),
      );
    });
  }
});

describe("decode never reads past datasize", () => {
  it("bytes after a packet, or around it at an offset, change nothing", () => {
    fc.assert(
      fc.property(
        varsPacketArb,
        fc.uint8Array({ maxLength: 32 }),
        fc.uint8Array({ maxLength: 32 }),
        (init, before, after) => {
          const packet = encodePacket(init);
          const alone = outcomeSummary(tryDecode(packet, 0, WIDE));
          expect(alone).toMatchObject({ kind: "vars", byteLength: packet.length });
          expect(outcomeSummary(tryDecode(join([packet, after]), 0, WIDE))).toEqual(alone);
          const framed = join([before, packet, after]);
          expect(outcomeSummary(tryDecode(framed, before.length, WIDE))).toEqual(alone);
        },
      ),
    );
  });

  it("any input decodes the same cut right after its datasize, other tail or not; never TRUNCATED then", () => {
    const options = { ...WIDE, allowEmptyKeys: false, maxVars: 128 };
    fc.assert(
      fc.property(decodeInputArb, fc.uint8Array({ minLength: 1, maxLength: 8 }), (input, tail) => {
        if (input.length < 4) return;
        const total = 4 + (input[1]! | (input[2]! << 8));
        // Complete the input when it stops short, so there is always a tail after the packet.
        const pad = filled(Math.max(0, total - input.length), 0x33);
        const whole = join([input, pad, tail]);
        const exact = Uint8Array.from(whole.subarray(0, total)); // a copy: nothing after it
        const got = outcomeSummary(tryDecode(exact, 0, options));
        expect(got).not.toMatchObject({ code: "TRUNCATED" });
        expect(outcomeSummary(tryDecode(whole, 0, options))).toEqual(got);
        const otherTail = join([exact, tail.map((b) => b ^ 0x5a)]);
        expect(outcomeSummary(tryDecode(otherTail, 0, options))).toEqual(got);
      }),
    );
  });

  it("views stay intact after many later decodes (the shared offset slab)", () => {
    // A many-vars packet takes ~39K slab entries (as vars, then as an array): the 32K slab is
    // replaced while older views are still held.
    const inputArb = fc.oneof(
      { weight: 10, arbitrary: decodeInputArb },
      { weight: 1, arbitrary: manyBytePairsArb.map((vars) => encodePacket({ vars })) },
    );
    fc.assert(
      fc.property(fc.array(inputArb, { maxLength: 30 }), (inputs) => {
        // Vars and arrays both take their offset tables from the slab: decode each input as both.
        const kept: [Outcome, unknown][] = [];
        for (const input of inputs) {
          for (const payload of ["vars", "array"] as const) {
            const got = tryDecode(input, 0, {
              ...WIDE,
              allowEmptyKeys: true,
              maxItems: 1e6,
              payload,
            });
            if (got.ok) kept.push([got, outcomeSummary(got)]);
          }
        }
        for (const [got, summary] of kept) expect(outcomeSummary(got)).toEqual(summary);
      }),
      { numRuns: 30 },
    );
  });
});

describe("zero copy", () => {
  it("every view shares the source's memory at the oracle's offset; detach() copies", () => {
    fc.assert(
      fc.property(
        varsPacketArb,
        fc.nat(32),
        fc.nat(8),
        fc.nat(7),
        fc.boolean(),
        (init, before, after, base, asNodeBuffer) => {
          const packet = oracleEncodePacket(
            init.modifier1,
            init.modifier2,
            oracleEncodeVars(init.vars),
          );
          const ab = new ArrayBuffer(base + before + packet.length + after);
          const len = ab.byteLength - base;
          const src = asNodeBuffer ? Buffer.from(ab, base, len) : new Uint8Array(ab, base, len);
          src.set(packet, before);
          const p = decodePacket(src, before, WIDE);
          if (p.kind !== "vars") throw new Error(p.kind);
          const block = src.byteOffset + before + 4;
          // Checked without expect() per view: thousands of vars would make expect the cost.
          const bad: string[] = [];
          const view = (name: string, v: Uint8Array, at: number, length: number) => {
            if (v.buffer !== ab || v.byteOffset !== at || v.length !== length) {
              const where = `${v.buffer === ab ? "" : "OTHER MEMORY, "}byteOffset ${v.byteOffset}`;
              bad.push(
                `${name}: ${where} length ${v.length}, want byteOffset ${at} length ${length}`,
              );
              return;
            }
            if (length === 0) return;
            const i = at - src.byteOffset;
            const old = src[i]!;
            src[i] = old ^ 0xff; // the write shows through the view, then is undone
            if (v[0] !== (old ^ 0xff)) bad.push(`${name}: a write to the source does not show`);
            src[i] = old;
          };
          const datasize = packet.length - 4;
          view("payload", p.payload, block, datasize);
          view("raw", p.vars.raw, block, datasize);
          const walk = oracleDecodeVars(packet.subarray(4), {
            allowEmptyKeys: true,
            maxVars: Number.POSITIVE_INFINITY,
          });
          if (walk === null) throw new Error("the oracle refuses its own packet");
          const entries = Array.from(p.vars.entriesBytes());
          walk.forEach((w, i) => {
            view(`keyBytesAt(${i})`, p.vars.keyBytesAt(i), block + w.keyOffset, w.key.length);
            view(
              `valueBytesAt(${i})`,
              p.vars.valueBytesAt(i),
              block + w.valueOffset,
              w.value.length,
            );
            view(`entriesBytes()[${i}][0]`, entries[i]![0], block + w.keyOffset, w.key.length);
            view(`entriesBytes()[${i}][1]`, entries[i]![1], block + w.valueOffset, w.value.length);
          });
          const keys = walk.map((w) => w.key);
          for (const key of new Map(keys.map((k) => [hex(k), k])).values()) {
            const w = walk[lastIndexOfKey(keys, key)]!;
            const got = p.vars.getBytes(latin1String(key));
            if (got === undefined) bad.push(`getBytes(${hex(key)}) is undefined`);
            else view(`getBytes(${hex(key)})`, got, block + w.valueOffset, w.value.length);
          }
          const detached = p.vars.detach();
          const pairs = hexPairs(viewPairs(p.vars));
          expect(hexPairs(viewPairs(detached))).toEqual(pairs);
          if (overlaps(detached.raw, src)) bad.push("detached raw shares the source");
          viewPairs(detached).forEach(([k, v], i) => {
            if (overlaps(k, src) || overlaps(v, src))
              bad.push(`detached var ${i} shares the source`);
          });
          expect(bad).toEqual([]);
          src.fill(0xee); // scribble over the source: the detached copy does not change
          expect(hexPairs(viewPairs(detached))).toEqual(pairs);
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("bytesMissing", () => {
  it("is 0 only for a whole packet, else positive and at most what is missing", () => {
    fc.assert(
      fc.property(
        varsPacketArb,
        fc.array(fc.nat(), { maxLength: 16 }),
        fc.nat(8),
        (init, cuts, at) => {
          const packet = encodePacket(init);
          const framed = join([filled(at, 7), packet, filled(3, 9)]);
          const n = packet.length;
          const lengths = new Set([
            ...Array.from({ length: Math.min(n, 40) }, (_, i) => i),
            n - 1,
            n - 2,
          ]);
          for (const c of cuts) lengths.add(c % n);
          for (const len of lengths) {
            const m = bytesMissing(packet.subarray(0, len));
            expect(m).toBeGreaterThan(0);
            expect(m).toBeLessThanOrEqual(n - len);
            expect(bytesMissing(framed.subarray(0, at + len), at)).toBe(m);
          }
          expect(bytesMissing(packet)).toBe(0);
          expect(bytesMissing(framed, at)).toBe(0);
        },
      ),
    );
  });

  it("never throws on any bytes, agrees with TRUNCATED, and feeding it reaches 0 in two steps", () => {
    fc.assert(
      fc.property(decodeInputArb, fc.nat(), (input, o) => {
        const offset = o % (input.length + 1);
        const m = bytesMissing(input, offset);
        expect(Number.isInteger(m) && m >= 0).toBe(true);
        const got = tryDecode(input, offset, { maxDatasize: 65535, payload: "raw" });
        if (m === 0) expect(got.ok).toBe(true);
        else expect(outcomeSummary(got)).toEqual({ code: "TRUNCATED", offset, needed: m });
        let buf = input;
        let steps = 0;
        for (let need = m; need > 0; need = bytesMissing(buf, offset), steps++) {
          buf = join([buf, filled(need, 0)]);
        }
        expect(steps).toBeLessThanOrEqual(2);
        const total = 4 + (buf[offset + 1]! | (buf[offset + 2]! << 8));
        expect(buf.length - offset).toBe(Math.max(input.length - offset, total));
      }),
    );
  });
});
