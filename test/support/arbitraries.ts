// fast-check arbitraries for uwsgi vars, arrays, packets and byte mutations. Most cases are small
// (fast, and they shrink well); a weighted few reach the 65535-byte limits.
import fc from "fast-check";
import { oracleEncodeArray, oracleEncodePacket, oracleEncodeVars } from "./oracle.js";

/** Largest datasize and field length (kept here so the arbitraries do not depend on src). */
export const U16_MAX = 65535;

export type BytePair = [Uint8Array, Uint8Array];
export type StringPair = [string, string];

/** Bytes of a size in [min, max], mostly short, sometimes a few hundred. */
export function bytesArb(min: number, shortMax: number, longMax: number): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 8, arbitrary: fc.uint8Array({ minLength: min, maxLength: shortMax }) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: min, maxLength: longMax }) },
  );
}

/** Keys: 1 to 300 bytes, any byte values (NUL, CR, LF, >= 0x80 included). */
export const keyBytesArb = bytesArb(1, 12, 300);

/** Values: 0 to 2000 bytes; empty values are common (uWSGI accepts them). */
export const valueBytesArb = fc.oneof(
  { weight: 2, arbitrary: fc.constant(new Uint8Array(0)) },
  { weight: 8, arbitrary: bytesArb(0, 16, 2000) },
);

/**
 * Puts some keys of `pairs` in again (with other values) at arbitrary places, so duplicate keys
 * are frequent rather than a 1-in-2^n accident.
 */
export function withDuplicates<K, V>(
  pairs: fc.Arbitrary<[K, V][]>,
  values: fc.Arbitrary<V>,
): fc.Arbitrary<[K, V][]> {
  return fc
    .tuple(pairs, fc.array(fc.tuple(fc.nat(), values, fc.nat()), { maxLength: 4 }))
    .map(([base, dups]) => {
      if (base.length === 0) return base;
      const out = [...base];
      for (const [which, value, at] of dups) {
        out.splice(at % (out.length + 1), 0, [base[which % base.length]![0], value]);
      }
      return out;
    });
}

/** A few small binary pairs with duplicates: the bulk of every property. */
export function smallBytePairsArb(maxLength = 8): fc.Arbitrary<BytePair[]> {
  return withDuplicates(
    fc.array(fc.tuple(keyBytesArb, valueBytesArb), { maxLength }),
    valueBytesArb,
  );
}

/** Deterministic filler: random 64 KiB arrays are slow to generate and hopeless to shrink. */
export function filledBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (seed + i * 131) & 0xff;
  return out;
}

/**
 * Pairs whose vars block is 65535 - slack bytes: a few small pairs plus one big value sized to
 * fill the rest (slack 0, i.e. exactly 65535, is among the first values tried).
 */
export const bigBytePairsArb: fc.Arbitrary<BytePair[]> = fc
  .tuple(
    smallBytePairsArb(4),
    keyBytesArb,
    fc.integer({ min: 0, max: 64 }),
    fc.nat(),
    fc.integer({ min: 0, max: 255 }),
  )
  .map(([pairs, key, slack, at, seed]) => {
    const room = U16_MAX - oracleEncodeVars(pairs).length - 4 - key.length - slack;
    if (room < 0) return pairs;
    const out = [...pairs];
    out.splice(at % (out.length + 1), 0, [key, filledBytes(room, seed)]);
    return out;
  });

/** Many tiny vars (1-byte keys, empty values): fills offset tables, up to 13107 vars. */
export const manyBytePairsArb: fc.Arbitrary<BytePair[]> = fc
  .integer({ min: 200, max: Math.floor(U16_MAX / 5) })
  .map((n) =>
    Array.from({ length: n }, (_, i): BytePair => [Uint8Array.of(i & 0xff), new Uint8Array(0)]),
  );

/** Binary pairs: mostly small, a few near the 65535-byte limit, a few with thousands of vars. */
export const bytePairsArb: fc.Arbitrary<BytePair[]> = fc.oneof(
  { weight: 40, arbitrary: smallBytePairsArb() },
  { weight: 1, arbitrary: bigBytePairsArb },
  { weight: 1, arbitrary: manyBytePairsArb },
);

/** Binary pairs where keys may be empty too (for `allowEmptyKeys: true`). */
export const bytePairsEmptyKeysArb: fc.Arbitrary<BytePair[]> = withDuplicates(
  fc.array(fc.tuple(fc.oneof(fc.constant(new Uint8Array(0)), keyBytesArb), valueBytesArb), {
    maxLength: 8,
  }),
  valueBytesArb,
);

/** A char U+0000-U+00FF: every latin1 byte. */
export const latin1CharArb = fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c));

export const latin1KeyArb = fc.string({ unit: latin1CharArb, minLength: 1, maxLength: 16 });
export const latin1ValueArb = fc.string({ unit: latin1CharArb, maxLength: 40 });

/** Latin1 string pairs with duplicates. */
export const latin1PairsArb: fc.Arbitrary<StringPair[]> = withDuplicates(
  fc.array(fc.tuple(latin1KeyArb, latin1ValueArb), { maxLength: 8 }),
  latin1ValueArb,
);

/** Any well-formed string: any code point (astral included) or printable graphemes. */
function unicodeArb(minLength: number, maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "binary", minLength, maxLength }),
    fc.string({ unit: "grapheme", minLength, maxLength }),
  );
}

export const unicodeKeyArb = unicodeArb(1, 12);
export const unicodeValueArb = unicodeArb(0, 30);

/** Unicode string pairs with duplicates, for `encoding: "utf8"`. */
export const unicodePairsArb: fc.Arbitrary<StringPair[]> = withDuplicates(
  fc.array(fc.tuple(unicodeKeyArb, unicodeValueArb), { maxLength: 8 }),
  unicodeValueArb,
);

export const byteArb = fc.integer({ min: 0, max: 255 });

/** modifier1: mostly 0 (WSGI, vars), else any byte. */
export const modifier1Arb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, byteArb);

/** Array items: empty items included (uWSGI's RPC skips them, the codec keeps them). */
export const itemsArb: fc.Arbitrary<Uint8Array[]> = fc.oneof(
  { weight: 30, arbitrary: fc.array(valueBytesArb, { maxLength: 10 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(valueBytesArb, { maxLength: 3 }), fc.integer({ min: 0, max: 32 }), byteArb)
      .map(([items, slack, seed]) => {
        const room = U16_MAX - oracleEncodeArray(items).length - 2 - slack;
        return room < 0 ? items : [...items, filledBytes(room, seed)];
      }),
  },
);

/** One change to a byte string; positions are taken modulo the current length. */
export type Mutation =
  | { readonly op: "set"; readonly at: number; readonly byte: number }
  | { readonly op: "flip"; readonly at: number; readonly bit: number }
  | { readonly op: "u16"; readonly at: number; readonly value: number }
  | { readonly op: "insert"; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: "delete"; readonly at: number; readonly count: number }
  | { readonly op: "truncate"; readonly at: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("set" as const), at: fc.nat(), byte: byteArb }),
  fc.record({
    op: fc.constant("flip" as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
  fc.record({
    op: fc.constant("u16" as const),
    at: fc.nat(),
    value: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: U16_MAX })),
  }),
  fc.record({
    op: fc.constant("insert" as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }),
  }),
  fc.record({
    op: fc.constant("delete" as const),
    at: fc.nat(),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
);

/** Applies `mutations` in turn; with `fixDatasize`, rewrites the header's datasize to match. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[], fixDatasize: boolean) {
  let b = [...input];
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    if (m.op === "set" && b.length > 0) b[at] = m.byte;
    else if (m.op === "flip" && b.length > 0) b[at] = b[at]! ^ (1 << m.bit);
    else if (m.op === "u16" && b.length > 1) {
      const i = Math.min(at, b.length - 2);
      b[i] = m.value & 0xff;
      b[i + 1] = m.value >> 8;
    } else if (m.op === "insert") b.splice(m.at % (b.length + 1), 0, ...m.bytes);
    else if (m.op === "delete") b.splice(at, m.count);
    else if (m.op === "truncate") b = b.slice(0, at);
  }
  if (fixDatasize && b.length >= 4 && b.length - 4 <= U16_MAX) {
    b[1] = (b.length - 4) & 0xff;
    b[2] = (b.length - 4) >> 8;
  }
  return Uint8Array.from(b);
}

/** A small valid vars packet (modifier1 mostly 0), encoded by the oracle. */
export const smallVarsPacketBytesArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(modifier1Arb, byteArb, smallBytePairsArb(5))
  .map(([m1, m2, pairs]) => oracleEncodePacket(m1, m2, oracleEncodeVars(pairs)));

/** A small valid RPC (array) packet, encoded by the oracle. */
export const smallArrayPacketBytesArb: fc.Arbitrary<Uint8Array> = fc
  .tuple(byteArb, fc.array(bytesArb(0, 8, 40), { maxLength: 6 }))
  .map(([m2, items]) =>
    oracleEncodePacket(173, m2 === 2 || m2 === 3 ? 0 : m2, oracleEncodeArray(items)),
  );

/** Mutants of valid packets: far more structure-aware than random bytes. */
export function mutantArb(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(base, fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([bytes, muts, fix]) => mutate(bytes, muts, fix));
}

/** How to change one length field: add a little, flip one bit, or set 0 / 0xffff. */
export const lengthChangeArb: fc.Arbitrary<(old: number) => number> = fc.oneof(
  fc.integer({ min: -3, max: 3 }).map((d) => (old: number) => (old + d) & 0xffff),
  fc.integer({ min: 0, max: 15 }).map((bit) => (old: number) => old ^ (1 << bit)),
  fc.constantFrom(0, 1, 0xffff).map((v) => () => v),
);

/**
 * A valid packet with one of its length fields changed (datasize, a key, value or item length):
 * random flips rarely land on those, and they are what every bound check is about.
 */
function lengthMutant(
  build: fc.Arbitrary<{ packet: Uint8Array; fields: number[] }>,
): fc.Arbitrary<Uint8Array> {
  return fc.tuple(build, fc.nat(), lengthChangeArb).map(([{ packet, fields }, which, change]) => {
    const out = Uint8Array.from(packet);
    const at = fields[which % fields.length]!;
    const value = change(out[at]! | (out[at + 1]! << 8));
    out[at] = value & 0xff;
    out[at + 1] = value >> 8;
    return out;
  });
}

/** Vars packets with a length field changed. */
export const varsLengthMutantArb = lengthMutant(
  fc.tuple(modifier1Arb, byteArb, smallBytePairsArb(5)).map(([m1, m2, pairs]) => {
    const fields = [1];
    let pos = 4;
    for (const [k, v] of pairs) {
      fields.push(pos, pos + 2 + k.length);
      pos += 4 + k.length + v.length;
    }
    return { packet: oracleEncodePacket(m1, m2, oracleEncodeVars(pairs)), fields };
  }),
);

/** RPC (array) packets with a length field changed. */
export const arrayLengthMutantArb = lengthMutant(
  fc.array(bytesArb(0, 8, 40), { maxLength: 6 }).map((items) => {
    const fields = [1];
    let pos = 4;
    for (const item of items) {
      fields.push(pos);
      pos += 2 + item.length;
    }
    return { packet: oracleEncodePacket(173, 0, oracleEncodeArray(items)), fields };
  }),
);

/** Input for decode totality: random bytes, valid packets, and mutants of valid packets. */
export const decodeInputArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  smallVarsPacketBytesArb,
  mutantArb(smallVarsPacketBytesArb),
  mutantArb(smallArrayPacketBytesArb),
  varsLengthMutantArb,
  arrayLengthMutantArb,
);

/** A packet to encode: modifiers and binary pairs. */
export const varsPacketArb = fc.record({
  modifier1: modifier1Arb,
  modifier2: byteArb,
  vars: bytePairsArb,
});
