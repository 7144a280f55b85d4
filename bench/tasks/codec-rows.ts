// The rows of the codec comparison for one codec. bench/tasks/codec.ts loads this module once
// per codec (a query in the import makes each load a module of its own), so each codec's rows
// are functions of their own: V8 keeps type feedback and optimised code per function, and rows
// shared by both codecs would measure each codec through call sites that also see the other's
// classes, which no program using one codec has.

import type { Scenario } from "../scenarios.js";
import { type BenchTask, type Protocol, sanity, TASKS, taskMaker } from "./task.js";

const EMPTY = Buffer.alloc(0);

/** Row names of the codec comparison, beside the standard TASKS. */
export const CODEC_TASKS = {
  encodeObject: "encode (object)",
  encodeUtf8: "encode (object, utf8)",
  toObject: "decode + toObject",
  stringsUtf8: "decode + all strings (utf8)",
  copyDecode: "copy + decode",
} as const;

/** What a row asks of a codec. */
export interface DecodedVars {
  readonly size: number;
  keyAt(i: number): string;
  valueAt(i: number): string;
  toObject(): Record<string, string>;
  contentLength(): number;
}

/** A codec as the rows call it: two small adapters, the same cost for both codecs. */
export interface CodecUnderTest {
  encode(vars: Record<string, string> | readonly [string, string][], utf8: boolean): Uint8Array;
  decode(
    wire: Uint8Array,
    utf8: boolean,
  ): { readonly byteLength: number; readonly vars: DecodedVars };
}

/**
 * Rows for one codec: encodes from the pairs nginx sent (TASKS.encode) and from a plain object of
 * them (latin1 and utf8); decodes lazily (TASKS.decode), with every name and value made a string
 * (TASKS.strings; and utf8), and to an object; and copies the request into memory of its own
 * then decodes it (what streaming it costs at least).
 */
export function codecRows(s: Scenario, protocol: Protocol, codec: CodecUnderTest): BenchTask[] {
  const wire = Buffer.concat([s.packet, s.body]);
  const t = taskMaker(s, protocol, wire.length);
  const object = Object.fromEntries(s.pairs);
  const objectLength = codec.encode(object, false).length;
  const utf8Length = codec.encode(object, true).length;
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
