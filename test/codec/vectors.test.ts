// Exact byte vectors kept as data in fixtures/vectors/*.json: each valid packet decodes to exactly
// the fields listed and re-encodes to the same bytes; each malformed one throws exactly the code,
// offset and `needed` listed, and leaves the codec usable.
import { describe, expect, it } from "vitest";
import { bytesMissing, decodePacket, encodePacket, type Packet } from "../../src/index.js";
import { hex } from "../support/bytes.js";
import { thrown } from "../support/expect-error.js";
import {
  generateVarsPacket,
  hexToBytes,
  loadMalformedVectors,
  loadValidVectors,
  parseMalformedVectors,
  parseValidVectors,
  type ValidVector,
} from "../support/vectors.js";

const VALID = loadValidVectors();
const MALFORMED = loadMalformedVectors();

function text(b: Buffer, v: ValidVector): string {
  return b.toString(v.options?.encoding ?? "latin1");
}

/** The packet's data must be a view of the input at offset + 4, not a copy. */
function expectPayloadView(p: Packet, input: Buffer, offset: number): void {
  expect(p.payload.buffer).toBe(input.buffer);
  expect(p.payload.byteOffset).toBe(input.byteOffset + offset + 4);
  expect(p.payload.length).toBe(p.datasize);
}

function checkVars(p: Packet, v: ValidVector): void {
  if (p.kind !== "vars") throw new Error(`kind ${p.kind}`);
  const want = v.expect.vars;
  expect(p.vars.size).toBe(want.length);
  expect(p.vars.byteLength).toBe(v.expect.datasize);
  want.forEach(([k, val], i) => {
    expect(hex(p.vars.keyBytesAt(i))).toBe(hex(k));
    expect(hex(p.vars.valueBytesAt(i))).toBe(hex(val));
    expect(p.vars.keyAt(i)).toBe(text(k, v));
    expect(p.vars.valueAt(i)).toBe(text(val, v));
  });
  // Look-ups by key: the last duplicate wins, getAll keeps every one in order.
  for (const [k] of want) {
    const all = want.filter(([k2]) => k2.equals(k)).map(([, val]) => val);
    const last = all[all.length - 1]!;
    expect(p.vars.get(text(k, v))).toBe(text(last, v));
    expect(hex(p.vars.getBytes(text(k, v))!)).toBe(hex(last));
    expect(p.vars.getAll(text(k, v))).toEqual(all.map((b) => text(b, v)));
  }
  const again = encodePacket({
    modifier1: p.modifier1,
    modifier2: p.modifier2,
    vars: [...p.vars.entriesBytes()],
  });
  expect(hex(again)).toBe(hex(v.bytes.subarray(0, p.byteLength)));
}

function checkArray(p: Packet, v: ValidVector): void {
  if (p.kind !== "array") throw new Error(`kind ${p.kind}`);
  const want = v.expect.items;
  expect(p.items.length).toBe(want.length);
  want.forEach((item, i) => {
    expect(hex(p.items.getBytes(i))).toBe(hex(item));
    expect(p.items.get(i)).toBe(text(item, v));
  });
  const items = want.map((_, i) => p.items.getBytes(i));
  const again = encodePacket({ modifier1: p.modifier1, modifier2: p.modifier2, items });
  expect(hex(again)).toBe(hex(v.bytes.subarray(0, p.byteLength)));
}

function checkRaw(p: Packet, v: ValidVector): void {
  expect(p.kind).toBe("raw");
  expect(hex(p.payload)).toBe(hex(v.expect.payload));
  const again = encodePacket({
    modifier1: p.modifier1,
    modifier2: p.modifier2,
    payload: p.payload,
  });
  expect(hex(again)).toBe(hex(v.bytes.subarray(0, p.byteLength)));
}

describe("valid vectors (fixtures/vectors/valid.json)", () => {
  it.each(VALID)("$name", (v) => {
    const p = decodePacket(v.bytes, 0, v.options);
    const { modifier1, modifier2, datasize, kind } = p;
    expect({ modifier1, modifier2, datasize, kind }).toEqual({
      modifier1: v.expect.modifier1,
      modifier2: v.expect.modifier2,
      datasize: v.expect.datasize,
      kind: v.expect.kind,
    });
    expect(p.byteLength).toBe(4 + v.expect.datasize);
    expect(hex(v.bytes.subarray(p.byteLength))).toBe(hex(v.expect.after));
    expect(bytesMissing(v.bytes)).toBe(0);
    expectPayloadView(p, v.bytes, 0);
    if (v.expect.kind === "vars") checkVars(p, v);
    else if (v.expect.kind === "array") checkArray(p, v);
    else checkRaw(p, v);
  });

  it.each(VALID)("$name: the same at offset 5 of a larger buffer", (v) => {
    const input = Buffer.concat([Buffer.from("fffefdfcfb", "hex"), v.bytes]);
    const p = decodePacket(input, 5, v.options);
    expect(p.byteLength).toBe(4 + v.expect.datasize);
    expect(hex(p.payload)).toBe(hex(v.bytes.subarray(4, p.byteLength)));
    expectPayloadView(p, input, 5);
  });
});

describe("malformed vectors (fixtures/vectors/malformed.json)", () => {
  const good = hexToBytes("00 0600 00  0100 41 0100 31");

  it.each(MALFORMED)("$name", (m) => {
    const e = thrown(() => decodePacket(m.bytes, 0, m.options));
    expect({ code: e.code, offset: e.offset, needed: e.needed }).toEqual(m.error);
    expect(e.name).toBe("UwsgiError");
    // The message says the detail and the offset once; the code is a property.
    expect(e.message).toBe(`${e.detail} (offset ${e.offset})`);
    // The need-more question gives the same answer without throwing.
    if (m.error.code === "TRUNCATED") expect(bytesMissing(m.bytes)).toBe(m.error.needed);
    else if (m.error.code !== "DATASIZE_OVER_LIMIT") expect(bytesMissing(m.bytes)).toBe(0);
    // No stuck state: the next decode works.
    const p = decodePacket(good);
    expect(p.kind === "vars" && p.vars.get("A")).toBe("1");
  });

  it.each(MALFORMED)("$name: offsets count from the buffer start", (m) => {
    const input = Buffer.concat([Buffer.from("0102030405", "hex"), m.bytes]);
    const e = thrown(() => decodePacket(input, 5, m.options));
    expect({ code: e.code, offset: e.offset, needed: e.needed }).toEqual({
      ...m.error,
      offset: m.error.offset + 5,
    });
  });

  it("INVALID_UTF8 comes from get(), not from decode, and names the bad bytes", () => {
    // A=ff: decoding only walks lengths, so it succeeds; reading the value as utf8 fails.
    const bytes = hexToBytes("00 0600 00  0100 41 0100 ff");
    const p = decodePacket(bytes, 0, { encoding: "utf8" });
    if (p.kind !== "vars") throw new Error(p.kind);
    const e = thrown(() => p.vars.get("A"));
    expect([e.code, e.offset]).toEqual(["INVALID_UTF8", 9]);
    expect(hex(p.vars.getBytes("A")!)).toBe("ff");
    expect(thrown(() => [...p.vars.entries()]).code).toBe("INVALID_UTF8");
  });
});

describe("the fixture loader", () => {
  const ok = { name: "n", hex: "00 0000 00", expect: { modifier1: 0, modifier2: 0, datasize: 0 } };
  const bad = {
    name: "b",
    hex: "00",
    error: { code: "TRUNCATED", offset: 0, needed: 3 },
    uwsgi: "u",
  };

  it("accepts well-formed entries", () => {
    const [v] = parseValidVectors([{ ...ok, expect: { ...ok.expect, kind: "vars", vars: [] } }]);
    expect(v?.bytes).toEqual(Buffer.from([0, 0, 0, 0]));
    const [m] = parseMalformedVectors([bad]);
    expect(m?.error).toEqual({ code: "TRUNCATED", offset: 0, needed: 3 });
  });

  it.each<[string, unknown]>([
    ["not an array", {}],
    ["an empty array", []],
    ["odd hex", [{ ...ok, hex: "000", expect: { ...ok.expect, kind: "raw", payload: "" } }]],
    ["non-hex digits", [{ ...ok, hex: "zz", expect: { ...ok.expect, kind: "raw", payload: "" } }]],
    ["an unknown field", [{ ...ok, extra: 1, expect: { ...ok.expect, kind: "raw", payload: "" } }]],
    ["a missing kind field", [{ ...ok, expect: { ...ok.expect, kind: "vars" } }]],
    [
      "a field of another kind",
      [{ ...ok, expect: { ...ok.expect, kind: "raw", payload: "", items: [] } }],
    ],
    ["a bad kind", [{ ...ok, expect: { ...ok.expect, kind: "empty" } }]],
    [
      "modifier1 256",
      [{ ...ok, expect: { ...ok.expect, modifier1: 256, kind: "raw", payload: "" } }],
    ],
    [
      "a bad option",
      [
        {
          ...ok,
          options: { encoding: "ascii" },
          expect: { ...ok.expect, kind: "raw", payload: "" },
        },
      ],
    ],
    [
      "hex and generate",
      [{ ...ok, generate: { vars: 1, valueLength: 0 }, expect: { ...ok.expect, kind: "vars" } }],
    ],
    [
      "a pair of three",
      [{ ...ok, expect: { ...ok.expect, kind: "vars", vars: [["41", "31", "32"]] } }],
    ],
    [
      "duplicate names",
      [
        { ...ok, expect: { ...ok.expect, kind: "raw", payload: "" } },
        { ...ok, expect: { ...ok.expect, kind: "raw", payload: "" } },
      ],
    ],
  ])("refuses valid.json with %s", (_, json) => {
    expect(() => parseValidVectors(json)).toThrow(/valid\.json/);
  });

  it.each<[string, unknown]>([
    ["an unknown code", [{ ...bad, error: { code: "NOPE", offset: 0 } }]],
    ["TRUNCATED without needed", [{ ...bad, error: { code: "TRUNCATED", offset: 0 } }]],
    ["needed on another code", [{ ...bad, error: { code: "EMPTY_KEY", offset: 4, needed: 1 } }]],
    ["a negative offset", [{ ...bad, error: { code: "TRUNCATED", offset: -1, needed: 3 } }]],
    ["no uwsgi reaction", [{ name: "b", hex: "00", error: bad.error }]],
    [
      "a generated block over 65535 bytes",
      [{ ...bad, hex: undefined, generate: { vars: 2, valueLength: 40000 } }],
    ],
  ])("refuses malformed.json with %s", (_, json) => {
    expect(() => parseMalformedVectors(json)).toThrow(/malformed\.json/);
  });

  it("generates V000.. keys and lettered values", () => {
    const { bytes, vars } = generateVarsPacket({ vars: 2, valueLength: 2 });
    expect(bytes.toString("hex")).toBe(
      "00140000" + "04005630303002006161" + "04005630303102006262",
    );
    expect(vars.map(([k, v]) => `${k}=${v}`)).toEqual(["V000=aa", "V001=bb"]);
  });
});
