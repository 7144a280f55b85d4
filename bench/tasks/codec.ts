// The codec's own rows, run the same way on the current codec and on the frozen copy of the codec
// before the issue 11/12 work (bench/baseline-v0/, commit ff4f8d1), so "N times faster than
// before" is a ratio from one run. Each operation goes through a two-function adapter, the same
// small cost for both.

import { decodePacket, encodePacket, MAX_DATASIZE } from "../../src/index.js";
import * as before from "../baseline-v0/index.js";
import type { Scenario } from "../scenarios.js";
import { type BenchTask, type Protocol, sanity, TASKS, taskMaker } from "./task.js";

const EMPTY = Buffer.alloc(0);

/** What a row asks of a codec. */
interface DecodedVars {
  readonly size: number;
  keyAt(i: number): string;
  valueAt(i: number): string;
  toObject(): Record<string, string>;
  contentLength(): number;
}

interface CodecUnderTest {
  encode(vars: Record<string, string> | readonly [string, string][], utf8: boolean): Uint8Array;
  decode(
    wire: Uint8Array,
    utf8: boolean,
  ): { readonly byteLength: number; readonly vars: DecodedVars };
}

const LATIN1 = { maxDatasize: MAX_DATASIZE } as const;
const UTF8 = { maxDatasize: MAX_DATASIZE, encoding: "utf8" } as const;

const CURRENT: CodecUnderTest = {
  encode: (vars, utf8) => encodePacket({ vars }, utf8 ? { encoding: "utf8" } : undefined),
  decode(wire, utf8) {
    const p = decodePacket(wire, 0, utf8 ? UTF8 : LATIN1);
    if (p.kind !== "vars") throw new Error(p.kind);
    return p;
  },
};

const BEFORE: CodecUnderTest = {
  encode: (vars, utf8) => before.encodePacket({ vars }, utf8 ? { encoding: "utf8" } : undefined),
  decode(wire, utf8) {
    const p = before.decodePacket(wire, 0, utf8 ? UTF8 : LATIN1);
    if (p.kind !== "vars") throw new Error(p.kind);
    return p;
  },
};

/** Row names of the codec comparison, beside the standard TASKS. */
export const CODEC_TASKS = {
  encodeObject: "encode (object)",
  encodeUtf8: "encode (object, utf8)",
  toObject: "decode + toObject",
  stringsUtf8: "decode + all strings (utf8)",
  copyDecode: "copy + decode",
} as const;

/** The protocol name of the codec before the rework. */
export const BEFORE_PROTOCOL: Protocol = "uwsgi before";

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
}

/**
 * Rows for one codec: encodes from the pairs nginx sent (TASKS.encode) and from a plain object of
 * them (latin1 and utf8); decodes lazily (TASKS.decode), with every name and value made a string
 * (TASKS.strings; and utf8), and to an object; and copies the request into memory of its own
 * then decodes it (what streaming it costs at least).
 */
function codecRows(s: Scenario, protocol: Protocol, codec: CodecUnderTest): BenchTask[] {
  const wire = Buffer.concat([s.packet, s.body]);
  const t = taskMaker(s, protocol, wire.length);
  const object = Object.fromEntries(s.pairs);
  const objectLength = CURRENT.encode(object, false).length;
  const utf8Length = CURRENT.encode(object, true).length;
  const keys = Object.keys(object).length;
  const strings = (utf8: boolean) => () => {
    const p = codec.decode(wire, utf8);
    const v = p.vars;
    let n = 0;
    for (let i = 0; i < v.size; i++) n += v.keyAt(i).length + v.valueAt(i).length;
    sanity(v.contentLength() === s.body.length, `${s.name} ${protocol} strings`);
    return n;
  };
  const copy = Buffer.allocUnsafe(wire.length);
  return [
    t(TASKS.encode, () => {
      // The packet; the body follows it on the socket as it is.
      const out = codec.encode(s.pairs, false);
      sanity(out.length === s.packet.length, `${s.name} ${protocol} encode`);
      return out[4]!;
    }),
    t(TASKS.decode, () => {
      const p = codec.decode(wire, false);
      const length = p.vars.contentLength();
      // A view of the body when there is one, as the FastCGI decoder makes a view per STDIN record.
      const body = length > 0 ? wire.subarray(p.byteLength, p.byteLength + length) : EMPTY;
      sanity(p.vars.size === s.varCount && body.length === s.body.length, `${s.name} decode`);
      return body.length;
    }),
    t(TASKS.strings, strings(false)),
    t(CODEC_TASKS.encodeObject, () => {
      const out = codec.encode(object, false);
      sanity(out.length === objectLength, `${s.name} ${protocol} encode object`);
      return out[4]!;
    }),
    t(CODEC_TASKS.encodeUtf8, () => {
      const out = codec.encode(object, true);
      sanity(out.length === utf8Length, `${s.name} ${protocol} encode utf8`);
      return out[4]!;
    }),
    t(CODEC_TASKS.toObject, () => {
      const o = codec.decode(wire, false).vars.toObject();
      // No Object.keys here: that would be the bench's cost, not the codec's.
      sanity(o["REQUEST_METHOD"] !== undefined, `${s.name} ${protocol} toObject`);
      return keys;
    }),
    t(CODEC_TASKS.stringsUtf8, strings(true)),
    t(CODEC_TASKS.copyDecode, () => {
      wire.copy(copy, 0);
      const p = codec.decode(copy, false);
      sanity(p.vars.size === s.varCount, `${s.name} ${protocol} copy + decode`);
      return p.byteLength;
    }),
  ];
}

/** The current codec's rows. */
export function codecTasks(s: Scenario): BenchTask[] {
  return codecRows(s, "uwsgi", CURRENT);
}

/** The same rows on the codec before the rework, checked to encode the same bytes. */
export function beforeTasks(s: Scenario): BenchTask[] {
  const object = Object.fromEntries(s.pairs);
  for (const [vars, utf8] of [
    [s.pairs, false],
    [object, false],
    [object, true],
  ] as const) {
    sanity(
      hex(BEFORE.encode(vars, utf8)) === hex(CURRENT.encode(vars, utf8)),
      `${s.name}: the codec before and now encode different bytes`,
    );
  }
  return codecRows(s, BEFORE_PROTOCOL, BEFORE);
}
