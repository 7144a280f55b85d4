import { invalidArgType, invalidArgValue } from "./arguments.js";
import {
  allocBytes,
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

/**
 * How an `encoding` option may be spelled: Node's names, in any letter case (`"latin1"` or
 * `"binary"`; `"utf8"` or `"utf-8"`). WHATWG labels such as `"iso-8859-1"` and `"ascii"` are
 * refused: TextDecoder reads them as windows-1252, which maps bytes 0x80-0x9F to other chars.
 */
export type TextEncodingName = "latin1" | "binary" | "utf8" | "utf-8";

// WHATWG labels of windows-1252 that a caller may take for latin1.
const WINDOWS_1252 = ["ascii", "us-ascii", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1"];

/** @internal The encoding an `encoding` argument or option names (`name` is its name). */
export function textEncoding(name: string, value: unknown): TextEncoding {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  const lower = value.toLowerCase();
  if (lower === "latin1" || lower === "binary") return "latin1";
  if (lower === "utf8" || lower === "utf-8") return "utf8";
  throw invalidArgValue(
    name,
    value,
    WINDOWS_1252.includes(lower) || lower === "windows-1252"
      ? 'must be "latin1" or "utf8": TextDecoder reads this label as windows-1252, which is not latin1 (each byte the char of the same code)'
      : 'must be "latin1" (or "binary") or "utf8" (or "utf-8")',
  );
}

/** True when every char of `s` is below 0x80, so its latin1 and utf8 bytes are the same. */
export function isAscii(s: string): boolean {
  // From about 10 chars, native UTF-8 sizing (a fixed ~15 ns) beats a char loop (~2 ns a char,
  // Node 20.20).
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
    let or = 0;
    for (let i = 0; i < s.length; i++) or |= s.charCodeAt(i);
    if (or > 0xff) {
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

/** Writes `s`, checked and sized (`n` bytes) by stringByteLength, at `offset`. */
export function writeSized(
  buf: Uint8Array,
  s: string,
  offset: number,
  n: number,
  encoding: TextEncoding,
): void {
  if (encoding === "utf8") writeUtf8(buf, s, offset, n);
  // Short strings: a byte loop avoids the native call's fixed cost.
  else if (n < 16) for (let i = 0; i < n; i++) buf[offset + i] = s.charCodeAt(i);
  else writeLatin1(buf, s, offset);
}

/** Writes `s` (already checked by stringByteLength) at `offset`; returns the bytes written. */
export function writeString(
  buf: Uint8Array,
  s: string,
  offset: number,
  encoding: TextEncoding,
): number {
  const n = encoding === "latin1" ? s.length : buf.length - offset;
  if (encoding === "utf8") return writeUtf8(buf, s, offset, n);
  writeSized(buf, s, offset, n, encoding);
  return n;
}

/** True when every byte of `buf[start, end)` is below 0x80 (its latin1 and utf8 text agree). */
export function isAsciiBytes(buf: Uint8Array, start: number, end: number): boolean {
  let or = 0;
  for (let i = start; i < end; i++) or |= buf[i]!;
  return or < 0x80;
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
