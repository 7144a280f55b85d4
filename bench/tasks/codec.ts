// The codec's own rows, run the same way on the current codec and on the frozen copy of the codec
// before the issue 11/12 work (bench/baseline-v0/, commit ff4f8d1), so "N times faster than
// before" is a ratio from one run. Each operation goes through a two-function adapter, the same
// small cost for both.

import { decodePacket, encodePacket, MAX_DATASIZE } from "../../src/index.js";
import * as before from "../baseline-v0/index.js";
import type { Scenario } from "../scenarios.js";
import type * as Rows from "./codec-rows.js";
import type { CodecUnderTest } from "./codec-rows.js";
import { type BenchTask, type Protocol, sanity } from "./task.js";

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

export { CODEC_TASKS } from "./codec-rows.js";

// One instance of the rows module per codec (see codec-rows.ts for why).
const rowsFor = (codec: string): Promise<typeof Rows> =>
  import(/* @vite-ignore */ `./codec-rows.js?codec=${codec}`);
const nowRows = await rowsFor("now");
const beforeRows = await rowsFor("before");

/** The protocol name of the codec before the rework. */
export const BEFORE_PROTOCOL: Protocol = "uwsgi before";

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
}

/** The current codec's rows. */
export function codecTasks(s: Scenario): BenchTask[] {
  return nowRows.codecRows(s, "uwsgi", CURRENT);
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
  return beforeRows.codecRows(s, BEFORE_PROTOCOL, BEFORE);
}
