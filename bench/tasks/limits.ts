import type { Scenario } from "../scenarios.js";
import { type BenchTask, sanity } from "./task.js";
import { uwsgiWire } from "./uwsgi.js";

/** The row name of the string floor. */
export const LATIN1_WRITE = "latin1Write of one string";

/** Bare walk over the length fields of a vars block: the fastest any decoder can go. */
function lengthWalk(buf: Buffer, end: number): number {
  let p = 4;
  let n = 0;
  while (p + 4 <= end) {
    p += 2 + (buf[p]! | (buf[p + 1]! << 8));
    p += 2 + (buf[p]! | (buf[p + 1]! << 8));
    n++;
  }
  return n;
}

/** Buffer's own latin1 writer (undocumented, on every Node Buffer; what Buffer#write calls). */
interface Latin1Writer {
  latin1Write(s: string, offset: number, length: number): number;
}

/**
 * Rows no codec can beat, on the uwsgi request's bytes: a copy, a walk of the lengths, and
 * writing one flat string of the packet's length into memory kept from run to run: the floor of
 * any encoder that starts from JavaScript strings.
 */
export function limitTasks(s: Scenario): BenchTask[] {
  const wire = uwsgiWire(s);
  const copyTarget = Buffer.allocUnsafe(wire.length);
  const end = s.packet.length;
  const flat = s.packet.toString("latin1");
  const stringTarget = Buffer.allocUnsafe(flat.length) as Buffer & Latin1Writer;
  return [
    {
      scenario: s.name,
      protocol: "limit",
      task: "Buffer.copy",
      bytes: wire.length,
      fn: () => wire.copy(copyTarget, 0),
    },
    {
      scenario: s.name,
      protocol: "limit",
      task: "length walk",
      bytes: wire.length,
      fn: () => {
        const n = lengthWalk(wire, end);
        sanity(n === s.varCount, `${s.name} walk`);
        return n;
      },
    },
    {
      scenario: s.name,
      protocol: "limit",
      task: LATIN1_WRITE,
      bytes: wire.length,
      fn: () => stringTarget.latin1Write(flat, 0, flat.length),
    },
  ];
}
