import { describe, expect, it } from "vitest";
import { KNOWN_KEYS, knownKey } from "../../src/codec/known-keys.js";
import { decodeVars, encodeVars } from "../../src/index.js";

describe("well-known key names", () => {
  const keys = [
    "HTTP_HOST",
    "HTTP_HOAT",
    "XTTP_HOST",
    "PATH_INFO",
    "PATH_INFX",
    "A".repeat(40),
    "QUERY_STRING",
  ];
  for (const encoding of ["latin1", "utf8"] as const) {
    it(`come back exactly, whether or not they are interned (${encoding})`, () => {
      const view = decodeVars(encodeVars(keys.map((k) => [k, k.toLowerCase()])), 0, undefined, {
        encoding,
      });
      expect([...view.keys()]).toEqual(keys);
      expect(view.toObject()["HTTP_HOAT"]).toBe("http_hoat");
      expect(view.get("HTTP_HOST")).toBe("http_host");
    });
  }
});

describe("knownKey", () => {
  const bytes = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

  it("finds every name it knows, at any offset, and only in full", () => {
    for (const name of KNOWN_KEYS) {
      const padded = bytes(`xx${name}yy`);
      expect(knownKey(padded, 2, name.length)).toBe(name);
      expect(knownKey(padded, 2, name.length - 1)).toBe(
        KNOWN_KEYS.includes(name.slice(0, -1)) ? name.slice(0, -1) : undefined,
      );
      expect(knownKey(padded, 1, name.length)).toBeUndefined();
    }
    expect(knownKey(bytes(""), 0, 0)).toBeUndefined();
  });

  it("refuses a name with any one byte changed (the hash picks a slot, the bytes decide)", () => {
    for (const name of KNOWN_KEYS) {
      for (let i = 0; i < name.length; i++) {
        for (const b of [0x00, 0x41, 0x5f, 0x61, 0xff]) {
          const changed = bytes(name);
          if (changed[i] === b) continue;
          changed[i] = b;
          const text = String.fromCharCode(...changed);
          expect(knownKey(changed, 0, changed.length)).toBe(
            KNOWN_KEYS.includes(text) ? text : undefined,
          );
        }
      }
    }
  });
});
