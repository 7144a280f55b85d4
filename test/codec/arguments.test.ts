import { describe, expect, it } from "vitest";
import {
  checkBoolean,
  checkInteger,
  checkOneOf,
  checkOptions,
  invalidArgType,
  missingArgs,
  received,
} from "../../src/codec/arguments.js";

describe("argument errors (Node's convention)", () => {
  it("describes what was received as Node does", () => {
    expect(received(undefined)).toBe("Received undefined");
    expect(received(null)).toBe("Received null");
    expect(received("5")).toBe("Received type string ('5')");
    expect(received(11)).toBe("Received 11");
    expect(received(2n)).toBe("Received 2n");
    expect(received(true)).toBe("Received true");
    expect(received({})).toBe("Received an object");
    expect(received(new Map())).toBe("Received an instance of Map");
    expect(received(function f() {})).toBe("Received function f");
    expect(received(() => {})).toBe("Received function <anonymous>");
    expect(received(Symbol("s"))).toBe("Received type symbol (Symbol(s))");
    expect(received("x".repeat(40))).toBe(`Received type string ('${"x".repeat(24)}...)`);
  });

  it("gives TypeError and RangeError with stable codes", () => {
    const t = invalidArgType("buf", "an instance of Uint8Array", "abc");
    expect(t).toBeInstanceOf(TypeError);
    expect(t.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(t.message).toBe(
      `The "buf" argument must be an instance of Uint8Array. Received type string ('abc')`,
    );
    expect(() => checkInteger("offset", 11, 0, 10)).toThrow(
      expect.objectContaining({ name: "RangeError", code: "ERR_OUT_OF_RANGE" }),
    );
    expect(() => checkInteger("offset", "1", 0, 10)).toThrow(
      expect.objectContaining({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" }),
    );
    expect(() => checkInteger("max", -1, 0, Number.POSITIVE_INFINITY)).toThrow(
      /It must be an integer >= 0 \(or Infinity\)/,
    );
    expect(checkInteger("max", Number.POSITIVE_INFINITY, 0, Number.POSITIVE_INFINITY)).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => checkInteger("n", Number.POSITIVE_INFINITY, 0, 5)).toThrow(RangeError);
    expect(checkBoolean("b", false)).toBe(false);
    expect(() => checkBoolean("b", 0)).toThrow(TypeError);
    expect(checkOneOf("mode", "a", ["a", "b"])).toBe("a");
    expect(() => checkOneOf("mode", "c", ["a", "b"])).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }),
    );
    expect(() => checkOneOf("mode", 1, ["a"])).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }),
    );
    expect(missingArgs("a", "b").message).toBe('The "a" and "b" arguments must be specified');
    expect(missingArgs("a").code).toBe("ERR_MISSING_ARGS");
  });

  it("refuses unknown option keys and names the one meant", () => {
    const known = ["headersTimeout", "maxDatasize"];
    expect(() => checkOptions("f()", undefined, known)).not.toThrow();
    expect(() => checkOptions("f()", { maxDatasize: 1 }, known)).not.toThrow();
    expect(() => checkOptions("f()", null, known)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }),
    );
    expect(() => checkOptions("f()", [], known)).toThrow(TypeError);
    expect(() =>
      checkOptions("createServer()", { maxHeaderSize: 1 }, known, { maxHeaderSize: "maxDatasize" }),
    ).toThrow('"maxHeaderSize" is not an option of createServer(); did you mean "maxDatasize"?');
    expect(() => checkOptions("f()", { maxdatasize: 1 }, known)).toThrow(
      /did you mean "maxDatasize"/,
    );
    expect(() => checkOptions("f()", { nope: 1 }, known)).toThrow(
      expect.objectContaining({
        code: "ERR_UNKNOWN_OPTION",
        message: '"nope" is not an option of f()',
      }),
    );
  });
});
