// Inputs outside the TypeScript types get a typed error (an argument error, or a UwsgiError for
// bytes), never a TypeError from deep inside; any BufferSource is read as its bytes.
import { describe, expect, it } from "vitest";
import {
  decodeArray,
  decodePacket,
  decodeVars,
  encodePacket,
  encodeVars,
  readHeader,
  UwsgiError,
} from "../../src/index.js";

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return "no error";
  } catch (err) {
    if (err instanceof UwsgiError) return err.code;
    const code = (err as { code?: unknown }).code;
    if ((err instanceof TypeError || err instanceof RangeError) && typeof code === "string") {
      return code;
    }
    return `other: ${String(err)}`;
  }
}

const untyped = <T>(v: unknown) => v as T;

describe("hostile arguments", () => {
  it.each([
    ["a string", "00000000"],
    ["null", null],
    ["a number", 7],
    ["an array of numbers", [0, 0, 0, 0]],
  ])("decodePacket of %s is ERR_INVALID_ARG_TYPE", (_, input) => {
    expect(codeOf(() => decodePacket(untyped<Uint8Array>(input)))).toBe("ERR_INVALID_ARG_TYPE");
    expect(codeOf(() => decodeVars(untyped<Uint8Array>(input)))).toBe("ERR_INVALID_ARG_TYPE");
  });

  it.each([
    ["null vars", null],
    ["a number", 3],
    ["a pair that is null", [null]],
    ["a pair that is a string", ["AB"]],
  ])("encodeVars of %s is ERR_INVALID_ARG_TYPE", (_, vars) => {
    expect(codeOf(() => encodeVars(untyped<[string, string][]>(vars)))).toBe(
      "ERR_INVALID_ARG_TYPE",
    );
    expect(codeOf(() => encodePacket({ vars: untyped<[string, string][]>(vars) }))).toBe(
      "ERR_INVALID_ARG_TYPE",
    );
  });

  it("a bad pair is named by its index", () => {
    expect(() => encodeVars(untyped<[string, string][]>([["A", "b"], null]))).toThrow(
      /"vars\[1\]" argument must be a \[key, value\] pair\. Received null/,
    );
  });
});

describe("any BufferSource is read as its bytes, without a copy", () => {
  const packet = encodePacket({ vars: { A: "1" } });
  const copyIn = (b: ArrayBuffer) => {
    new Uint8Array(b).set(packet);
    return b;
  };

  it.each([
    ["an ArrayBuffer", () => copyIn(new ArrayBuffer(packet.length))],
    ["a SharedArrayBuffer", () => copyIn(new SharedArrayBuffer(packet.length) as never)],
    ["a DataView", () => new DataView(copyIn(new ArrayBuffer(packet.length)))],
    ["an Int16Array over the bytes", () => new Int16Array(copyIn(new ArrayBuffer(10)), 0, 5)],
  ])("decodePacket of %s", (_, make) => {
    const input = make();
    const p = decodePacket(input as never);
    expect(p.kind === "vars" && p.vars.toObject()).toEqual({ A: "1" });
    // A view of the caller's memory: writing there shows through.
    const buffer = ArrayBuffer.isView(input) ? input.buffer : (input as ArrayBufferLike);
    expect(p.payload.buffer).toBe(buffer);
    expect(readHeader(input as never).datasize).toBe(6);
  });

  it("a view at an offset of its buffer is read from that offset", () => {
    const whole = new ArrayBuffer(20);
    new Uint8Array(whole).set(packet, 7);
    const p = decodePacket(new DataView(whole, 7, packet.length));
    expect(p.kind === "vars" && p.vars.get("A")).toBe("1");
    expect(p.payload.byteOffset).toBe(11);
  });

  it("decodeVars and decodeArray take them too", () => {
    const block = encodeVars({ K: "v" });
    const ab = block.buffer.slice(block.byteOffset, block.byteOffset + block.length);
    expect(decodeVars(ab).get("K")).toBe("v");
    expect(decodeArray(new DataView(ab), { maxItems: 10 }).length).toBe(2);
  });
});

describe("options outside the types", () => {
  it("allowEmptyKeys must be a boolean", () => {
    const empty = Buffer.from("0000000000", "hex").subarray(0, 4);
    expect(codeOf(() => decodeVars(empty, 0, 4, untyped({ allowEmptyKeys: "no" })))).toBe(
      "ERR_INVALID_ARG_TYPE",
    );
  });

  it("decodeVars applies an explicit maxDatasize to the block", () => {
    const block = encodeVars([["A", "12"]]);
    expect(codeOf(() => decodeVars(block, 0, undefined, { maxDatasize: block.length - 1 }))).toBe(
      "DATASIZE_OVER_LIMIT",
    );
    expect(decodeVars(block, 0, undefined, { maxDatasize: block.length }).size).toBe(1);
    expect(decodeVars(block, { maxDatasize: block.length }).size).toBe(1);
  });
});
