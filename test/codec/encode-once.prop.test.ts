// Encoding reads each key and value exactly once (issue 10, item 7). Inputs that answer
// differently each time they are read (getters, Proxies, iterables that yield other pairs on a
// second pass, Maps that grow while iterated) must still give a packet whose bytes are exactly
// the oracle's encoding of what was read the first time, or a typed error; encodePacketInto never
// writes past what it returns and writes nothing when it refuses.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  encodeArray,
  encodePacket,
  encodePacketInto,
  encodeVars,
  UwsgiError,
  type VarBytes,
  type VarsInput,
} from "../../src/index.js";
import { hex } from "../support/checks.js";
import {
  latin1Bytes,
  oracleEncodeArray,
  oracleEncodePacket,
  oracleEncodeVars,
  utf8Bytes,
} from "../support/oracle.js";

type Encoding = "latin1" | "utf8";

// A field answers each read with the next of its variants: lengths and encodability change.
const variantArb: fc.Arbitrary<VarBytes> = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.string({ unit: fc.constantFrom("a", "é", "\u0100", "€", "\ud800"), maxLength: 6 }),
  fc.string({ unit: "grapheme-ascii", minLength: 30, maxLength: 300 }),
  fc.uint8Array({ maxLength: 16 }),
);
const fieldArb = fc.array(variantArb, { minLength: 3, maxLength: 3 });
const fieldsArb = fc.array(fc.tuple(fieldArb, fieldArb), { minLength: 1, maxLength: 6 });

/** A field whose reads are counted; `first` is what it answered first. */
class Shifting {
  reads = 0;
  first: VarBytes | undefined;
  readonly variants: readonly VarBytes[];
  constructor(variants: readonly VarBytes[]) {
    this.variants = variants;
  }
  read(): VarBytes {
    const v = this.variants[this.reads++ % this.variants.length]!;
    this.first ??= v;
    return v;
  }
}

const SHAPES = ["getters", "proxy", "pair getters", "iterable", "growing map"] as const;
type Shape = (typeof SHAPES)[number];

interface Built {
  readonly input: VarsInput;
  /** The [key, value] pairs as first read, in the order the encoder must write them. */
  pairs(): [VarBytes, VarBytes][];
  /** Most reads of any one key or value. */
  maxReads(): number;
}

function build(shape: Shape, fields: readonly (readonly [VarBytes[], VarBytes[]])[]): Built {
  const cells = fields.map(([k, v]) => [new Shifting(k), new Shifting(v)] as const);
  const maxReads = () => Math.max(...cells.flat().map((c) => c.reads));
  if (shape === "getters" || shape === "proxy") {
    // Keys of an object are strings: unique names, values shifting.
    const names = cells.map((_, i) => `K${i}`);
    const values = cells.map(([, v]) => v);
    const pairs = () => names.map((n, i): [VarBytes, VarBytes] => [n, values[i]!.first!]);
    if (shape === "getters") {
      const input: Record<string, VarBytes> = {};
      names.forEach((n, i) => {
        Object.defineProperty(input, n, { enumerable: true, get: () => values[i]!.read() });
      });
      return { input, pairs, maxReads };
    }
    let listed = 0;
    const input = new Proxy<Record<string, VarBytes>>(
      {},
      {
        // Later listings drop the last key: a second pass would see fewer vars.
        ownKeys: () => names.slice(0, names.length - Math.min(listed++, names.length)),
        getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
        get: (_, key) => values[names.indexOf(String(key))]?.read(),
      },
    );
    return { input, pairs, maxReads };
  }
  const firstPairs = () => cells.map(([k, v]): [VarBytes, VarBytes] => [k.first!, v.first!]);
  if (shape === "pair getters") {
    const input = cells.map(([k, v]) => {
      const pair: VarBytes[] = [];
      Object.defineProperty(pair, 0, { enumerable: true, get: () => k.read() });
      Object.defineProperty(pair, 1, { enumerable: true, get: () => v.read() });
      return pair as unknown as [VarBytes, VarBytes];
    });
    return { input, pairs: firstPairs, maxReads };
  }
  if (shape === "iterable") {
    // Each pass yields one pair fewer, and reads the fields again.
    let passes = 0;
    const input = {
      *[Symbol.iterator]() {
        const n = cells.length - Math.min(passes++, cells.length);
        for (const [k, v] of cells.slice(0, n)) yield [k.read(), v.read()] as const;
      },
    };
    return { input: input as VarsInput, pairs: firstPairs, maxReads };
  }
  // A Map that adds an entry each time one is read during the first pass.
  const seen: [VarBytes, VarBytes][] = [];
  let pass = 0;
  class GrowingMap extends Map<VarBytes, VarBytes> {
    override *[Symbol.iterator](): MapIterator<[VarBytes, VarBytes]> {
      pass++;
      let added = 0;
      for (const entry of super.entries()) {
        if (pass === 1) seen.push(entry);
        if (added++ < 3) this.set(`ADDED${this.size}`, "x".repeat(this.size));
        yield entry;
      }
    }
  }
  const map = new GrowingMap(cells.map(([k, v]) => [k.read(), v.read()]));
  for (const [k, v] of cells) {
    k.reads = 0;
    v.reads = 0;
  }
  return { input: map, pairs: () => seen, maxReads: () => pass };
}

const isLatin1 = (s: string) => [...s].every((c) => c.charCodeAt(0) <= 0xff);

/** The oracle's vars block for `pairs`, or undefined when a string is not encodable. */
function expectedBlock(pairs: readonly [VarBytes, VarBytes][], encoding: Encoding) {
  const bytes = (f: VarBytes): Uint8Array | undefined => {
    if (typeof f !== "string") return f;
    if (encoding === "utf8") return f.isWellFormed() ? utf8Bytes(f) : undefined;
    return isLatin1(f) ? latin1Bytes(f) : undefined;
  };
  const encoded: [Uint8Array, Uint8Array][] = [];
  for (const [k, v] of pairs) {
    const kb = bytes(k);
    const vb = bytes(v);
    if (kb === undefined || vb === undefined) return undefined;
    encoded.push([kb, vb]);
  }
  return oracleEncodeVars(encoded);
}

function outcome(fn: () => Uint8Array | number): Uint8Array | number | UwsgiError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof UwsgiError) return e;
    throw e;
  }
}

const shapeArb = fc.constantFrom(...SHAPES);
const encodingArb = fc.constantFrom<Encoding>("latin1", "utf8");

describe("encoding reads each key and value once", () => {
  it("encodePacket: the oracle's bytes for the first reads, or UNENCODABLE_STRING", () => {
    fc.assert(
      fc.property(shapeArb, fieldsArb, encodingArb, (shape, fields, encoding) => {
        const b = build(shape, fields);
        const got = outcome(() => encodePacket({ modifier1: 5, vars: b.input }, { encoding }));
        expect(b.maxReads()).toBe(1);
        const block = expectedBlock(b.pairs(), encoding);
        if (block === undefined) {
          expect(got).toMatchObject({ code: "UNENCODABLE_STRING" });
        } else {
          expect(got).toBeInstanceOf(Uint8Array);
          expect(hex(got as Uint8Array)).toBe(hex(oracleEncodePacket(5, 0, block)));
        }
      }),
    );
  });

  it("encodeVars gives the same block", () => {
    fc.assert(
      fc.property(shapeArb, fieldsArb, encodingArb, (shape, fields, encoding) => {
        const b = build(shape, fields);
        const got = outcome(() => encodeVars(b.input, { encoding }));
        expect(b.maxReads()).toBe(1);
        const block = expectedBlock(b.pairs(), encoding);
        if (block === undefined) expect(got).toMatchObject({ code: "UNENCODABLE_STRING" });
        else expect(hex(got as Uint8Array)).toBe(hex(block));
      }),
    );
  });

  it("encodePacketInto writes exactly what it returns, and nothing when it refuses", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fieldsArb,
        encodingArb,
        fc.nat(8),
        (shape, fields, encoding, offset) => {
          const b = build(shape, fields);
          const target = new Uint8Array(offset + 4 + 6 * 2 * 1200 + 8).fill(0xa5);
          const got = outcome(() =>
            encodePacketInto({ vars: b.input }, target, offset, { encoding }),
          );
          expect(b.maxReads()).toBe(1);
          const block = expectedBlock(b.pairs(), encoding);
          const written = typeof got === "number" ? got : 0;
          if (block === undefined) {
            expect(got).toMatchObject({ code: "UNENCODABLE_STRING" });
          } else {
            const packet = oracleEncodePacket(0, 0, block);
            expect(written).toBe(packet.length);
            expect(hex(target.subarray(offset, offset + written))).toBe(hex(packet));
          }
          // Nothing outside what was returned (everything, on a refusal) was touched.
          const outside = [...target.subarray(0, offset), ...target.subarray(offset + written)];
          expect(outside.every((x) => x === 0xa5)).toBe(true);
        },
      ),
    );
  });

  it("array items that change between reads are read once too", () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { minLength: 1, maxLength: 6 }), (variants) => {
        const cells = variants.map((v) => new Shifting(v));
        const items: VarBytes[] = [];
        cells.forEach((c, i) => {
          Object.defineProperty(items, i, { enumerable: true, get: () => c.read() });
        });
        const got = outcome(() => encodeArray(items));
        expect(Math.max(...cells.map((c) => c.reads))).toBe(1);
        const firsts = cells.map((c) => c.first!);
        if (firsts.some((f) => typeof f === "string" && !isLatin1(f))) {
          expect(got).toMatchObject({ code: "UNENCODABLE_STRING" });
        } else {
          const bytes = firsts.map((f) => (typeof f === "string" ? latin1Bytes(f) : f));
          expect(hex(got as Uint8Array)).toBe(hex(oracleEncodeArray(bytes)));
        }
      }),
    );
  });
});
