import type { Scenario } from "../scenarios.js";
import { type BenchTask, sanity } from "./task.js";
import { uwsgiWire } from "./uwsgi.js";

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

/** Rows no codec can beat, on the uwsgi request's bytes: a copy, and a walk of the lengths. */
export function limitTasks(s: Scenario): BenchTask[] {
  const wire = uwsgiWire(s);
  const copyTarget = Buffer.allocUnsafe(wire.length);
  const end = s.packet.length;
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
  ];
}
