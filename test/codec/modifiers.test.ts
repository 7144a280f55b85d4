// The modifier1 registry: names, known/unknown values, payload kinds by modifier1 (and modifier2
// for cache and RPC), refusals of values that are not bytes.
import { describe, expect, it } from "vitest";
import { Modifier1, modifierInfo, modifierName, payloadKindOf } from "../../src/index.js";
import { argumentError } from "../support/checks.js";

describe("modifierName / modifierInfo", () => {
  it.each([
    [0, "WSGI", "vars"],
    [5, "PSGI", "vars"],
    [8, "JVM", "vars"],
    [17, "SPOOLER", "vars"],
    [26, "FASTFUNC", "empty"],
    [27, "GLUSTERFS", "vars"],
    [30, "WSGI_SCRIPT_NAME", "vars"],
    [99, "CONFIG", "vars"],
    [100, "PING", "empty"],
    [101, "ECHO", "raw"],
    [110, "SIGNAL", "empty"],
    [111, "CACHE", "raw"],
    [173, "RPC", "array"],
    [200, "PERSISTENT_CLOSE", "empty"],
    [224, "SUBSCRIPTION", "vars"],
    [255, "RESPONSE", "raw"],
  ])("%i is %s, payload %s", (m1, name, payload) => {
    expect(modifierName(m1)).toBe(name);
    const info = modifierInfo(m1);
    expect([info.name, info.known, info.payload]).toEqual([name, true, payload]);
    expect(info.description.length).toBeGreaterThan(0);
    expect(Modifier1[name as keyof typeof Modifier1]).toBe(m1);
  });

  it.each([1, 2, 3, 4, 42, 254])("%i is unknown: UNKNOWN_<n>, raw", (m1) => {
    expect(modifierName(m1)).toBe(`UNKNOWN_${m1}`);
    expect(modifierInfo(m1)).toMatchObject({ name: `UNKNOWN_${m1}`, known: false, payload: "raw" });
  });

  it("gives the same frozen entry on every call", () => {
    expect(modifierInfo(42)).toBe(modifierInfo(42));
    expect(Object.isFrozen(modifierInfo(0))).toBe(true);
    expect(Object.isFrozen(modifierInfo(42))).toBe(true);
  });

  it.each([256, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])(
    "refuses %s (ERR_OUT_OF_RANGE)",
    (m1) => {
      expect(argumentError(() => modifierName(m1)).code).toBe("ERR_OUT_OF_RANGE");
      expect(argumentError(() => modifierInfo(m1)).code).toBe("ERR_OUT_OF_RANGE");
      expect(argumentError(() => payloadKindOf(m1, 0)).code).toBe("ERR_OUT_OF_RANGE");
    },
  );

  it("every value of Modifier1 is a known entry under its own name, all distinct", () => {
    const entries = Object.entries(Modifier1);
    expect(new Set(entries.map(([, v]) => v)).size).toBe(entries.length);
    for (const [name, value] of entries) {
      expect(modifierInfo(value)).toMatchObject({ name, known: true });
    }
    let known = 0;
    for (let m = 0; m < 256; m++) if (modifierInfo(m).known) known++;
    expect(known).toBe(entries.length);
  });

  // Regression (found by these tests): the constant was spelled CORERROUTER_SIGNAL; uWSGI calls
  // the component "corerouter".
  it("names 123 COREROUTER_SIGNAL", () => {
    expect(modifierName(123)).toBe("COREROUTER_SIGNAL");
  });
});

describe("payloadKindOf", () => {
  it.each([
    [0, "raw", "get: a bare key"],
    [1, "array", "set: [key, value]"],
    [2, "raw", "del: a bare key"],
    [3, "vars", "dict get"],
    [4, "vars", "dict get"],
    [5, "raw", "get-stream"],
    [6, "raw", "dump"],
    [10, "array", "UDP sync set"],
    [11, "array", "UDP sync del"],
    [17, "vars", "magic"],
    [255, "raw", "anything else"],
  ])("cache 111/%i is %s (%s)", (m2, kind) => {
    expect(payloadKindOf(111, m2)).toBe(kind);
  });

  it.each([
    [0, "array", "framed answer"],
    [1, "array", "raw answer"],
    [2, "vars", "call from PATH_INFO"],
    [3, "raw", "XML-RPC body"],
    [4, "array", "anything else"],
  ])("RPC 173/%i is %s (%s)", (m2, kind) => {
    expect(payloadKindOf(173, m2)).toBe(kind);
  });

  it("depends on modifier1 alone for everything else", () => {
    for (let m1 = 0; m1 < 256; m1++) {
      if (m1 === 111 || m1 === 173) continue;
      const kind = modifierInfo(m1).payload;
      expect([payloadKindOf(m1, 0), payloadKindOf(m1, 7), payloadKindOf(m1, 255)]).toEqual([
        kind,
        kind,
        kind,
      ]);
    }
  });
});
