// Misuse of the codec's API gets a clear, typed error (issue 11): Node's convention for wrong
// ARGUMENTS (a TypeError or RangeError with a stable `code`, naming the argument and what was
// received), never a TypeError from deep inside, a silent result or a UwsgiError about bytes that
// are fine. A table: each row is a call as a user would write it, the error class, the code and a
// fragment of the message that names the argument.
import { describe, expect, it } from "vitest";
import {
  arrayByteLength,
  bytesMissing,
  contentLengthOf,
  decodeArray,
  decodePacket,
  decodeVars,
  encodeArray,
  encodeArrayInto,
  encodePacket,
  encodePacketInto,
  encodeVars,
  encodeVarsInto,
  modifierInfo,
  modifierName,
  packetByteLength,
  payloadKindOf,
  readHeader,
  UwsgiError,
  varsByteLength,
  writeHeader,
} from "../../src/index.js";
import { argumentError } from "../support/checks.js";

/** One misuse: the call as written, what it must throw, and a fragment naming the argument. */
interface Misuse {
  readonly call: string;
  readonly run: () => unknown;
  readonly error: typeof TypeError | typeof RangeError;
  readonly code: string;
  readonly names: string;
}

// `never` lets a row pass what the types forbid, as a JavaScript caller would.
const any = (v: unknown) => v as never;
const REQ = encodePacket({ vars: { REQUEST_METHOD: "GET", CONTENT_LENGTH: "5" } });
const RPC = encodePacket({ modifier1: 173, items: ["fn", "arg"] });
const view = () => {
  const p = decodePacket(REQ);
  if (p.kind !== "vars") throw new Error(p.kind);
  return p.vars;
};
const items = () => {
  const p = decodePacket(RPC);
  if (p.kind !== "array") throw new Error(p.kind);
  return p.items;
};
const BLOCK = encodeVars({ A: "1" });
const HEADER = { modifier1: 0, datasize: 0, modifier2: 0 };

const T = TypeError;
const R = RangeError;
const TYPE = "ERR_INVALID_ARG_TYPE";
const VALUE = "ERR_INVALID_ARG_VALUE";
const RANGE = "ERR_OUT_OF_RANGE";
const UNKNOWN = "ERR_UNKNOWN_OPTION";

const row = (
  call: string,
  run: () => unknown,
  error: typeof TypeError | typeof RangeError,
  code: string,
  names: string,
): Misuse => ({ call, run, error, code, names });

const CODEC_MISUSE: readonly Misuse[] = [
  // encodePacket: the init object
  row(
    'encodePacket({ REQUEST_METHOD: "GET" })',
    () => encodePacket(any({ REQUEST_METHOD: "GET" })),
    T,
    UNKNOWN,
    '"REQUEST_METHOD" is not an option of encodePacket; did you mean "vars"',
  ),
  row(
    "encodePacket({ Vars: {} })",
    () => encodePacket(any({ Vars: {} })),
    T,
    UNKNOWN,
    'did you mean "vars"',
  ),
  row(
    "encodePacket({ modifier: 5 })",
    () => encodePacket(any({ modifier: 5 })),
    T,
    UNKNOWN,
    'did you mean "modifier1"',
  ),
  row("encodePacket()", () => encodePacket(any(undefined)), T, TYPE, '"init"'),
  row("encodePacket(null)", () => encodePacket(any(null)), T, TYPE, '"init"'),
  row('encodePacket("GET /")', () => encodePacket(any("GET /")), T, TYPE, '"init"'),
  row("encodePacket([])", () => encodePacket(any([])), T, TYPE, '"init"'),
  row(
    "encodePacket(new Map(vars))",
    () => encodePacket(any(new Map([["A", "1"]]))),
    T,
    TYPE,
    "init.vars",
  ),
  row("encodePacket(decodedView)", () => encodePacket(any(view())), T, TYPE, "init.vars"),
  row(
    'encodePacket({ modifier1: "5" })',
    () => encodePacket(any({ modifier1: "5" })),
    T,
    TYPE,
    '"init.modifier1"',
  ),
  row(
    "encodePacket({ modifier1: 300 })",
    () => encodePacket({ modifier1: 300 }),
    R,
    RANGE,
    '"init.modifier1"',
  ),
  row(
    "encodePacket({ modifier1: -1 })",
    () => encodePacket({ modifier1: -1 }),
    R,
    RANGE,
    '"init.modifier1"',
  ),
  row(
    "encodePacket({ modifier1: 1.5 })",
    () => encodePacket({ modifier1: 1.5 }),
    R,
    RANGE,
    '"init.modifier1"',
  ),
  row(
    "encodePacket({ modifier2: NaN })",
    () => encodePacket({ modifier2: Number.NaN }),
    R,
    RANGE,
    '"init.modifier2"',
  ),
  row(
    "encodePacket({ modifier2: 256 })",
    () => encodePacket({ modifier2: 256 }),
    R,
    RANGE,
    '"init.modifier2"',
  ),
  row(
    'encodePacket({ vars: "A=1" })',
    () => encodePacket(any({ vars: "A=1" })),
    T,
    TYPE,
    '"init.vars"',
  ),
  row(
    "encodePacket({ vars: null })",
    () => encodePacket(any({ vars: null })),
    T,
    TYPE,
    '"init.vars"',
  ),
  row(
    "encodePacket({ vars: { A: 1 } })",
    () => encodePacket(any({ vars: { A: 1 } })),
    T,
    TYPE,
    '"init.vars.A"',
  ),
  row(
    'encodePacket({ vars: { "X-Y": null } })',
    () => encodePacket(any({ vars: { "X-Y": null } })),
    T,
    TYPE,
    'init.vars["X-Y"]',
  ),
  row(
    'encodePacket({ vars: [["A"]] })',
    () => encodePacket(any({ vars: [["A"]] })),
    T,
    VALUE,
    '"init.vars[0]"',
  ),
  row(
    'encodePacket({ vars: [["A", "1", "x"]] })',
    () => encodePacket(any({ vars: [["A", "1", "x"]] })),
    T,
    VALUE,
    '"init.vars[0]"',
  ),
  row(
    'encodePacket({ vars: ["AB"] })',
    () => encodePacket(any({ vars: ["AB"] })),
    T,
    TYPE,
    '"init.vars[0]"',
  ),
  row(
    'encodePacket({ vars: [[1, "x"]] })',
    () => encodePacket(any({ vars: [[1, "x"]] })),
    T,
    TYPE,
    '"init.vars[0][0]"',
  ),
  row(
    'encodePacket({ vars: [["A", 1]] })',
    () => encodePacket(any({ vars: [["A", 1]] })),
    T,
    TYPE,
    '"init.vars[0][1]"',
  ),
  row(
    "encodePacket({ vars: new Map([[1, 2]]) })",
    () => encodePacket(any({ vars: new Map([[1, 2]]) })),
    T,
    TYPE,
    '"init.vars[0][0]"',
  ),
  row(
    "encodePacket({ vars: {}, payload })",
    () => encodePacket({ vars: {}, payload: new Uint8Array(1) }),
    T,
    VALUE,
    '"init"',
  ),
  row(
    "encodePacket({ items: [], payload })",
    () => encodePacket({ items: [], payload: new Uint8Array(1) }),
    T,
    VALUE,
    '"init"',
  ),
  row(
    'encodePacket({ payload: "abc" })',
    () => encodePacket(any({ payload: "abc" })),
    T,
    TYPE,
    '"init.payload"',
  ),
  row(
    "encodePacket({ payload: new ArrayBuffer(2) })",
    () => encodePacket(any({ payload: new ArrayBuffer(2) })),
    T,
    TYPE,
    '"init.payload"',
  ),
  row(
    'encodePacket({ items: "ab" })',
    () => encodePacket(any({ items: "ab" })),
    T,
    TYPE,
    '"init.items"',
  ),
  row(
    "encodePacket({ items: {} })",
    () => encodePacket(any({ items: {} })),
    T,
    TYPE,
    '"init.items"',
  ),
  row(
    "encodePacket({ items: [1] })",
    () => encodePacket(any({ items: [1] })),
    T,
    TYPE,
    '"init.items[0]"',
  ),
  // encode options
  row(
    'encodePacket({}, { encoding: "ascii" })',
    () => encodePacket({}, any({ encoding: "ascii" })),
    T,
    VALUE,
    '"options.encoding"',
  ),
  row(
    'encodePacket({}, { encoding: "iso-8859-1" })',
    () => encodePacket({}, any({ encoding: "iso-8859-1" })),
    T,
    VALUE,
    "windows-1252",
  ),
  row(
    "encodePacket({}, { encoding: 8 })",
    () => encodePacket({}, any({ encoding: 8 })),
    T,
    TYPE,
    '"options.encoding"',
  ),
  row(
    'encodePacket({}, { encodng: "utf8" })',
    () => encodePacket({}, any({ encodng: "utf8" })),
    T,
    UNKNOWN,
    '"encodng"',
  ),
  row(
    'encodePacket({}, { Encoding: "utf8" })',
    () => encodePacket({}, any({ Encoding: "utf8" })),
    T,
    UNKNOWN,
    'did you mean "encoding"',
  ),
  row('encodePacket({}, "utf8")', () => encodePacket({}, any("utf8")), T, TYPE, '"options"'),
  row(
    "packetByteLength({ modifier1: 256 })",
    () => packetByteLength({ modifier1: 256 }),
    R,
    RANGE,
    '"init.modifier1"',
  ),
  row(
    "packetByteLength({ vars: 5 })",
    () => packetByteLength(any({ vars: 5 })),
    T,
    TYPE,
    '"init.vars"',
  ),
  // encodePacketInto: target and offset
  row('encodePacketInto({}, "buf")', () => encodePacketInto({}, any("buf")), T, TYPE, '"target"'),
  row(
    "encodePacketInto({}, new ArrayBuffer(8))",
    () => encodePacketInto({}, any(new ArrayBuffer(8))),
    T,
    TYPE,
    '"target"',
  ),
  row(
    "encodePacketInto({}, target, -1)",
    () => encodePacketInto({}, new Uint8Array(8), -1),
    R,
    RANGE,
    '"offset"',
  ),
  row(
    "encodePacketInto({}, target, 9)",
    () => encodePacketInto({}, new Uint8Array(8), 9),
    R,
    RANGE,
    '"offset"',
  ),
  row(
    'encodePacketInto({}, target, "0")',
    () => encodePacketInto({}, new Uint8Array(8), any("0")),
    T,
    TYPE,
    '"offset"',
  ),
  row(
    "encodePacketInto({ modifier1: 256 }, target)",
    () => encodePacketInto({ modifier1: 256 }, new Uint8Array(8)),
    R,
    RANGE,
    '"init.modifier1"',
  ),
  // vars blocks
  row("encodeVars()", () => encodeVars(any(undefined)), T, TYPE, '"vars"'),
  row("encodeVars(5)", () => encodeVars(any(5)), T, TYPE, '"vars"'),
  row("encodeVars([null])", () => encodeVars(any([null])), T, TYPE, '"vars[0]"'),
  row("encodeVars({ A: undefined })", () => encodeVars(any({ A: undefined })), T, TYPE, '"vars.A"'),
  row(
    "encodeVars({}, { encoding: 1 })",
    () => encodeVars({}, any({ encoding: 1 })),
    T,
    TYPE,
    '"options.encoding"',
  ),
  row("encodeVarsInto({}, null)", () => encodeVarsInto({}, any(null)), T, TYPE, '"target"'),
  row(
    "encodeVarsInto({}, target, 2.5)",
    () => encodeVarsInto({}, new Uint8Array(4), 2.5),
    R,
    RANGE,
    '"offset"',
  ),
  row(
    'varsByteLength({}, { encoding: "utf16le" })',
    () => varsByteLength({}, any({ encoding: "utf16le" })),
    T,
    VALUE,
    '"options.encoding"',
  ),
  row(
    "varsByteLength(new Set([1]))",
    () => varsByteLength(any(new Set([1]))),
    T,
    TYPE,
    '"vars[0]"',
  ),
  // arrays
  row('encodeArray("ab")', () => encodeArray(any("ab")), T, TYPE, '"items"'),
  row("encodeArray({})", () => encodeArray(any({})), T, TYPE, '"items"'),
  row("encodeArray([null])", () => encodeArray(any([null])), T, TYPE, '"items[0]"'),
  row("encodeArray(new Set([5]))", () => encodeArray(any(new Set([5]))), T, TYPE, '"items[0]"'),
  row(
    'encodeArrayInto(["a"], target, 5)',
    () => encodeArrayInto(["a"], new Uint8Array(4), 5),
    R,
    RANGE,
    '"offset"',
  ),
  row(
    'encodeArrayInto(["a"], [0, 0, 0])',
    () => encodeArrayInto(["a"], any([0, 0, 0])),
    T,
    TYPE,
    '"target"',
  ),
  row(
    'arrayByteLength(["a"], { encoding: "" })',
    () => arrayByteLength(["a"], any({ encoding: "" })),
    T,
    VALUE,
    '"options.encoding"',
  ),
  // decodePacket: input, offset, options
  row('decodePacket("abcd")', () => decodePacket(any("abcd")), T, TYPE, '"buf"'),
  row("decodePacket()", () => decodePacket(any(undefined)), T, TYPE, '"buf"'),
  row("decodePacket([0, 0, 0, 0])", () => decodePacket(any([0, 0, 0, 0])), T, TYPE, '"buf"'),
  row("decodePacket(buf, -1)", () => decodePacket(REQ, -1), R, RANGE, '"offset"'),
  row("decodePacket(buf, 1.5)", () => decodePacket(REQ, 1.5), R, RANGE, '"offset"'),
  row(
    "decodePacket(buf, buf.length + 1)",
    () => decodePacket(REQ, REQ.length + 1),
    R,
    RANGE,
    '"offset"',
  ),
  row('decodePacket(buf, "0")', () => decodePacket(REQ, any("0")), T, TYPE, '"offset"'),
  row(
    'decodePacket(buf, 0, "latin1")',
    () => decodePacket(REQ, 0, any("latin1")),
    T,
    TYPE,
    '"options"',
  ),
  row(
    "decodePacket(buf, { maxVars: -1 })",
    () => decodePacket(REQ, { maxVars: -1 }),
    R,
    RANGE,
    '"options.maxVars"',
  ),
  row(
    "decodePacket(buf, { maxVars: NaN })",
    () => decodePacket(REQ, { maxVars: Number.NaN }),
    R,
    RANGE,
    '"options.maxVars"',
  ),
  row(
    'decodePacket(buf, { maxVars: "10" })',
    () => decodePacket(REQ, any({ maxVars: "10" })),
    T,
    TYPE,
    '"options.maxVars"',
  ),
  row(
    "decodePacket(buf, { maxDatasize: 70000 })",
    () => decodePacket(REQ, { maxDatasize: 70000 }),
    R,
    RANGE,
    '"options.maxDatasize"',
  ),
  row(
    "decodePacket(buf, { maxDatasize: -1 })",
    () => decodePacket(REQ, { maxDatasize: -1 }),
    R,
    RANGE,
    '"options.maxDatasize"',
  ),
  row(
    "decodePacket(buf, { maxDatasize: Infinity })",
    () => decodePacket(REQ, { maxDatasize: Number.POSITIVE_INFINITY }),
    R,
    RANGE,
    '"options.maxDatasize"',
  ),
  row(
    "decodePacket(buf, { maxItems: 2.5 })",
    () => decodePacket(REQ, { maxItems: 2.5 }),
    R,
    RANGE,
    '"options.maxItems"',
  ),
  row(
    "decodePacket(buf, { maxdatasize: 10 })",
    () => decodePacket(REQ, any({ maxdatasize: 10 })),
    T,
    UNKNOWN,
    'did you mean "maxDatasize"',
  ),
  row(
    "decodePacket(buf, { maxHeaderSize: 10 })",
    () => decodePacket(REQ, any({ maxHeaderSize: 10 })),
    T,
    UNKNOWN,
    'did you mean "maxDatasize"',
  ),
  row(
    "decodePacket(buf, { fatal: true })",
    () => decodePacket(REQ, any({ fatal: true })),
    T,
    UNKNOWN,
    'did you mean "encoding"',
  ),
  row(
    'decodePacket(buf, { allowEmptyKeys: "yes" })',
    () => decodePacket(REQ, any({ allowEmptyKeys: "yes" })),
    T,
    TYPE,
    '"options.allowEmptyKeys"',
  ),
  row(
    'decodePacket(buf, { payload: "VARS" })',
    () => decodePacket(REQ, any({ payload: "VARS" })),
    T,
    VALUE,
    '"options.payload"',
  ),
  row(
    'decodePacket(buf, { encoding: "latin-1" })',
    () => decodePacket(REQ, any({ encoding: "latin-1" })),
    T,
    VALUE,
    '"options.encoding"',
  ),
  row(
    'decodePacket(buf, { encoding: "windows-1252" })',
    () => decodePacket(REQ, any({ encoding: "windows-1252" })),
    T,
    VALUE,
    "windows-1252",
  ),
  // decodeVars / decodeArray: bounds
  row("decodeVars(block, 3, 2)", () => decodeVars(BLOCK, 3, 2), R, RANGE, '"end"'),
  row("decodeVars(block, -1)", () => decodeVars(BLOCK, -1), R, RANGE, '"start"'),
  row("decodeVars(block, 0, 99)", () => decodeVars(BLOCK, 0, 99), R, RANGE, '"end"'),
  row("decodeVars(block, 0, NaN)", () => decodeVars(BLOCK, 0, Number.NaN), R, RANGE, '"end"'),
  row("decodeVars(null)", () => decodeVars(any(null)), T, TYPE, '"buf"'),
  row(
    "decodeVars(block, { maxVars: -2 })",
    () => decodeVars(BLOCK, { maxVars: -2 }),
    R,
    RANGE,
    '"options.maxVars"',
  ),
  row(
    "decodeArray(block, { maxItems: -5 })",
    () => decodeArray(BLOCK, { maxItems: -5 }),
    R,
    RANGE,
    '"options.maxItems"',
  ),
  row("decodeArray(block, 1.5, 2)", () => decodeArray(BLOCK, 1.5, 2), R, RANGE, '"start"'),
  row("decodeArray(7)", () => decodeArray(any(7)), T, TYPE, '"buf"'),
  // headers
  row('readHeader("abcd")', () => readHeader(any("abcd")), T, TYPE, '"buf"'),
  row("readHeader(buf, 9)", () => readHeader(new Uint8Array(8), 9), R, RANGE, '"offset"'),
  row("readHeader(buf, -1)", () => readHeader(new Uint8Array(8), -1), R, RANGE, '"offset"'),
  row(
    "writeHeader(buf, 0, { modifier1: 256, ... })",
    () => writeHeader(new Uint8Array(4), 0, { ...HEADER, modifier1: 256 }),
    R,
    RANGE,
    '"header.modifier1"',
  ),
  row(
    "writeHeader(buf, 0, { modifier2: -1, ... })",
    () => writeHeader(new Uint8Array(4), 0, { ...HEADER, modifier2: -1 }),
    R,
    RANGE,
    '"header.modifier2"',
  ),
  row(
    "writeHeader(buf, 0, { datasize: 70000, ... })",
    () => writeHeader(new Uint8Array(4), 0, { ...HEADER, datasize: 70000 }),
    R,
    RANGE,
    '"header.datasize"',
  ),
  row(
    "writeHeader(buf, 0, { datasize: 1.5, ... })",
    () => writeHeader(new Uint8Array(4), 0, { ...HEADER, datasize: 1.5 }),
    R,
    RANGE,
    '"header.datasize"',
  ),
  row(
    'writeHeader(buf, 0, { modifier1: "0", ... })',
    () => writeHeader(new Uint8Array(4), 0, any({ ...HEADER, modifier1: "0" })),
    T,
    TYPE,
    '"header.modifier1"',
  ),
  row(
    "writeHeader(buf, 0)",
    () => writeHeader(new Uint8Array(4), 0, any(undefined)),
    T,
    TYPE,
    '"header"',
  ),
  row(
    "writeHeader([0, 0, 0, 0], 0, header)",
    () => writeHeader(any([0, 0, 0, 0]), 0, HEADER),
    T,
    TYPE,
    '"buf"',
  ),
  row(
    "writeHeader(buf, 5, header)",
    () => writeHeader(new Uint8Array(4), 5, HEADER),
    R,
    RANGE,
    '"offset"',
  ),
  row("bytesMissing(null)", () => bytesMissing(any(null)), T, TYPE, '"buf"'),
  row("bytesMissing(buf, 5)", () => bytesMissing(new Uint8Array(4), 5), R, RANGE, '"offset"'),
  // VarsView and UwsgiArray
  row("view.get(1)", () => view().get(any(1)), T, TYPE, '"key"'),
  row("view.has(undefined)", () => view().has(any(undefined)), T, TYPE, '"key"'),
  row("view.getBytes(null)", () => view().getBytes(any(null)), T, TYPE, '"key"'),
  row("view.getAll(Symbol())", () => view().getAll(any(Symbol("k"))), T, TYPE, '"key"'),
  row("view.indexOf({})", () => view().indexOf(any({})), T, TYPE, '"key"'),
  row("view.keyAt(-1)", () => view().keyAt(-1), R, RANGE, '"index"'),
  row("view.valueAt(2)", () => view().valueAt(2), R, RANGE, '"index"'),
  row("view.keyBytesAt(1.5)", () => view().keyBytesAt(1.5), R, RANGE, '"index"'),
  row('view.valueBytesAt("0")', () => view().valueBytesAt(any("0")), T, TYPE, '"index"'),
  row('view.forEach("x")', () => view().forEach(any("x")), T, TYPE, '"callback"'),
  row('view.contentLength("yes")', () => view().contentLength(any("yes")), T, TYPE, '"strict"'),
  row(
    "view.contentLength(false, -1)",
    () => view().contentLength(false, -1),
    R,
    RANGE,
    '"errorOffset"',
  ),
  row("items.get(5)", () => items().get(5), R, RANGE, '"index"'),
  row("items.getBytes(-1)", () => items().getBytes(-1), R, RANGE, '"index"'),
  row("items.get(NaN)", () => items().get(Number.NaN), R, RANGE, '"index"'),
  // the modifier registry and CONTENT_LENGTH
  row("modifierName(256)", () => modifierName(256), R, RANGE, '"modifier1"'),
  row("modifierInfo(-1)", () => modifierInfo(-1), R, RANGE, '"modifier1"'),
  row('modifierInfo("0")', () => modifierInfo(any("0")), T, TYPE, '"modifier1"'),
  row("payloadKindOf(0.5, 0)", () => payloadKindOf(0.5, 0), R, RANGE, '"modifier1"'),
  row("payloadKindOf(0, 256)", () => payloadKindOf(0, 256), R, RANGE, '"modifier2"'),
  row('contentLengthOf("12")', () => contentLengthOf(any("12")), T, TYPE, '"value"'),
  row(
    'contentLengthOf(bytes, "yes")',
    () => contentLengthOf(new Uint8Array(1), any("yes")),
    T,
    TYPE,
    '"strict"',
  ),
];

describe("misuse of the codec API is an argument error", () => {
  it.each(CODEC_MISUSE)("$call", (m) => {
    let error: unknown;
    try {
      m.run();
    } catch (e) {
      error = e;
    }
    expect(error, "nothing was thrown").toBeDefined();
    expect(error).not.toBeInstanceOf(UwsgiError);
    expect((error as Error).constructor).toBe(m.error);
    expect((error as { code?: string }).code).toBe(m.code);
    expect((error as Error).message).toContain(m.names);
  });

  it("and every row says what was received, as Node does", () => {
    for (const m of CODEC_MISUSE.filter((r) => r.code !== UNKNOWN)) {
      expect(argumentError(m.run).message, m.call).toMatch(/Received /);
    }
  });
});
