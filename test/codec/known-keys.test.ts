import { describe, expect, it } from "vitest";
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
