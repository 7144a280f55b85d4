// Loads fixtures/vectors/*.json, checks every entry's shape (a malformed entry throws, naming it)
// and turns hex into Buffers. Imports only types from src/: the expectations stay plain data.
import { readFileSync } from "node:fs";
import type { DecodeOptions, UwsgiErrorCode } from "../../src/index.js";

/** Expected result of decoding a valid vector; bytes are Buffers made from the fixture's hex. */
export interface ValidExpect {
  readonly modifier1: number;
  readonly modifier2: number;
  readonly datasize: number;
  readonly kind: "vars" | "array" | "raw";
  /** `[key, value]` in wire order (kind "vars"). */
  readonly vars: readonly (readonly [Buffer, Buffer])[];
  /** Items in order (kind "array"). */
  readonly items: readonly Buffer[];
  /** The packet's data (kind "raw"); for the other kinds, empty. */
  readonly payload: Buffer;
  /** Bytes in the input after the packet (a request body); usually empty. */
  readonly after: Buffer;
}

export interface ValidVector {
  readonly name: string;
  readonly note: string | undefined;
  readonly bytes: Buffer;
  readonly options: DecodeOptions | undefined;
  readonly expect: ValidExpect;
}

export interface ExpectedError {
  readonly code: UwsgiErrorCode;
  readonly offset: number;
  /** For TRUNCATED: the bytes still missing; 0 for every other code (as UwsgiError reports it). */
  readonly needed: number;
}

export interface MalformedVector {
  readonly name: string;
  readonly bytes: Buffer;
  readonly options: DecodeOptions | undefined;
  readonly error: ExpectedError;
  /** What real uWSGI 2.0.21 does with these bytes. */
  readonly uwsgi: string;
}

/** A vars packet described instead of spelled out (modifiers 0/0). */
export interface GenerateSpec {
  /** Number of vars; var i has the 4-byte key `V` + i in 3 digits (V000, V001, ...). */
  readonly vars: number;
  /** Each value is this many copies of the letter `a` + (i mod 26). */
  readonly valueLength: number;
}

// Every code a fixture may name; `satisfies` keeps this list inside the exported union.
const ERROR_CODES = [
  "TRUNCATED",
  "KEY_OVERRUNS_DATASIZE",
  "VALUE_OVERRUNS_DATASIZE",
  "ITEM_OVERRUNS_DATASIZE",
  "TRAILING_BYTES",
  "EMPTY_KEY",
  "DATASIZE_OVER_LIMIT",
  "TOO_MANY_VARS",
  "INVALID_UTF8",
  "UNENCODABLE_STRING",
  "FIELD_TOO_LONG",
  "PACKET_TOO_LARGE",
  "BUFFER_TOO_SMALL",
] as const satisfies readonly UwsgiErrorCode[];

const FIXTURES = new URL("../../fixtures/vectors/", import.meta.url);

/** fixtures/vectors/valid.json, checked. */
export function loadValidVectors(): ValidVector[] {
  return parseValidVectors(readJson("valid.json"), "valid.json");
}

/** fixtures/vectors/malformed.json, checked. */
export function loadMalformedVectors(): MalformedVector[] {
  return parseMalformedVectors(readJson("malformed.json"), "malformed.json");
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8"));
}

/** Hex to bytes; whitespace (used to group fields) is ignored, anything else but hex digits throws. */
export function hexToBytes(hex: string): Buffer {
  const digits = hex.replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
    throw new Error(`not an even number of hex digits: ${JSON.stringify(hex)}`);
  }
  return Buffer.from(digits, "hex");
}

/** The packet and its vars for a {@link GenerateSpec}; built here, without src/. */
export function generateVarsPacket(spec: GenerateSpec): {
  bytes: Buffer;
  vars: [Buffer, Buffer][];
} {
  const vars: [Buffer, Buffer][] = [];
  const parts: number[] = [];
  for (let i = 0; i < spec.vars; i++) {
    const key = Buffer.from(`V${String(i).padStart(3, "0")}`, "latin1");
    const value = Buffer.alloc(spec.valueLength, 0x61 + (i % 26));
    vars.push([key, value]);
    parts.push(key.length & 0xff, key.length >> 8, ...key, value.length & 0xff, value.length >> 8);
    for (const b of value) parts.push(b);
  }
  const size = parts.length;
  return { bytes: Buffer.from([0, size & 0xff, size >> 8, 0, ...parts]), vars };
}

type Json = { readonly [key: string]: unknown };

function fail(where: string, what: string): never {
  throw new Error(`bad fixture entry, ${where}: ${what}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyKeys(where: string, o: Json, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(where, `unknown field "${k}"`);
}

function str(where: string, o: Json, key: string): string {
  const v = o[key];
  if (typeof v !== "string" || v.trim() === "") fail(where, `"${key}" must be a non-empty string`);
  return v;
}

function int(where: string, o: Json, key: string, min: number, max: number): number {
  const v = o[key];
  if (!(typeof v === "number" && Number.isInteger(v) && v >= min && v <= max)) {
    fail(where, `"${key}" must be an integer ${min}-${max}, got ${JSON.stringify(v)}`);
  }
  return v;
}

function hexField(where: string, v: unknown): Buffer {
  if (typeof v !== "string") fail(where, `expected a hex string, got ${JSON.stringify(v)}`);
  try {
    return hexToBytes(v);
  } catch (e) {
    return fail(where, (e as Error).message);
  }
}

const OPTION_KINDS: { readonly [key: string]: (v: unknown) => boolean } = {
  maxDatasize: (v) => typeof v === "number",
  maxVars: (v) => typeof v === "number",
  maxItems: (v) => typeof v === "number",
  allowEmptyKeys: (v) => typeof v === "boolean",
  encoding: (v) => v === "latin1" || v === "utf8",
  payload: (v) => v === "auto" || v === "vars" || v === "array" || v === "raw" || v === "empty",
};

function options(where: string, v: unknown): DecodeOptions | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) fail(where, `"options" must be an object`);
  for (const [k, x] of Object.entries(v)) {
    const ok = OPTION_KINDS[k];
    if (ok === undefined) fail(where, `unknown option "${k}"`);
    if (!ok(x)) fail(where, `option "${k}" has a bad value ${JSON.stringify(x)}`);
  }
  return v as DecodeOptions;
}

function generateSpec(where: string, v: unknown): GenerateSpec {
  if (!isObject(v)) fail(where, `"generate" must be an object`);
  onlyKeys(`${where} generate`, v, ["vars", "valueLength"]);
  const spec = {
    vars: int(`${where} generate`, v, "vars", 0, 999),
    valueLength: int(`${where} generate`, v, "valueLength", 0, 65535),
  };
  if (spec.vars * (8 + spec.valueLength) > 65535) fail(where, "generated block over 65535 bytes");
  return spec;
}

/** The input bytes of an entry: `hex` or `generate`, exactly one of them. */
function entryBytes(where: string, o: Json): { bytes: Buffer; generated?: [Buffer, Buffer][] } {
  if ((o["hex"] === undefined) === (o["generate"] === undefined)) {
    fail(where, `exactly one of "hex" and "generate" is needed`);
  }
  if (o["hex"] !== undefined) return { bytes: hexField(`${where} hex`, o["hex"]) };
  const { bytes, vars } = generateVarsPacket(generateSpec(where, o["generate"]));
  return { bytes, generated: vars };
}

function entries(json: unknown, source: string): [string, Json][] {
  if (!Array.isArray(json) || json.length === 0) fail(source, "must be a non-empty array");
  const names = new Set<string>();
  return json.map((e: unknown, i) => {
    const at = `${source}[${i}]`;
    if (!isObject(e)) fail(at, "must be an object");
    const name = str(at, e, "name");
    if (names.has(name)) fail(at, `duplicate name "${name}"`);
    names.add(name);
    return [`${at} "${name}"`, e];
  });
}

const EXPECT_FIELDS = "modifier1 modifier2 datasize kind vars items payload after".split(" ");

/** Checks and converts the parsed contents of valid.json. */
export function parseValidVectors(json: unknown, source = "valid.json"): ValidVector[] {
  return entries(json, source).map(([where, e]) => {
    onlyKeys(where, e, ["name", "note", "hex", "generate", "options", "expect"]);
    if (e["note"] !== undefined) str(where, e, "note");
    const { bytes, generated } = entryBytes(where, e);
    const x = e["expect"];
    if (!isObject(x)) fail(where, `"expect" must be an object`);
    const w = `${where} expect`;
    onlyKeys(w, x, EXPECT_FIELDS);
    const kind = x["kind"];
    if (kind !== "vars" && kind !== "array" && kind !== "raw") {
      fail(w, `"kind" must be "vars", "array" or "raw"`);
    }
    for (const [k, needed] of [
      ["vars", kind === "vars" && generated === undefined],
      ["items", kind === "array"],
      ["payload", kind === "raw"],
    ] as const) {
      if ((x[k] !== undefined) !== needed) {
        fail(w, `"${k}" must be ${needed ? "given" : "absent"} for kind ${kind}`);
      }
    }
    if (generated !== undefined && kind !== "vars") fail(w, "generated packets are vars");
    return {
      name: str(where, e, "name"),
      note: e["note"] as string | undefined,
      bytes,
      options: options(where, e["options"]),
      expect: {
        modifier1: int(w, x, "modifier1", 0, 255),
        modifier2: int(w, x, "modifier2", 0, 255),
        datasize: int(w, x, "datasize", 0, 65535),
        kind,
        vars: generated ?? (kind === "vars" ? pairs(`${w} vars`, x["vars"]) : []),
        items: kind === "array" ? list(`${w} items`, x["items"]) : [],
        payload: kind === "raw" ? hexField(`${w} payload`, x["payload"]) : Buffer.alloc(0),
        after: x["after"] === undefined ? Buffer.alloc(0) : hexField(`${w} after`, x["after"]),
      },
    };
  });
}

function list(where: string, v: unknown): Buffer[] {
  if (!Array.isArray(v)) fail(where, "must be an array of hex strings");
  return v.map((item: unknown, i) => hexField(`${where}[${i}]`, item));
}

function pairs(where: string, v: unknown): [Buffer, Buffer][] {
  if (!Array.isArray(v)) fail(where, "must be an array of [keyHex, valueHex]");
  return v.map((pair: unknown, i) => {
    if (!Array.isArray(pair) || pair.length !== 2)
      fail(`${where}[${i}]`, "must be [keyHex, valueHex]");
    return [hexField(`${where}[${i}] key`, pair[0]), hexField(`${where}[${i}] value`, pair[1])];
  });
}

/** Checks and converts the parsed contents of malformed.json. */
export function parseMalformedVectors(json: unknown, source = "malformed.json"): MalformedVector[] {
  return entries(json, source).map(([where, e]) => {
    onlyKeys(where, e, ["name", "hex", "generate", "options", "error", "uwsgi"]);
    const { bytes } = entryBytes(where, e);
    const err = e["error"];
    if (!isObject(err)) fail(where, `"error" must be an object`);
    const w = `${where} error`;
    onlyKeys(w, err, ["code", "offset", "needed"]);
    const code = ERROR_CODES.find((c) => c === err["code"]);
    if (code === undefined) fail(w, `unknown code ${JSON.stringify(err["code"])}`);
    if ((err["needed"] !== undefined) !== (code === "TRUNCATED")) {
      fail(w, `"needed" is given for TRUNCATED and only for it`);
    }
    return {
      name: str(where, e, "name"),
      bytes,
      options: options(where, e["options"]),
      error: {
        code,
        offset: int(w, err, "offset", 0, 65539),
        needed: code === "TRUNCATED" ? int(w, err, "needed", 1, 65539) : 0,
      },
      uwsgi: str(where, e, "uwsgi"),
    };
  });
}
