import {
  allocBytes,
  bytesOf,
  latin1Slice,
  utf8ByteLength,
  utf8Slice,
  writeLatin1,
  writeUtf8,
} from "./bytes.js";
import { UwsgiError } from "./errors.js";

/**
 * How strings map to bytes. `latin1` (the default) maps each byte to the char with the same code,
 * so any bytes survive a decode/encode round trip; it is what uWSGI's Python 3 plugin, PEP 3333
 * and Node's HTTP headers use. `utf8` is for callers who know their values are UTF-8 text.
 */
export type TextEncoding = "latin1" | "utf8";

/** True when every char of `s` is below 0x80, so its latin1 and utf8 bytes are the same. */
export function isAscii(s: string): boolean {
  // From about 10 chars, native UTF-8 sizing (a fixed ~15 ns) beats a char loop (~2 ns a char):
  // measured on Node 20.20, see bench/strings.bench.ts.
  if (s.length >= 10) return utf8ByteLength(s) === s.length;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Byte length of `s` in `encoding`, refusing what the encoding cannot represent.
 * `offset` is only used to place the error.
 */
export function stringByteLength(s: string, encoding: TextEncoding, offset: number): number {
  if (encoding === "latin1") {
    if (!isAscii(s)) {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) {
          throw new UwsgiError(
            "UNENCODABLE_STRING",
            offset,
            "chars U+0000-U+00FF for latin1",
            `char U+${c.toString(16).toUpperCase().padStart(4, "0")} at index ${i} has no latin1 byte; pass bytes or use encoding "utf8"`,
          );
        }
      }
    }
    return s.length;
  }
  if (!s.isWellFormed()) {
    throw new UwsgiError(
      "UNENCODABLE_STRING",
      offset,
      "a well-formed UTF-16 string",
      "string holds a lone surrogate, which has no UTF-8 encoding",
    );
  }
  return utf8ByteLength(s);
}

/** Writes `s` (already checked by stringByteLength) at `offset`; returns the bytes written. */
export function writeString(
  buf: Uint8Array,
  s: string,
  offset: number,
  encoding: TextEncoding,
): number {
  if (encoding === "latin1") {
    const n = s.length;
    // Short strings: a byte loop avoids the native call's fixed cost (bench/strings).
    if (n < 16) {
      for (let i = 0; i < n; i++) buf[offset + i] = s.charCodeAt(i);
      return n;
    }
    writeLatin1(buf, s, offset);
    return n;
  }
  return writeUtf8(buf, s, offset, buf.length - offset);
}

/** Decodes `buf[start, end)`; bounds are the caller's responsibility (checked at decode time). */
export function decodeString(
  buf: Uint8Array,
  start: number,
  end: number,
  encoding: TextEncoding,
): string {
  if (encoding === "latin1") return latin1Slice(buf, start, end);
  const s = utf8Slice(buf, start, end);
  if (s === undefined) {
    throw new UwsgiError(
      "INVALID_UTF8",
      start,
      "valid UTF-8",
      `bytes ${start}..${end} are not valid UTF-8; read them with getBytes or decode as latin1`,
    );
  }
  return s;
}

/**
 * Compares the bytes `buf[start, start + len)` with `key` without making a string.
 * `keyBytes` is `key` already encoded when it is not ASCII under utf8, else undefined.
 */
export function bytesEqualKey(
  buf: Uint8Array,
  start: number,
  len: number,
  key: string,
  keyBytes: Uint8Array | undefined,
): boolean {
  if (keyBytes !== undefined) {
    if (keyBytes.length !== len) return false;
    for (let i = 0; i < len; i++) if (buf[start + i] !== keyBytes[i]) return false;
    return true;
  }
  if (key.length !== len) return false;
  for (let i = 0; i < len; i++) if (buf[start + i] !== key.charCodeAt(i)) return false;
  return true;
}

/**
 * The needle bytesEqualKey needs for `key`: undefined when comparing char codes is exact, null
 * when no bytes can match (a lone surrogate has no UTF-8 form; an encoder would make it U+FFFD).
 */
export function keyNeedle(key: string, encoding: TextEncoding): Uint8Array | undefined | null {
  if (encoding === "latin1" || isAscii(key)) return undefined;
  if (!key.isWellFormed()) return null;
  const bytes = allocBytes(utf8ByteLength(key));
  writeUtf8(bytes, key, 0, bytes.length);
  return bytes;
}

/** `bytes` as a Uint8Array over the same memory (see bytesOf); anything else is refused. */
export function asBytes(bytes: unknown): Uint8Array {
  const view = bytesOf(bytes);
  if (view === undefined) {
    throw new UwsgiError(
      "INVALID_ARGUMENT",
      0,
      "a Buffer or Uint8Array",
      `input is ${bytes === null ? "null" : typeof bytes}`,
    );
  }
  return view;
}
