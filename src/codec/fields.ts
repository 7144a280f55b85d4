// The fields of an encode (keys, values, array items), read ONCE from the caller's input into a
// snapshot, checked and sized there, then written from the snapshot. No caller code (a getter, a
// Proxy trap, an iterator) runs between sizing and writing, so the length fields always agree
// with the bytes, and an ...Into encoder knows before it writes a byte whether it will refuse.
import { invalidArgType } from "./arguments.js";
import { LENGTH_SIZE, MAX_U16 } from "./constants.js";
import { UwsgiError } from "./errors.js";
import { stringByteLength, type TextEncoding, writeSized } from "./text.js";

/** A key, value or array item: a string (encoded by the chosen encoding) or bytes as they are. */
export type VarBytes = string | Uint8Array;

/** @internal Fields read once, in wire order, with their encoded sizes. */
export class FieldSnapshot {
  readonly encoding: TextEncoding;
  /** Where the first field will be written in the output, so errors name output offsets. */
  readonly base: number;
  readonly fields: VarBytes[] = [];
  readonly sizes: number[] = [];
  /** Bytes of everything added so far, length prefixes included. */
  byteLength = 0;

  constructor(encoding: TextEncoding, base: number) {
    this.encoding = encoding;
    this.base = base;
  }

  /**
   * Checks one field, sizes it and keeps it; false (nothing kept) when it is neither a string nor
   * a Uint8Array, so the caller can name it in an argument error (see {@link fieldTypeError}). A
   * field over 65535 bytes is `FIELD_TOO_LONG`, a string the encoding cannot hold
   * `UNENCODABLE_STRING`, both placed at the field's length prefix in the output.
   */
  add(field: unknown, what: string): boolean {
    const at = this.base + this.byteLength;
    let n: number;
    if (typeof field === "string") n = stringByteLength(field, this.encoding, at);
    else if (field instanceof Uint8Array) n = field.length;
    else return false;
    if (n > MAX_U16) {
      throw new UwsgiError(
        "FIELD_TOO_LONG",
        at,
        `a ${what} of at most ${MAX_U16} bytes`,
        `${what} is ${n} bytes; a uwsgi length field holds at most ${MAX_U16}`,
      );
    }
    this.fields.push(field);
    this.sizes.push(n);
    this.byteLength += LENGTH_SIZE + n;
    return true;
  }

  /** Writes every field, each after its u16 LE length, from `p`; returns the end offset. */
  writeTo(buf: Uint8Array, p: number): number {
    const { fields, sizes, encoding } = this;
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i]!;
      const n = sizes[i]!;
      buf[p] = n & 0xff;
      buf[p + 1] = n >>> 8;
      p += LENGTH_SIZE;
      if (typeof field === "string") writeSized(buf, field, p, n, encoding);
      else buf.set(field.length === n ? field : field.subarray(0, n), p);
      p += n;
    }
    return p;
  }
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
