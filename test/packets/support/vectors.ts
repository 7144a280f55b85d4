// Loads fixtures/vectors/{rpc,cache,signal,spooler,echo}.json: plain data, hex turned into bytes,
// each entry's shape checked (a malformed entry throws, naming it). Shares no code with src/.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { hexToBytes } from "../../support/vectors.js";

const FIXTURES = new URL("../../../fixtures/vectors/", import.meta.url);

type Json = { readonly [key: string]: unknown };

/** A section of a vectors file: a non-empty array of named entries with a `hex`. */
export function section(file: string, name: string): Json[] {
  const json = JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8")) as Json;
  const list = json[name];
  if (!Array.isArray(list) || list.length === 0) {
    throw new Error(`bad fixture ${file}: "${name}" must be a non-empty array`);
  }
  const names = new Set<string>();
  for (const [i, e] of list.entries()) {
    const entry = e as Json;
    if (typeof entry["name"] !== "string" || names.has(entry["name"])) {
      throw new Error(`bad fixture ${file} ${name}[${i}]: missing or duplicate name`);
    }
    names.add(entry["name"]);
    if (typeof entry["hex"] !== "string") {
      throw new Error(`bad fixture ${file} ${name}[${i}]: "hex" must be a string`);
    }
  }
  return list as Json[];
}

/** The entry's bytes. */
export function bytesOf(entry: Json): Buffer {
  return hexToBytes(entry["hex"] as string);
}

/** A hex field (or "" when absent) as bytes. */
export function hex(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== "string") throw new Error(`not a hex string: ${JSON.stringify(value)}`);
  return hexToBytes(value);
}

/** `n` bytes of the pattern 00 01 ... ff 00 01 ... (what the fixture app's `big(n)` returns). */
export function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = i & 0xff;
  return out;
}

/** What a malformed entry says must be thrown. */
export interface ExpectedThrow {
  readonly class: "UwsgiError";
  readonly code: string;
  readonly offset: number;
  readonly needed?: number;
  /** The var or item concerned; absent means the error names none. */
  readonly field?: string;
}

/** Asserts `fn` throws an error of the named class with exactly this code, offset and field. */
export function expectThrow(fn: () => unknown, want: ExpectedThrow): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  if (caught === undefined) expect.fail(`expected ${want.class} ${want.code}, nothing was thrown`);
  const e = caught as {
    name?: string;
    code?: string;
    offset?: number;
    needed?: number;
    field?: string;
  };
  const got: Record<string, unknown> = {
    class: e.name,
    code: e.code,
    offset: e.offset,
    field: e.field,
  };
  const expected: Record<string, unknown> = {
    class: want.class,
    code: want.code,
    offset: want.offset,
    field: want.field,
  };
  if (want.needed !== undefined) {
    got["needed"] = e.needed;
    expected["needed"] = want.needed;
  }
  expect(got).toEqual(expected);
}
