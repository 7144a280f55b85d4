import { describe, expect, it } from "vitest";
import {
  decodeRpcAnswer,
  decodeRpcCall,
  encodeRpcAnswer,
  encodeRpcAnswerHead,
  encodeRpcCall,
  MAX_RPC_ARGS,
  readRpcAnswerHead,
} from "../../src/index.js";
import {
  bytesOf,
  type ExpectedThrow,
  expectThrow,
  hex,
  pattern,
  section,
} from "./support/vectors.js";

const CALLS = section("rpc.json", "calls");
const DECODE_ONLY = section("rpc.json", "decodeOnly");
const ANSWERS = section("rpc.json", "answers");
const MALFORMED = section("rpc.json", "malformed");

interface CallExpect {
  modifier2: number;
  name: string;
  args: string[];
}

function answerBytes(entry: Record<string, unknown>): { bytes: Buffer; result: Buffer } {
  const head = bytesOf(entry);
  const gen = entry["resultPattern"] as { length: number } | undefined;
  const want = entry["answer"] as { result?: string };
  if (gen !== undefined) {
    const result = pattern(gen.length);
    return { bytes: Buffer.concat([head, result]), result };
  }
  const result = hex(want.result);
  return { bytes: head, result };
}

describe("RPC calls (modifier1 173)", () => {
  it.each(CALLS)("$name: encodes to exactly these bytes", (entry) => {
    const want = entry["call"] as CallExpect;
    const args = want.args.map((a) => hex(a));
    const options = want.modifier2 === 1 ? { modifier2: 1 as const } : undefined;
    expect(Buffer.from(encodeRpcCall(want.name, args, options))).toEqual(bytesOf(entry));
  });

  it.each([...CALLS, ...DECODE_ONLY])("$name: decodes", (entry) => {
    const want = entry["call"] as CallExpect;
    const bytes = bytesOf(entry);
    const call = decodeRpcCall(bytes);
    expect({
      modifier2: call.modifier2,
      name: call.name,
      args: call.args.map((a) => Buffer.from(a).toString("hex")),
      byteLength: call.byteLength,
    }).toEqual({ ...want, byteLength: bytes.length });
  });

  it("string arguments encode as latin1 by default, as utf8 on request", () => {
    expect(
      Buffer.from(encodeRpcCall("f", ["é"]))
        .subarray(7)
        .toString("hex"),
    ).toBe("0100e9");
    expect(
      Buffer.from(encodeRpcCall("f", ["é"], { encoding: "utf8" }))
        .subarray(7)
        .toString("hex"),
    ).toBe("0200c3a9");
  });

  it("decodes the arguments as views of the input, at an offset", () => {
    const bytes = Buffer.concat([Buffer.from("xyz"), bytesOf(CALLS[0]!)]);
    const call = decodeRpcCall(bytes, 3);
    expect(call.args[0]!.buffer).toBe(bytes.buffer);
    expect(call.args[0]!.byteOffset - bytes.byteOffset).toBe(3 + 4 + 7 + 2);
  });

  it("refuses what uWSGI would misread, as argument errors", () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as { code: string }).code;
      }
      return "none";
    };
    expect(code(() => encodeRpcCall("", []))).toBe("ERR_INVALID_ARG_VALUE");
    expect(code(() => encodeRpcCall("f", ["a", ""]))).toBe("ERR_INVALID_ARG_VALUE");
    expect(code(() => encodeRpcCall("f", [new Uint8Array(0)]))).toBe("ERR_INVALID_ARG_VALUE");
    expect(code(() => encodeRpcCall("x".repeat(256)))).toBe("ERR_INVALID_ARG_VALUE");
    expect(code(() => encodeRpcCall("x".repeat(255)))).toBe("none");
    const many = Array.from({ length: MAX_RPC_ARGS + 1 }, () => "a");
    expect(code(() => encodeRpcCall("f", many))).toBe("ERR_INVALID_ARG_VALUE");
    expect(code(() => encodeRpcCall("f", many.slice(1)))).toBe("none");
    expect(code(() => encodeRpcCall(42 as never))).toBe("ERR_INVALID_ARG_TYPE");
    expect(code(() => encodeRpcCall("f", "ab" as never))).toBe("ERR_INVALID_ARG_TYPE");
    expect(code(() => encodeRpcCall("f", [], { modifier2: 2 as never }))).toBe("ERR_OUT_OF_RANGE");
    expect(code(() => encodeRpcCall("f", [], { modifer2: 1 } as never))).toBe("ERR_UNKNOWN_OPTION");
  });

  it("a call over 65535 bytes is PACKET_TOO_LARGE", () => {
    expectThrow(() => encodeRpcCall("f", ["a".repeat(40000), "b".repeat(30000)]), {
      class: "UwsgiError",
      code: "PACKET_TOO_LARGE",
      offset: 4,
    });
  });
});

describe("RPC answers", () => {
  it.each(ANSWERS)("$name: decodes, and the encoder writes exactly these bytes", (entry) => {
    const { bytes, result } = answerBytes(entry);
    const want = entry["answer"] as { modifier2: number; headLength: number };
    const head = readRpcAnswerHead(bytes);
    expect(head).toMatchObject({
      ready: true,
      modifier1: 173,
      modifier2: want.modifier2,
      headLength: want.headLength,
      contentLength: result.length,
    });
    const answer = decodeRpcAnswer(bytes);
    expect(Buffer.from(answer.result).equals(result)).toBe(true);
    expect(answer.byteLength).toBe(bytes.length);
    expect(Buffer.from(encodeRpcAnswerHead(result.length))).toEqual(
      bytes.subarray(0, want.headLength),
    );
    expect(Buffer.from(encodeRpcAnswer(result)).equals(bytes)).toBe(true);
  });

  it("a head not all there is a need for more bytes, never an error", () => {
    const { bytes } = answerBytes(ANSWERS[3]!);
    for (let n = 0; n < 27; n++) {
      const head = readRpcAnswerHead(bytes.subarray(0, n));
      expect(head).toEqual({ ready: false, needed: n < 4 ? 4 - n : 27 - n });
    }
    expect(readRpcAnswerHead(bytes.subarray(0, 27)).ready).toBe(true);
  });

  it("the head switches to modifier2 5 exactly above 65535 bytes", () => {
    expect(Buffer.from(encodeRpcAnswerHead(65535)).toString("hex")).toBe("adffff00");
    expect(Buffer.from(encodeRpcAnswerHead(65536)).toString("hex")).toBe(
      "ad170005 0e00434f4e54454e545f4c454e475448 05003635353336".replace(/ /g, ""),
    );
  });
});

describe("malformed RPC bytes", () => {
  it.each(MALFORMED)("$name", (entry) => {
    const bytes = bytesOf(entry);
    const decode = entry["decoder"] === "call" ? decodeRpcCall : decodeRpcAnswer;
    expectThrow(() => decode(bytes), entry["error"] as ExpectedThrow);
  });
});
