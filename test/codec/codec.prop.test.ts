// Encoding properties: round trips, bytes equal to the oracle's (test/support/oracle.ts, which
// shares no code with src/), sizes, and refusals that write nothing. Decoding of arbitrary bytes is
// in decode.prop.test.ts, uwsgi arrays in arrays.prop.test.ts.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodePacket,
  encodePacket,
  encodePacketInto,
  encodeVars,
  encodeVarsInto,
  packetByteLength,
  type VarBytes,
  varsByteLength,
} from "../../src/index.js";
import {
  byteArb,
  bytePairsEmptyKeysArb,
  keyBytesArb,
  latin1PairsArb,
  latin1ValueArb,
  modifier1Arb,
  smallBytePairsArb,
  unicodePairsArb,
  unicodeValueArb,
  varsPacketArb,
} from "../support/arbitraries.js";
import {
  filled,
  hex,
  hexPairs,
  join,
  sentinelTarget,
  varsOf,
  viewPairs,
  WIDE,
} from "../support/checks.js";
import {
  lastWins,
  latin1Bytes,
  latin1String,
  oracleEncodePacket,
  oracleEncodeVars,
  utf8Bytes,
} from "../support/oracle.js";

describe("round trip", () => {
  it("binary pairs (duplicates, empty values, up to 65535 bytes) come back in order", () => {
    fc.assert(
      fc.property(varsPacketArb, (init) => {
        const p = decodePacket(encodePacket(init), 0, WIDE);
        if (p.kind !== "vars") throw new Error(p.kind);
        expect([p.modifier1, p.modifier2]).toEqual([init.modifier1, init.modifier2]);
        expect(hexPairs(viewPairs(p.vars))).toEqual(hexPairs(init.vars));
        const strings = init.vars.map(([k, v]): [string, string] => [
          latin1String(k),
          latin1String(v),
        ]);
        expect(p.vars.toObject()).toEqual(lastWins(strings));
      }),
    );
  });

  it("empty keys round trip when allowEmptyKeys is set", () => {
    fc.assert(
      fc.property(bytePairsEmptyKeysArb, (vars) => {
        const got = varsOf(encodePacket({ vars }), 0, { ...WIDE, allowEmptyKeys: true });
        expect(hexPairs(viewPairs(got))).toEqual(hexPairs(vars));
      }),
    );
  });

  it("latin1 strings: entries, get and getAll give back the same strings", () => {
    fc.assert(
      fc.property(latin1PairsArb, (pairs) => {
        const vars = varsOf(encodePacket({ vars: pairs }));
        expect(Array.from(vars)).toEqual(pairs);
        const env = lastWins(pairs);
        expect(vars.toObject()).toEqual(env);
        for (const [k] of pairs) {
          expect(vars.get(k)).toBe(env[k]);
          expect(vars.getAll(k)).toEqual(pairs.filter(([k2]) => k2 === k).map(([, v]) => v));
        }
      }),
    );
  });

  it("Unicode strings with encoding utf8 on both sides", () => {
    fc.assert(
      fc.property(unicodePairsArb, (pairs) => {
        const bytes = encodePacket({ vars: pairs }, { encoding: "utf8" });
        const vars = varsOf(bytes, 0, { ...WIDE, encoding: "utf8" });
        expect(Array.from(vars)).toEqual(pairs);
        const env = lastWins(pairs);
        expect(vars.toObject()).toEqual(env);
        for (const [k] of pairs) {
          expect(vars.has(k)).toBe(true);
          expect(vars.get(k)).toBe(env[k]);
          expect(vars.getAll(k)).toEqual(pairs.filter(([k2]) => k2 === k).map(([, v]) => v));
        }
      }),
    );
  });
});

/**
 * Keys from a few chars that collide under lossy conversions: U+FFFD (what a lone surrogate
 * becomes), U+FEFF (a BOM a decoder may drop), U+0100 and U+01FF (whose low bytes are latin1
 * bytes), astral chars.
 */
const LOOKUPS = {
  utf8: {
    keys: ["a", "\u00e9", "\u0100", "\ufffd", "\ufeff", "\u{1F600}"],
    probes: ["\ud800", "\udfff"],
  },
  latin1: { keys: ["a", "\u00e9", "\u00ff", "\u0000"], probes: ["\u0100", "\u01ff", "\u0161"] },
} as const;

describe("look-ups", () => {
  for (const encoding of ["utf8", "latin1"] as const) {
    const { keys, probes } = LOOKUPS[encoding];
    const keyArb = fc.string({ unit: fc.constantFrom(...keys), minLength: 1, maxLength: 3 });
    // Probes may also hold chars no key can be made of (lone surrogates, chars over U+00FF).
    const probeArb = fc.string({
      unit: fc.constantFrom(...keys, ...probes),
      minLength: 1,
      maxLength: 3,
    });
    const valueArb = encoding === "utf8" ? unicodeValueArb : latin1ValueArb;
    it(`get, has, getAll and getBytes find exactly the keys toObject has (${encoding})`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(keyArb, valueArb), { maxLength: 6 }),
          fc.array(probeArb, { maxLength: 6 }),
          (pairs, extra) => {
            const bytes = encodePacket({ vars: pairs }, { encoding });
            const vars = varsOf(bytes, 0, { ...WIDE, encoding });
            const env = lastWins(pairs);
            const codes = (s: string) => Array.from(s, (c) => c.codePointAt(0)!.toString(16));
            for (const probe of [...pairs.map(([k]) => k), ...extra]) {
              const found = vars.getBytes(probe);
              expect({
                probe: codes(probe),
                get: vars.get(probe),
                has: vars.has(probe),
                getAll: vars.getAll(probe),
                getBytes: found === undefined ? undefined : Buffer.from(found).toString(encoding),
              }).toEqual({
                probe: codes(probe),
                get: env[probe],
                has: probe in env,
                getAll: pairs.filter(([k]) => k === probe).map(([, v]) => v),
                getBytes: env[probe],
              });
            }
          },
        ),
      );
    });
  }
});

describe("encoded bytes", () => {
  it("equal the oracle's; sizes equal the length; *Into writes exactly [offset, offset + n)", () => {
    fc.assert(
      fc.property(
        varsPacketArb,
        fc.nat(64),
        fc.nat(16),
        fc.nat(7),
        byteArb,
        (init, offset, extra, pad, s) => {
          const vars = oracleEncodeVars(init.vars);
          const packet = oracleEncodePacket(init.modifier1, init.modifier2, vars);
          expect(hex(encodeVars(init.vars))).toBe(hex(vars));
          expect(hex(encodePacket(init))).toBe(hex(packet));
          expect(varsByteLength(init.vars)).toBe(vars.length);
          expect(packetByteLength(init)).toBe(packet.length);
          for (const [bytes, write] of [
            [vars, (t: Uint8Array) => encodeVarsInto(init.vars, t, offset)],
            [packet, (t: Uint8Array) => encodePacketInto(init, t, offset)],
          ] as const) {
            const { target, whole } = sentinelTarget(offset + bytes.length + extra, s, pad);
            expect(write(target)).toBe(bytes.length);
            expect(hex(whole)).toBe(hex(join([filled(pad + offset, s), bytes, filled(extra, s)])));
          }
        },
      ),
    );
  });

  it("latin1 and utf8 strings encode to the oracle's bytes of their encodings", () => {
    fc.assert(
      fc.property(latin1PairsArb, unicodePairsArb, (latin1, unicode) => {
        const asBytes = (pairs: [string, string][], enc: (s: string) => Uint8Array) =>
          pairs.map(([k, v]): [Uint8Array, Uint8Array] => [enc(k), enc(v)]);
        expect(hex(encodeVars(latin1))).toBe(hex(oracleEncodeVars(asBytes(latin1, latin1Bytes))));
        const utf8 = oracleEncodeVars(asBytes(unicode, utf8Bytes));
        expect(hex(encodeVars(unicode, { encoding: "utf8" }))).toBe(hex(utf8));
        expect(varsByteLength(unicode, { encoding: "utf8" })).toBe(utf8.length);
      }),
    );
  });
});

/** A case for a refusal: the pairs and the code encoding them must throw. */
const tooBigArb = fc
  .tuple(smallBytePairsArb(3), keyBytesArb, fc.integer({ min: 1, max: 200 }), fc.nat(), byteArb)
  .map(([pairs, key, over, at, seed]) => {
    // A value that puts the block `over` bytes past 65535: one field too long when it must be.
    const len = 65535 + over - oracleEncodeVars(pairs).length - 4 - key.length;
    const out = [...pairs];
    out.splice(at % (out.length + 1), 0, [key, filled(len, seed)]);
    return { vars: out, code: len > 65535 ? "FIELD_TOO_LONG" : "PACKET_TOO_LARGE" };
  });

describe("encode refusals never write", () => {
  it("a field over 65535 bytes or a block over 65535 bytes: the right code, the target unchanged", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          tooBigArb,
          fc.tuple(keyBytesArb, fc.integer({ min: 65536, max: 65600 })).map(([k, n]) => ({
            vars: [[k, filled(n, 1)]] as [Uint8Array, Uint8Array][],
            code: "FIELD_TOO_LONG",
          })),
        ),
        modifier1Arb,
        fc.nat(16),
        byteArb,
        ({ vars, code }, modifier1, offset, s) => {
          let size = 0;
          for (const [k, v] of vars) size += 4 + k.length + v.length;
          const target = filled(offset + 4 + size + 8, s);
          const untouched = (t: Uint8Array) => t.every((b) => b === s);
          // Sizing refuses a field too long, and nothing else: it answers any total.
          if (code === "FIELD_TOO_LONG") {
            expect(() => varsByteLength(vars)).toThrow(expect.objectContaining({ code }));
          } else expect(varsByteLength(vars)).toBe(size);
          expect(() => encodeVarsInto(vars, target, offset)).toThrow(
            expect.objectContaining({ code }),
          );
          expect(untouched(target)).toBe(true);
          expect(() => encodePacketInto({ modifier1, vars }, target, offset)).toThrow(
            expect.objectContaining({ code }),
          );
          expect(untouched(target)).toBe(true);
          expect(() => encodePacket({ modifier1, vars })).toThrow(
            expect.objectContaining({ code }),
          );
        },
      ),
      { numRuns: 20 },
    );
  });

  it("no room, an unencodable string or a bad modifier: the right code, the target unchanged", () => {
    type Case = {
      init: { vars: [VarBytes, VarBytes][]; modifier1?: number; modifier2?: number };
      encoding: "latin1" | "utf8";
      code: string;
      /** Room for the vars block: 1 byte short for BUFFER_TOO_SMALL, plenty otherwise. */
      room: number;
    };
    const insert = <T>(list: T[], at: number, item: T): T[] => {
      const out = [...list];
      out.splice(at % (out.length + 1), 0, item);
      return out;
    };
    const cases: fc.Arbitrary<Case> = fc.oneof(
      smallBytePairsArb()
        .filter((vars) => vars.length > 0)
        .map((vars) => ({
          init: { vars },
          encoding: "latin1" as const,
          code: "BUFFER_TOO_SMALL",
          room: oracleEncodeVars(vars).length - 1,
        })),
      fc
        .tuple(latin1PairsArb, fc.nat(), fc.constantFrom("\u0100", "\u20ac", "\u{1F600}"))
        .map(([pairs, at, bad]) => ({
          init: { vars: insert<[VarBytes, VarBytes]>(pairs, at, ["K", `x${bad}`]) },
          encoding: "latin1" as const,
          code: "UNENCODABLE_STRING",
          room: 4096,
        })),
      fc.tuple(unicodePairsArb, fc.nat()).map(([pairs, at]) => ({
        init: { vars: insert<[VarBytes, VarBytes]>(pairs, at, ["\ud800", "lone surrogate"]) },
        encoding: "utf8" as const,
        code: "UNENCODABLE_STRING",
        room: 4096,
      })),
      fc
        .tuple(smallBytePairsArb(), fc.constantFrom(-1, 256, 1.5, Number.NaN), fc.boolean())
        .map(([vars, bad, first]) => ({
          init: first ? { vars, modifier1: bad } : { vars, modifier2: bad },
          encoding: "latin1" as const,
          code: "ERR_OUT_OF_RANGE",
          room: 4096,
        })),
    );
    fc.assert(
      fc.property(cases, fc.nat(16), byteArb, ({ init, encoding, code, room }, offset, s) => {
        const packetTarget = filled(offset + 4 + room, s);
        expect(() => encodePacketInto(init, packetTarget, offset, { encoding })).toThrow(
          expect.objectContaining({ code }),
        );
        expect(packetTarget.every((b) => b === s)).toBe(true);
        if (code === "ERR_OUT_OF_RANGE") return; // the vars block has no modifiers
        const varsTarget = filled(offset + room, s);
        expect(() => encodeVarsInto(init.vars, varsTarget, offset, { encoding })).toThrow(
          expect.objectContaining({ code }),
        );
        expect(varsTarget.every((b) => b === s)).toBe(true);
      }),
    );
  });
});
