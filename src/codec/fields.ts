// The fields of an encode (keys, values, array items), read ONCE from the caller's input into a
// snapshot, sized there, then written from the snapshot. No caller code (a getter, a Proxy trap,
// an iterator) runs between sizing and writing, so the length fields always agree with the bytes.
//
// Sizes come from `.length` alone: exact for bytes and for latin1 strings, and for utf8 strings
// while they are ASCII. The fast write checks each string as it copies it (the OR of its char
// codes); a string that is not what the sizes assumed sends the encode down the exact path, which
// checks every field in wire order (so the first problem is the one reported, at its offset, as
// before) and, under utf8, writes with exact sizes. An ...Into encoder takes the exact path from
// the start, so it knows before it writes a byte whether it will refuse.
import { invalidArgType } from "./arguments.js";
import { allocBytes, HAS_NODE_BUFFER, utf8ByteLength, writeLatin1, writeUtf8 } from "./bytes.js";
import { LENGTH_SIZE, MAX_U16 } from "./constants.js";
import { UwsgiError } from "./errors.js";
import { stringByteLength, type TextEncoding } from "./text.js";

/** A key, value or array item: a string (encoded by the chosen encoding) or bytes as they are. */
export type VarBytes = string | Uint8Array;

// Below this many chars a JS loop beats a native call's fixed cost (about 20 ns, Node 20.20).
const SHORT = 32;

/** @internal Fields read once, in wire order, sized by their length. */
export class FieldSnapshot {
  readonly encoding: TextEncoding;
  /** Where the first field will be written in the output, so errors name output offsets. */
  readonly base: number;
  /** Array items (else vars: key, value, key, value...), to name a field in an error. */
  readonly items: boolean;
  readonly fields: VarBytes[] = [];
  /** 2 + length of every field: the exact size but for utf8 strings that are not ASCII. */
  byteLength = 0;
  /** The longest field's length (chars or bytes). */
  longest = 0;
  // Exact utf8 sizes, when validate found a string that is not ASCII.
  #sizes: number[] | undefined;

  constructor(encoding: TextEncoding, base: number, items: boolean) {
    this.encoding = encoding;
    this.base = base;
    this.items = items;
    this.#sizes = undefined;
  }

  /** Keeps one field; false (nothing kept) when it is neither a string nor a Uint8Array. */
  add(field: unknown): boolean {
    let n: number;
    if (typeof field === "string") n = field.length;
    else if (field instanceof Uint8Array) n = field.length;
    else return false;
    this.fields.push(field);
    this.byteLength += LENGTH_SIZE + n;
    if (n > this.longest) this.longest = n;
    return true;
  }

  /**
   * The exact path's check: every field in wire order, throwing the first `UNENCODABLE_STRING`
   * or `FIELD_TOO_LONG` at the field's length prefix in the output; returns the exact size.
   */
  validate(): number {
    const { fields, encoding } = this;
    const sizes: number[] | undefined = encoding === "utf8" ? [] : undefined;
    let total = 0;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const at = this.base + total;
      const n = typeof field === "string" ? stringByteLength(field, encoding, at) : field.length;
      if (n > MAX_U16) {
        const what = this.items ? "array item" : i % 2 === 0 ? "key" : "value";
        throw new UwsgiError(
          "FIELD_TOO_LONG",
          at,
          `a ${what} of at most ${MAX_U16} bytes`,
          `${what} is ${n} bytes; a uwsgi length field holds at most ${MAX_U16}`,
        );
      }
      sizes?.push(n);
      total += LENGTH_SIZE + n;
    }
    if (sizes !== undefined && total !== this.byteLength) this.#sizes = sizes;
    return total;
  }

  /**
   * Writes every field after its u16 LE length from `p`, as sized by `.length`; false when a
   * string is not what that assumed (a char over U+00FF in latin1, a non-ASCII char in utf8),
   * and what was written is then garbage to throw away.
   */
  writeFast(buf: Uint8Array, p: number): boolean {
    const fields = this.fields;
    const limit = this.encoding === "latin1" ? 0xff : 0x7f;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      if (typeof field !== "string") {
        const n = field.length;
        buf[p] = n & 0xff;
        buf[p + 1] = n >>> 8;
        buf.set(field, p + LENGTH_SIZE);
        p += LENGTH_SIZE + n;
        continue;
      }
      const n = field.length;
      buf[p] = n & 0xff;
      buf[p + 1] = n >>> 8;
      const at = p + LENGTH_SIZE;
      if (n < SHORT) {
        // Copy and check in one pass: the OR of the codes is over the limit if any one is.
        let or = 0;
        for (let i = 0; i < n; i++) {
          const c = field.charCodeAt(i);
          or |= c;
          buf[at + i] = c;
        }
        if (or > limit) return false;
      } else {
        if (!fitsIn(field, limit)) return false;
        writeLatin1(buf, field, at);
      }
      p = at + n;
    }
    return true;
  }

  /** Writes every field with the sizes validate found (call it first); returns the end offset. */
  writeExact(buf: Uint8Array, p: number): number {
    const { fields } = this;
    const sizes = this.#sizes;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      const n = sizes === undefined ? field.length : sizes[f]!;
      buf[p] = n & 0xff;
      buf[p + 1] = n >>> 8;
      p += LENGTH_SIZE;
      if (typeof field !== "string") buf.set(field, p);
      else if (n !== field.length) writeUtf8(buf, field, p, n);
      else if (n < SHORT) for (let i = 0; i < n; i++) buf[p + i] = field.charCodeAt(i);
      else writeLatin1(buf, field, p);
      p += n;
    }
    return p;
  }
}

/** True when every char of `s` is at most `limit` (0xff: latin1; 0x7f: ASCII). */
function fitsIn(s: string, limit: number): boolean {
  // Native UTF-8 sizing is faster than a loop on long strings (a fixed cost of about 20 ns).
  // Most strings are ASCII, which fits either limit.
  if (HAS_NODE_BUFFER && utf8ByteLength(s) === s.length) return true;
  if (limit === 0x7f) return false;
  let or = 0;
  for (let i = 0; i < s.length; i++) or |= s.charCodeAt(i);
  return or <= limit;
}

/**
 * @internal Encodes a snapshot into new memory, with `head` bytes left free before it (for the
 * packet header): the fast path, or the exact one when a field or the whole is too long for the
 * u16 fields (which then throws the first problem in wire order) or a string was not what the
 * fast path assumed. `what` names the data in a PACKET_TOO_LARGE.
 */
export function encodeSnapshot(snap: FieldSnapshot, head: number, what: string): Uint8Array {
  let size = snap.byteLength;
  if (snap.longest > MAX_U16 || size > MAX_U16) size = snap.validate();
  checkDatasize(size, snap.base, what);
  const buf = allocBytes(head + size);
  if (snap.writeFast(buf, head)) return buf;
  const exact = snap.validate();
  checkDatasize(exact, snap.base, what);
  const out = exact === size ? buf : allocBytes(head + exact);
  snap.writeExact(out, head);
  return out;
}

/**
 * @internal Encodes a snapshot into `target` at `at + head` (the caller writes the head), on the
 * exact path: nothing is written unless everything fits and every field is encodable. Returns
 * the data's size.
 */
export function encodeSnapshotInto(
  snap: FieldSnapshot,
  target: Uint8Array,
  at: number,
  head: number,
  what: string,
): number {
  const size = snap.validate();
  checkDatasize(size, snap.base, what);
  checkRoom(target, at, head + size);
  snap.writeExact(target, at + head);
  return size;
}

/** The argument error for a key, value or item that is neither a string nor a Uint8Array. */
export function fieldTypeError(name: string, field: unknown): Error {
  return invalidArgType(name, "a string or a Uint8Array", field);
}

/** Refuses a vars block or payload that no datasize can describe. */
export function checkDatasize(size: number, offset: number, what: string): void {
  if (size > MAX_U16) {
    throw new UwsgiError(
      "PACKET_TOO_LARGE",
      offset,
      `at most ${MAX_U16} bytes of data`,
      `${what} is ${size} bytes; the u16 datasize holds at most ${MAX_U16}`,
    );
  }
}

/**
 * Refuses to write `size` bytes at `offset` (already checked to lie in the buffer) into a buffer
 * that cannot hold them; `needed` says how many more bytes of room it would take.
 */
export function checkRoom(buf: Uint8Array, offset: number, size: number): void {
  const room = buf.length - offset;
  if (room < size) {
    throw new UwsgiError(
      "BUFFER_TOO_SMALL",
      offset,
      `${size} bytes of room`,
      `the buffer has ${room} bytes after offset ${offset}, ${size} are needed`,
      size - room,
    );
  }
}
