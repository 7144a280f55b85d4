// Inputs outside the TypeScript types still get a UwsgiError, never a TypeError from deep inside.
import { describe, expect, it } from "vitest";
import { decodePacket, decodeVars, encodePacket, encodeVars, UwsgiError } from "../../src/index.js";

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (err) {
    return err instanceof UwsgiError ? err.code : `other: ${String(err)}`;
  }
}

const untyped = <T>(v: unknown) => v as T;

describe("hostile arguments", () => {
  it.each([
    ["a string", "00000000"],
    ["null", null],
    ["a number", 7],
  ])("decodePacket of %s is INVALID_ARGUMENT", (_, input) => {
    expect(codeOf(() => decodePacket(untyped<Uint8Array>(input)))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => decodeVars(untyped<Uint8Array>(input)))).toBe("INVALID_ARGUMENT");
  });

  it.each([
    ["null vars", null],
    ["a number", 3],
    ["a pair that is null", [null]],
    ["a pair that is a string", ["AB"]],
  ])("encodeVars of %s is INVALID_ARGUMENT", (_, vars) => {
    expect(codeOf(() => encodeVars(untyped<[string, string][]>(vars)))).toBe("INVALID_ARGUMENT");
    expect(codeOf(() => encodePacket({ vars: untyped<[string, string][]>(vars) }))).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("the offset of a bad pair is where it would have been written", () => {
    const err = (() => {
      try {
        encodeVars(untyped<[string, string][]>([["A", "b"], null]));
      } catch (e) {
        return e as UwsgiError;
      }
      return undefined;
    })();
    expect(err?.offset).toBe(6);
  });
});

describe("options outside the types", () => {
  it("allowEmptyKeys must be a boolean", () => {
    const empty = Buffer.from("0000000000", "hex").subarray(0, 4);
    expect(codeOf(() => decodeVars(empty, 0, 4, untyped({ allowEmptyKeys: "no" })))).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("decodeVars applies an explicit maxDatasize to the block", () => {
    const block = encodeVars([["A", "12"]]);
    expect(codeOf(() => decodeVars(block, 0, undefined, { maxDatasize: block.length - 1 }))).toBe(
      "DATASIZE_OVER_LIMIT",
    );
    expect(decodeVars(block, 0, undefined, { maxDatasize: block.length }).size).toBe(1);
  });
});
