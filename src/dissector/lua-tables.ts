// The part of the Wireshark dissector that comes from the codec's registry: modifier1 names and
// descriptions, the payload kind of each request, the answer each request gets and what follows
// a request packet. Made from `modifierInfo`, `payloadKindOf`, `answerFramingOf` and
// `requestTrailerOf`, so the dissector and the codec cannot disagree.

import { answerFramingOf, requestTrailerOf } from "../codec/answer-framing.js";
import { modifierInfo, payloadKindOf } from "../codec/modifiers.js";

/** A Lua string literal: the text's bytes with everything outside printable ASCII escaped. */
export function luaString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += `\\${text[i]}`;
    else if (c >= 0x20 && c < 0x7f) out += text[i];
    else if (c <= 0xff) out += `\\${c.toString().padStart(3, "0")}`;
    else out += "?";
  }
  return `${out}"`;
}

/** `{ [k] = v, ... }` with keys in ascending order. */
function luaTable(entries: readonly (readonly [number, string])[]): string {
  return `{ ${entries.map(([k, v]) => `[${k}] = ${v}`).join(", ")} }`;
}

/**
 * A per-modifier1 default and, for the values of modifier1 whose answer depends on modifier2,
 * the modifier2 values that differ from it: `DEFAULT[m1]` and `BY_M2[m1][m2]`.
 */
function byModifiers(
  name: string,
  of: (m1: number, m2: number) => string,
  known: readonly number[],
): string {
  const defaults: [number, string][] = [];
  const exceptions: [number, string][] = [];
  for (const m1 of known) {
    // The value most modifier2 give is the default; the rest are listed.
    const counts = new Map<string, number>();
    const values: string[] = [];
    for (let m2 = 0; m2 < 256; m2++) {
      const v = of(m1, m2);
      values.push(v);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    const common = [...counts].sort((a, b) => b[1] - a[1])[0]![0];
    defaults.push([m1, luaString(common)]);
    const differ: [number, string][] = [];
    values.forEach((v, m2) => {
      if (v !== common) differ.push([m2, luaString(v)]);
    });
    if (differ.length > 0) exceptions.push([m1, luaTable(differ)]);
  }
  return `local ${name} = ${luaTable(defaults)}\nlocal ${name}_M2 = ${luaTable(exceptions)}\n`;
}

/** The generated Lua tables. */
export function luaTables(): string {
  const known: number[] = [];
  const names: [number, string][] = [];
  const descriptions: [number, string][] = [];
  for (let m1 = 0; m1 < 256; m1++) {
    const info = modifierInfo(m1);
    if (!info.known) continue;
    known.push(m1);
    names.push([m1, luaString(info.name)]);
    descriptions.push([m1, luaString(info.description)]);
  }
  return [
    `local M1_NAMES = ${luaTable(names)}\n`,
    `local M1_DESCRIPTIONS = ${luaTable(descriptions)}\n`,
    byModifiers("KIND", payloadKindOf, known),
    byModifiers("ANSWER", answerFramingOf, known),
    byModifiers("TRAILER", requestTrailerOf, known),
  ].join("");
}
