import { LENGTH_SIZE, MAX_U16 } from "./constants.js";
import { UwsgiError } from "./errors.js";
import { checkOffset } from "./limits.js";
import { stringByteLength, type TextEncoding, writeString } from "./text.js";

/** A key, value or array item: a string (encoded by the chosen encoding) or bytes as they are. */
export type VarBytes = string | Uint8Array;

/** Length of one key, value or array item in bytes, refusing more than a u16 can say. */
export function fieldLength(
  field: VarBytes,
  encoding: TextEncoding,
  at: number,
  what: string,
): number {
  let n: number;
  if (typeof field === "string") n = stringByteLength(field, encoding, at);
  else if (field instanceof Uint8Array) n = field.length;
  else {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      at,
      "a string or a Uint8Array",
      `${what} is ${field === null ? "null" : typeof field}`,
    );
  }
  if (n > MAX_U16) {
    throw new UwsgiError(
      "FIELD_TOO_LONG",
      at,
      `a ${what} of at most ${MAX_U16} bytes`,
      `${what} is ${n} bytes; a uwsgi length field holds at most ${MAX_U16}`,
    );
  }
  return n;
}

/** Writes a u16 LE length then the field at `p`; returns the offset after it. */
export function writeField(
  buf: Buffer,
  p: number,
  field: VarBytes,
  encoding: TextEncoding,
): number {
  let n: number;
  if (typeof field === "string") n = writeString(buf, field, p + LENGTH_SIZE, encoding);
  else {
    buf.set(field, p + LENGTH_SIZE);
    n = field.length;
  }
  buf[p] = n & 0xff;
  buf[p + 1] = n >>> 8;
  return p + LENGTH_SIZE + n;
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

/** Refuses to write `size` bytes at `offset` into a buffer that cannot hold them. */
export function checkRoom(buf: Uint8Array, offset: number, size: number): void {
  checkOffset(offset, buf.length);
  if (buf.length - offset < size) {
    throw new UwsgiError(
      "BUFFER_TOO_SMALL",
      offset,
      `${size} bytes of room`,
      `the buffer has ${buf.length - offset} bytes after offset ${offset}, ${size} are needed`,
    );
  }
}
