// The parser's states and how it reports errors: "ended" after a clean end(), onError instead of
// throws (the shape a socket's listeners need), callbacks' own errors never taken for the stream's.
import { describe, expect, it } from "vitest";
import { encodePacket, PacketParser, type UwsgiError } from "../../src/index.js";

const request = encodePacket({ vars: { REQUEST_METHOD: "POST", CONTENT_LENGTH: "3" } });

describe("states", () => {
  it("header, data, body, done, then ended after a clean end()", () => {
    const states: string[] = [];
    const parser = new PacketParser({
      onPacket: () => states.push(parser.state),
      onBodyEnd: () => states.push(parser.state),
    });
    states.push(parser.state);
    parser.push(request.subarray(0, 6));
    states.push(parser.state);
    parser.push(request.subarray(6));
    states.push(parser.state);
    parser.push(Buffer.from("abc"));
    parser.end();
    states.push(parser.state);
    expect(states).toEqual(["header", "data", "body", "body", "done", "ended"]);
  });

  it("failed after an error, and it stays so", () => {
    const parser = new PacketParser({ onPacket: () => {} });
    expect(() => parser.push(Buffer.from("00ffff00", "hex"))).toThrow();
    expect(parser.state).toBe("failed");
    expect(() => parser.end()).toThrow(expect.objectContaining({ code: "PARSER_FAILED" }));
    expect(parser.state).toBe("failed");
  });

  it("end() from inside onBodyEnd stops the parser there; what follows is not parsed", () => {
    const seen: string[] = [];
    const parser = new PacketParser({
      onPacket: () => seen.push("packet"),
      onBodyEnd: () => {
        seen.push("end");
        parser.end();
      },
    });
    parser.push(Buffer.concat([request, Buffer.from("abcTRAILING")]));
    expect(seen).toEqual(["packet", "end"]);
    expect(parser.state).toBe("ended");
  });
});

describe("onError", () => {
  it("push() reports the first error once, then ignores input; end() stays quiet", () => {
    const errors: UwsgiError[] = [];
    const parser = new PacketParser({ onPacket: () => {}, onError: (e) => errors.push(e) });
    parser.push(Buffer.from("00ffff00", "hex"));
    parser.push(Buffer.from("more"));
    parser.end();
    expect(errors.map((e) => [e.code, e.offset])).toEqual([["DATASIZE_OVER_LIMIT", 1]]);
    expect(parser.state).toBe("failed");
  });

  it("end() on a request cut short reports TRUNCATED instead of throwing", () => {
    const errors: UwsgiError[] = [];
    const parser = new PacketParser({ onPacket: () => {}, onError: (e) => errors.push(e) });
    parser.push(request);
    parser.push(Buffer.from("a"));
    expect(() => parser.end()).not.toThrow();
    expect(errors.map((e) => [e.code, e.offset, e.needed])).toEqual([
      ["TRUNCATED", request.length + 1, 2],
    ]);
  });

  it("what a callback throws goes on up, as it is, and is not reported", () => {
    const errors: UwsgiError[] = [];
    const bug = new Error("in onPacket");
    const parser = new PacketParser({
      onPacket: () => {
        throw bug;
      },
      onError: (e) => errors.push(e),
    });
    expect(() => parser.push(request)).toThrow(bug);
    expect(errors).toEqual([]);
  });

  it("misuse still throws: push after a clean end()", () => {
    const parser = new PacketParser({ onPacket: () => {}, onError: () => {} }, { mode: "packets" });
    parser.end();
    expect(() => parser.push(Buffer.alloc(1))).toThrow(
      expect.objectContaining({ code: "PARSER_FAILED" }),
    );
  });
});
