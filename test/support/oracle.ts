// A slow, obvious reference for the uwsgi wire format, written from docs/uwsgi-wire.md alone.
// It imports nothing from src/: property tests compare the codec against it, so a shared helper
// would let one bug hide on both sides. Clarity over speed everywhere (number arrays, byte loops).

/** A var as the oracle sees it: copies of its bytes and where they sit in the block. */
export interface OracleVar {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** Offset of the key bytes (after the key's length field) from the start of the block. */
  readonly keyOffset: number;
  /** Offset of the value bytes (after the value's length field) from the start of the block. */
  readonly valueOffset: number;
}

/** An array item: a copy of its bytes and their offset from the start of the payload. */
export interface OracleItem {
  readonly bytes: Uint8Array;
  readonly offset: number;
}

/** Why a block or packet is refused, and the offset (from the block start) of the bad field. */
export type OracleProblem =
  | "truncated"
  | "over-limit"
  | "trailing"
  | "empty-key"
  | "key-overrun"
  | "value-overrun"
  | "item-overrun"
  | "too-many";

export type OracleResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: OracleProblem; readonly at: number };

export interface OracleVarsRules {
  readonly allowEmptyKeys: boolean;
  readonly maxVars: number;
}

export interface OracleArrayRules {
  readonly maxItems: number;
}

export type OraclePacketRules = OracleVarsRules &
  OracleArrayRules & {
    readonly maxDatasize: number;
    /** How to read the data; the caller resolves "auto" (the registry is not the oracle's). */
    readonly kind: "vars" | "array" | "raw";
  };

export interface OraclePacket {
  readonly modifier1: number;
  readonly modifier2: number;
  readonly datasize: number;
  readonly vars?: OracleVar[];
  readonly items?: OracleItem[];
}

/** The two bytes of `n` as a u16, low byte first. */
export function u16le(n: number): Uint8Array {
  if (!(Number.isInteger(n) && n >= 0 && n <= 65535))
    throw new RangeError(`u16 out of range: ${n}`);
  return Uint8Array.of(n % 256, Math.floor(n / 256));
}

/** Reads a u16 LE at `i` (the caller checks the bounds). */
function readU16(bytes: Uint8Array, i: number): number {
  return bytes[i]! + 256 * bytes[i + 1]!;
}

/** Joins byte arrays, one byte at a time. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out: number[] = [];
  for (const part of parts) for (const b of part) out.push(b);
  return Uint8Array.from(out);
}

/** A fresh copy of `len` bytes of `src` from `start`. */
export function copyBytes(src: Uint8Array, start: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = src[start + i]!;
  return out;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** latin1: one byte per char, chars U+0000-U+00FF only. */
export function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new RangeError(`not latin1: U+${c.toString(16)}`);
    out[i] = c;
  }
  return out;
}

export function latin1String(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

export function utf8Bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** `u16(keylen) key u16(vallen) value` for each pair, end to end. */
export function oracleEncodeVars(
  pairs: readonly (readonly [Uint8Array, Uint8Array])[],
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const [key, value] of pairs) parts.push(u16le(key.length), key, u16le(value.length), value);
  return concatBytes(parts);
}

/** `u16(len) bytes` for each item, end to end. */
export function oracleEncodeArray(items: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const item of items) parts.push(u16le(item.length), item);
  return concatBytes(parts);
}

/** Header `[modifier1, size & 0xff, size >> 8, modifier2]` then the data. */
export function oracleEncodePacket(modifier1: number, modifier2: number, data: Uint8Array) {
  const size = data.length;
  return concatBytes([Uint8Array.of(modifier1, size & 0xff, size >> 8, modifier2), data]);
}

/** Walks a vars block; stops at the first problem, reading vars left to right. */
export function oracleWalkVars(
  block: Uint8Array,
  rules: OracleVarsRules,
): OracleResult<OracleVar[]> {
  const vars: OracleVar[] = [];
  let pos = 0;
  while (pos < block.length) {
    const varStart = pos;
    if (block.length - pos < 4) return { ok: false, problem: "trailing", at: varStart };
    const keyLen = readU16(block, pos);
    pos += 2;
    if (keyLen === 0 && !rules.allowEmptyKeys)
      return { ok: false, problem: "empty-key", at: varStart };
    if (pos + keyLen > block.length) return { ok: false, problem: "key-overrun", at: varStart };
    const keyOffset = pos;
    pos += keyLen;
    const valueField = pos;
    if (pos + 2 > block.length) return { ok: false, problem: "value-overrun", at: valueField };
    const valueLen = readU16(block, pos);
    pos += 2;
    if (pos + valueLen > block.length)
      return { ok: false, problem: "value-overrun", at: valueField };
    const valueOffset = pos;
    pos += valueLen;
    vars.push({
      key: copyBytes(block, keyOffset, keyLen),
      value: copyBytes(block, valueOffset, valueLen),
      keyOffset,
      valueOffset,
    });
    if (vars.length > rules.maxVars) return { ok: false, problem: "too-many", at: varStart };
  }
  return { ok: true, value: vars };
}

/** The vars of a block, or null when it is malformed or over `maxVars`. */
export function oracleDecodeVars(block: Uint8Array, rules: OracleVarsRules): OracleVar[] | null {
  const r = oracleWalkVars(block, rules);
  return r.ok ? r.value : null;
}

/** Walks a uwsgi array; stops at the first problem. */
export function oracleWalkArray(
  payload: Uint8Array,
  rules: OracleArrayRules,
): OracleResult<OracleItem[]> {
  const items: OracleItem[] = [];
  let pos = 0;
  while (pos < payload.length) {
    const itemStart = pos;
    if (payload.length - pos < 2) return { ok: false, problem: "trailing", at: itemStart };
    const len = readU16(payload, pos);
    pos += 2;
    if (pos + len > payload.length) return { ok: false, problem: "item-overrun", at: itemStart };
    items.push({ bytes: copyBytes(payload, pos, len), offset: pos });
    pos += len;
    if (items.length > rules.maxItems) return { ok: false, problem: "too-many", at: itemStart };
  }
  return { ok: true, value: items };
}

/**
 * The packet at `offset` of `buf`. A problem's `at` is absolute in `buf`. For "truncated", `at`
 * is the packet's offset and `missing` is how many bytes the input lacks.
 */
export function oracleDecodePacket(
  buf: Uint8Array,
  offset: number,
  rules: OraclePacketRules,
): OracleResult<OraclePacket> & { readonly missing?: number } {
  const avail = buf.length - offset;
  if (avail < 4) return { ok: false, problem: "truncated", at: offset, missing: 4 - avail };
  const modifier1 = buf[offset]!;
  const datasize = readU16(buf, offset + 1);
  const modifier2 = buf[offset + 3]!;
  if (datasize > rules.maxDatasize) return { ok: false, problem: "over-limit", at: offset + 1 };
  if (avail < 4 + datasize) {
    return { ok: false, problem: "truncated", at: offset, missing: 4 + datasize - avail };
  }
  const data = copyBytes(buf, offset + 4, datasize);
  const head = { modifier1, modifier2, datasize };
  if (rules.kind === "raw") return { ok: true, value: head };
  if (rules.kind === "vars") {
    const r = oracleWalkVars(data, rules);
    if (!r.ok) return { ok: false, problem: r.problem, at: offset + 4 + r.at };
    return { ok: true, value: { ...head, vars: r.value } };
  }
  const r = oracleWalkArray(data, rules);
  if (!r.ok) return { ok: false, problem: r.problem, at: offset + 4 + r.at };
  return { ok: true, value: { ...head, items: r.value } };
}

/** The environ a server builds: the last duplicate wins (null prototype, like `toObject`). */
export function lastWins(pairs: readonly (readonly [string, string])[]): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of pairs) out[k] = v;
  return out;
}

/** Index of the last pair whose key equals `key`, or -1. */
export function lastIndexOfKey(keys: readonly Uint8Array[], key: Uint8Array): number {
  for (let i = keys.length - 1; i >= 0; i--) if (sameBytes(keys[i]!, key)) return i;
  return -1;
}
