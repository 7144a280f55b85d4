// Decoded views show what they hold: under console.log/util.inspect, in JSON.stringify, and
// through Map-like values()/forEach (issue 11: they printed as `VarsView {}` and `"vars":{}`).
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { decodePacket, decodeVars, encodePacket, encodeVars } from "../../src/index.js";

const DUPS = encodePacket({
  vars: [
    ["A", "1"],
    ["X", "1"],
    ["X", "2"],
  ],
});
const varsOf = (packet: Uint8Array) => {
  const p = decodePacket(packet);
  if (p.kind !== "vars") throw new Error(p.kind);
  return p.vars;
};

describe("VarsView like a Map", () => {
  it("values() in wire order, duplicates kept, as keys() and entries()", () => {
    const v = varsOf(DUPS);
    expect([...v.values()]).toEqual(["1", "1", "2"]);
    expect([...v.keys()]).toEqual(["A", "X", "X"]);
    expect([...v.entries()]).toEqual([
      ["A", "1"],
      ["X", "1"],
      ["X", "2"],
    ]);
  });

  it("forEach(value, key, view) in wire order, with thisArg", () => {
    const v = varsOf(DUPS);
    const seen: unknown[] = [];
    const self = { tag: "this" };
    v.forEach(function (this: unknown, value, key, view) {
      seen.push([value, key, view === v, this]);
    }, self);
    expect(seen).toEqual([
      ["1", "A", true, self],
      ["1", "X", true, self],
      ["2", "X", true, self],
    ]);
  });

  it("forEach lets the callback's error through and stops there", () => {
    const v = varsOf(DUPS);
    let calls = 0;
    const boom = new Error("boom");
    expect(() =>
      v.forEach(() => {
        calls++;
        throw boom;
      }),
    ).toThrow(boom);
    expect(calls).toBe(1);
  });
});

describe("printing a VarsView", () => {
  it("inspect shows the vars, duplicates in wire order", () => {
    expect(inspect(varsOf(DUPS))).toBe("VarsView(3) { 'A' => '1', 'X' => '1', 'X' => '2' }");
    expect(inspect(decodeVars(new Uint8Array(0)))).toBe("VarsView(0) {}");
  });

  it("long views take a line per var", () => {
    const v = varsOf(
      encodePacket({
        vars: { REQUEST_METHOD: "GET", PATH_INFO: "/some/long/path", HTTP_HOST: "example.com" },
      }),
    );
    expect(inspect(v)).toBe(
      [
        "VarsView(3) {",
        "  'REQUEST_METHOD' => 'GET',",
        "  'PATH_INFO' => '/some/long/path',",
        "  'HTTP_HOST' => 'example.com'",
        "}",
      ].join("\n"),
    );
  });

  it("past the depth limit it is [VarsView]; bytes that are not UTF-8 print as bytes", () => {
    const v = decodeVars(Uint8Array.of(1, 0, 0x41, 1, 0, 0xff), { encoding: "utf8" });
    expect(inspect({ a: { b: v } }, { depth: 1 })).toBe("{ a: { b: [VarsView] } }");
    expect(inspect(v)).toBe("VarsView(1) { 'A' => <Buffer ff> }");
    expect(() => v.get("A")).toThrow(expect.objectContaining({ code: "INVALID_UTF8" }));
  });

  it("JSON.stringify gives [key, value] pairs: no duplicate is lost", () => {
    const v = varsOf(DUPS);
    expect(JSON.stringify(v)).toBe('[["A","1"],["X","1"],["X","2"]]');
    expect(Object.fromEntries(v.toJSON())).toEqual({ A: "1", X: "2" });
    expect(v.toJSON()).toEqual([...v]);
  });

  it("a detached view prints the same", () => {
    const v = varsOf(DUPS);
    expect(inspect(v.detach())).toBe(inspect(v));
  });
});

describe("printing a decoded packet", () => {
  it("a vars packet: its header, then its vars", () => {
    const p = decodePacket(DUPS);
    expect(inspect(p)).toBe(
      [
        "Packet {",
        "  kind: 'vars',",
        "  modifier1: 0,",
        "  modifier2: 0,",
        "  datasize: 18,",
        "  byteLength: 22,",
        "  vars: VarsView(3) { 'A' => '1', 'X' => '1', 'X' => '2' }",
        "}",
      ].join("\n"),
    );
    expect(JSON.parse(JSON.stringify(p))).toEqual({
      kind: "vars",
      modifier1: 0,
      modifier2: 0,
      datasize: 18,
      byteLength: 22,
      vars: [
        ["A", "1"],
        ["X", "1"],
        ["X", "2"],
      ],
    });
    expect(inspect({ p }, { depth: 0 })).toBe("{ p: [Packet] }");
    expect(inspect(p, { depth: 0 })).toContain("vars: [VarsView]");
  });

  it("an array packet: its items", () => {
    const p = decodePacket(encodePacket({ modifier1: 173, items: ["fn", "a"] }));
    expect(inspect(p)).toContain("items: UwsgiArray [ 'fn', 'a' ]");
    expect(JSON.stringify(p)).toBe(
      '{"kind":"array","modifier1":173,"modifier2":0,"datasize":7,"byteLength":11,"items":["fn","a"]}',
    );
  });

  it("a raw packet: its payload, in JSON as hex", () => {
    const p = decodePacket(encodePacket({ modifier1: 100, payload: Uint8Array.of(1, 2) }), {
      payload: "raw",
    });
    expect(inspect(p)).toContain("payload: <Buffer 01 02>");
    expect(JSON.stringify(p)).toBe(
      '{"kind":"raw","modifier1":100,"modifier2":0,"datasize":2,"byteLength":6,"payload":"0102"}',
    );
  });

  it("decodeVars of an encoded block round-trips through JSON", () => {
    const pairs: [string, string][] = [
      ["K", "é"],
      ["K", ""],
    ];
    expect(decodeVars(encodeVars(pairs)).toJSON()).toEqual(pairs);
  });
});
