// Byte helpers for the example-based codec tests: hex views, sentinel-filled targets (to prove
// nothing is written out of bounds) and an obvious wire encoder for expected bytes that shares
// nothing with src/.
import { createHash } from "node:crypto";

/** SHA-256 of bytes, in hex: how the tests compare bodies with what a peer hashed. */
export function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

/** Lowercase hex of any bytes (a view shows only its own bytes). */
export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** Bytes from hex; whitespace is ignored so fields can be grouped. */
export function unhex(h: string): Buffer {
  return Buffer.from(h.replace(/\s+/g, ""), "hex");
}

/** A buffer of `size` bytes all set to 0xee: anything written shows. */
export function sentinel(size: number): Buffer {
  return Buffer.alloc(size, 0xee);
}

/** True when every byte of `b[start, end)` is still the sentinel 0xee. */
export function untouched(b: Uint8Array, start = 0, end = b.length): boolean {
  for (let i = start; i < end; i++) if (b[i] !== 0xee) return false;
  return true;
}

/** A field as bytes: strings are latin1 (one byte a char), arrays are byte values. */
export type Field = string | readonly number[] | Uint8Array;

function bytes(f: Field): Buffer {
  return typeof f === "string" ? Buffer.from(f, "latin1") : Buffer.from(f);
}

function u16(n: number): Buffer {
  return Buffer.from([n & 0xff, n >>> 8]);
}

/** The vars block for `pairs`: `u16 LE | key | u16 LE | value` per pair. */
export function varsBlock(pairs: readonly (readonly [Field, Field])[]): Buffer {
  return Buffer.concat(
    pairs.flatMap(([k, v]) => [u16(bytes(k).length), bytes(k), u16(bytes(v).length), bytes(v)]),
  );
}

/** The uwsgi array for `items`: `u16 LE | bytes` per item. */
export function arrayBlock(items: readonly Field[]): Buffer {
  return Buffer.concat(items.flatMap((i) => [u16(bytes(i).length), bytes(i)]));
}

/** A whole packet: header (datasize from the data) then the data. */
export function packet(modifier1: number, modifier2: number, data: Uint8Array): Buffer {
  return Buffer.concat([
    Buffer.from([modifier1]),
    u16(data.length),
    Buffer.from([modifier2]),
    data,
  ]);
}
