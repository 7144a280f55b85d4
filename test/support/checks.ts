// Assertions shared by the property files: run the codec, run the oracle, demand the same answer.
import { expect } from "vitest";
import {
  type DecodeOptions,
  decodePacket,
  decodeVars,
  encodePacket,
  type Packet,
  payloadKindOf,
  UwsgiError,
  type UwsgiErrorCode,
  type VarsView,
} from "../../src/index.js";
import {
  lastWins,
  latin1String,
  type OraclePacketRules,
  type OracleProblem,
  type OracleVar,
  oracleDecodePacket,
} from "./oracle.js";

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

export function hexPairs(pairs: Iterable<readonly [Uint8Array, Uint8Array]>): [string, string][] {
  return Array.from(pairs, ([k, v]) => [hex(k), hex(v)]);
}

/** Every var of a view as `[key, value]` views, through the index accessors. */
export function viewPairs(vars: VarsView): [Uint8Array, Uint8Array][] {
  const out: [Uint8Array, Uint8Array][] = [];
  for (let i = 0; i < vars.size; i++) out.push([vars.keyBytesAt(i), vars.valueBytesAt(i)]);
  return out;
}

export type Outcome =
  | { readonly ok: true; readonly packet: Packet }
  | { readonly ok: false; readonly error: UwsgiError };

/** decodePacket, with anything thrown other than a UwsgiError let through (failing the property). */
export function tryDecode(buf: Uint8Array, offset: number, options?: DecodeOptions): Outcome {
  try {
    return { ok: true, packet: decodePacket(buf, offset, options) };
  } catch (e) {
    if (!(e instanceof UwsgiError)) throw e;
    return { ok: false, error: e };
  }
}

/** What to compare of two outcomes: the error's code, offset and need, or the packet's bytes. */
export function outcomeSummary(o: Outcome): unknown {
  if (!o.ok) return { code: o.error.code, offset: o.error.offset, needed: o.error.needed };
  const p = o.packet;
  const head = { kind: p.kind, m1: p.modifier1, m2: p.modifier2, byteLength: p.byteLength };
  if (p.kind === "vars") return { ...head, vars: hexPairs(viewPairs(p.vars)) };
  if (p.kind === "array") {
    return {
      ...head,
      items: Array.from({ length: p.items.length }, (_, i) => hex(p.items.getBytes(i))),
    };
  }
  return { ...head, payload: hex(p.payload) };
}

const CODE_OF: Record<OracleProblem, UwsgiErrorCode> = {
  truncated: "TRUNCATED",
  "over-limit": "DATASIZE_OVER_LIMIT",
  trailing: "TRAILING_BYTES",
  "empty-key": "EMPTY_KEY",
  "key-overrun": "KEY_OVERRUNS_DATASIZE",
  "value-overrun": "VALUE_OVERRUNS_DATASIZE",
  "item-overrun": "ITEM_OVERRUNS_DATASIZE",
  "too-many": "TOO_MANY_VARS",
};

/**
 * The oracle's rules for `options`, with the documented defaults written out (4096, 128, 255,
 * no empty keys). "auto" is resolved with the public registry: the registry is tested elsewhere,
 * and the oracle only knows how to read each kind.
 */
export function oracleRules(
  buf: Uint8Array,
  offset: number,
  options: DecodeOptions,
): OraclePacketRules {
  const requested = options.payload ?? "auto";
  const kind =
    requested === "auto"
      ? buf.length - offset >= 4
        ? payloadKindOf(buf[offset]!, buf[offset + 3]!)
        : "raw"
      : requested;
  return {
    maxDatasize: options.maxDatasize ?? 4096,
    maxVars: options.maxVars ?? 128,
    maxItems: options.maxItems ?? 255,
    allowEmptyKeys: options.allowEmptyKeys ?? false,
    kind: kind === "empty" ? "raw" : kind,
  };
}

const utf8Fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The string accessors agree with the oracle: latin1 always, utf8 or INVALID_UTF8 (nothing else). */
function checkStrings(vars: VarsView, want: readonly OracleVar[]): void {
  const strings = want.map((v): [string, string] => [latin1String(v.key), latin1String(v.value)]);
  expect(Array.from(vars)).toEqual(strings);
  const env = lastWins(strings);
  expect(vars.toObject()).toEqual(env);
  for (const [k] of strings) expect(vars.get(k)).toBe(env[k]);
  const raw = vars.raw;
  const asUtf8 = decodeVars(raw, 0, raw.length, {
    encoding: "utf8",
    allowEmptyKeys: true,
    maxVars: Number.POSITIVE_INFINITY,
  });
  for (let i = 0; i < want.length; i++) {
    for (const [bytes, read] of [
      [want[i]!.key, () => asUtf8.keyAt(i)],
      [want[i]!.value, () => asUtf8.valueAt(i)],
    ] as const) {
      let expected: string | undefined;
      try {
        expected = utf8Fatal.decode(bytes);
      } catch {
        expected = undefined;
      }
      if (expected !== undefined) expect(read()).toBe(expected);
      else expect(read).toThrow(expect.objectContaining({ code: "INVALID_UTF8" }));
    }
  }
}

/**
 * Decodes the packet at `offset` with the codec and with the oracle; they must agree on the error
 * (code, offset, needed) or on every byte of the packet. A decoded packet must re-encode to exactly
 * the input bytes it came from.
 */
export function checkDecodeAgainstOracle(
  buf: Uint8Array,
  offset: number,
  options: DecodeOptions,
): Outcome {
  const got = tryDecode(buf, offset, options);
  const rules = oracleRules(buf, offset, options);
  const want = oracleDecodePacket(buf, offset, rules);
  if (!want.ok) {
    const expected = { code: CODE_OF[want.problem], offset: want.at, needed: want.missing ?? 0 };
    expect(outcomeSummary(got)).toEqual(expected);
    return got;
  }
  if (!got.ok) throw got.error; // the oracle accepts these bytes: show the codec's refusal
  const p = got.packet;
  const w = want.value;
  expect({
    kind: p.kind,
    m1: p.modifier1,
    m2: p.modifier2,
    ds: p.datasize,
    n: p.byteLength,
  }).toEqual({
    kind: rules.kind,
    m1: w.modifier1,
    m2: w.modifier2,
    ds: w.datasize,
    n: 4 + w.datasize,
  });
  const input = buf.subarray(offset, offset + p.byteLength);
  expect(hex(p.payload)).toBe(hex(input.subarray(4)));
  let again: Uint8Array;
  if (p.kind === "vars") {
    const pairs = viewPairs(p.vars);
    expect(hexPairs(pairs)).toEqual(hexPairs(w.vars!.map((v) => [v.key, v.value] as const)));
    expect(hexPairs(p.vars.entriesBytes())).toEqual(hexPairs(pairs));
    checkStrings(p.vars, w.vars!);
    again = encodePacket({ modifier1: p.modifier1, modifier2: p.modifier2, vars: pairs });
  } else if (p.kind === "array") {
    const items = Array.from({ length: p.items.length }, (_, i) => p.items.getBytes(i));
    expect(items.map(hex)).toEqual(w.items!.map((it) => hex(it.bytes)));
    expect(p.items.toArray()).toEqual(w.items!.map((it) => latin1String(it.bytes)));
    again = encodePacket({ modifier1: p.modifier1, modifier2: p.modifier2, items });
  } else {
    again = encodePacket({ modifier1: p.modifier1, modifier2: p.modifier2, payload: p.payload });
  }
  expect(hex(again)).toBe(hex(input));
  return got;
}

/** Everything the wire can carry: 65535 bytes, any number of vars, read as vars. */
export const WIDE = {
  maxDatasize: 65535,
  maxVars: Number.POSITIVE_INFINITY,
  payload: "vars",
} as const satisfies DecodeOptions;

/** The vars of the packet at `offset` (a vars packet is required). */
export function varsOf(bytes: Uint8Array, offset = 0, options: DecodeOptions = WIDE): VarsView {
  const p = decodePacket(bytes, offset, options);
  if (p.kind !== "vars") throw new Error(`expected a vars packet, got ${p.kind}`);
  return p.vars;
}

export function filled(length: number, byte: number): Uint8Array {
  return new Uint8Array(length).fill(byte);
}

/** True when two views share memory (empty views hold none). */
export function overlaps(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === 0 || b.length === 0 || a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.length && b.byteOffset < a.byteOffset + a.length;
}

/**
 * A target for the *Into encoders: `length` bytes of `byte`, as a view `pad` bytes into a bigger
 * buffer (so a write relative to the wrong origin shows), and `whole`, that whole buffer.
 */
export function sentinelTarget(length: number, byte: number, pad: number) {
  const whole = filled(pad + length, byte);
  return { target: whole.subarray(pad), whole };
}

/** Joins byte arrays fast (the oracle's concatBytes is the slow, obvious one). */
export function join(parts: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat(parts);
}

/** What `fn` throws as an argument error (a TypeError or RangeError with an ERR_ code). */
export function argumentError(fn: () => unknown): (TypeError | RangeError) & { code: string } {
  try {
    fn();
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if ((e instanceof TypeError || e instanceof RangeError) && typeof code === "string") {
      return e as (TypeError | RangeError) & { code: string };
    }
    throw e;
  }
  throw new Error("expected an argument error, nothing was thrown");
}
