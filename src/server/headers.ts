import { invalidArgType } from "../codec/arguments.js";
import { isFieldByte, TOKEN } from "../parser/http-chars.js";
import { invalidChar, invalidHeaderValue, invalidToken } from "./response-errors.js";

/** A response header's value: several strings are several header lines (`Set-Cookie`). */
export type HeaderValue = string | number | readonly string[];

/** Headers given to `writeHead`: an object, or `[name, value]` pairs. */
export type ResponseHeaders =
  | Readonly<Record<string, HeaderValue>>
  | readonly (readonly [string, HeaderValue])[];

/** A header name argument: a string, else `ERR_INVALID_ARG_TYPE` (as `getHeader` in `node:http`). */
export function checkNameType(name: unknown): asserts name is string {
  if (typeof name !== "string") throw invalidArgType("name", "of type string", name);
}

/** Throws `ERR_INVALID_HTTP_TOKEN` unless `name` is a non-empty HTTP token (a string). */
export function checkHeaderName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) throw invalidToken(name, -1);
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 128 || TOKEN[c] === 0) throw invalidToken(name, i);
  }
}

/**
 * Throws `ERR_INVALID_CHAR` when `text` (the value of `header`, or the reason phrase when
 * `header` is null) has a character that is not HTAB, visible ASCII, space or 0x80-0xFF: CR and
 * LF would end the line early (header injection), and a char above U+00FF has no byte in the
 * latin1 the head is written in. The same characters as `node:http` refuses.
 */
export function checkFieldText(text: string, header: string | null): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || !isFieldByte(c)) throw invalidChar(text, i, header);
  }
}

/**
 * Checks a value and returns what is stored: a string or a copied array of strings. A value that
 * is not a string, a finite number or an array of them is `ERR_HTTP_INVALID_HEADER_VALUE`.
 */
export function checkHeaderValue(name: string, value: unknown): string | string[] {
  if (typeof value === "string") {
    checkFieldText(value, name);
    return value;
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalidHeaderValue(name, value);
    return String(value);
  }
  if (!Array.isArray(value)) throw invalidHeaderValue(name, value);
  const out: string[] = [];
  for (const v of value as readonly unknown[]) {
    if (typeof v !== "string" && typeof v !== "number") throw invalidHeaderValue(name, v);
    out.push(checkHeaderValue(name, v) as string);
  }
  return out;
}

/** Appends `Name: value\r\n` lines to `head`, one per value of an array. */
export function headerLines(head: string, name: string, value: string | readonly string[]): string {
  if (typeof value === "string") return `${head}${name}: ${value}\r\n`;
  for (let i = 0; i < value.length; i++) head += `${name}: ${value[i]}\r\n`;
  return head;
}
