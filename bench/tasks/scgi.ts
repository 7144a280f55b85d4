import {
  decodeScgiRequest,
  encodeScgiHead,
  encodeScgiRequest,
  ScgiParser,
} from "../../src/scgi/index.js";
import type { Scenario } from "../scenarios.js";
import {
  allStrings,
  type BenchTask,
  Counter,
  sanity,
  streamDecode,
  TASKS,
  taskMaker,
} from "./task.js";

/** SCGI carries CONTENT_LENGTH first and adds SCGI=1: one pair more than the scenario, when nginx sent no CONTENT_LENGTH. */
export function scgiWire(s: Scenario): Buffer {
  // A Buffer under Node (the codec allocates from Node's pool when it is there).
  return encodeScgiRequest(s.pairs, s.body) as Buffer;
}

/** SCGI rows: the SCGI codec (src/scgi). */
export function scgiTasks(s: Scenario): BenchTask[] {
  const wire = scgiWire(s);
  const bytes = wire.length;
  const t = taskMaker(s, "scgi", bytes);
  const counter = new Counter();
  const stream = (size: number) =>
    streamDecode(s, wire, size, counter, () => new ScgiParser(counter));
  const pairs = decodeScgiRequest(wire).headers.size;
  return [
    t(TASKS.encode, () => {
      // The netstring; the body follows it as it is.
      const out = encodeScgiHead(s.pairs, s.body.length);
      sanity(out.length === bytes - s.body.length, `${s.name} scgi encode`);
      return out[0]!;
    }),
    t(TASKS.decode, () => {
      const r = decodeScgiRequest(wire);
      sanity(r.headers.size === pairs && r.body.length === s.body.length, `${s.name} scgi decode`);
      return r.contentLength;
    }),
    t(TASKS.strings, () => {
      const r = decodeScgiRequest(wire);
      const n = allStrings(r.headers);
      sanity(r.body.length === s.body.length, `${s.name} scgi strings`);
      return n;
    }),
    t(TASKS.stream1460, stream(1460)),
    t(TASKS.stream16k, stream(16384)),
  ];
}
