import type { PairsView } from "../baseline/pairs-view.js";
import type { Scenario } from "../scenarios.js";
import { decodeScgiRequest, encodeScgiHead, encodeScgiRequest, ScgiParser } from "../scgi/scgi.js";
import { type BenchTask, Counter, chunksOf, sanity, TASKS } from "./task.js";

class ScgiCounter extends Counter {
  onHeaders(headers: PairsView): void {
    this.heads++;
    this.pairs += headers.size;
  }
}

/** SCGI carries CONTENT_LENGTH first and adds SCGI=1: one pair more than the scenario, when nginx sent no CONTENT_LENGTH. */
export function scgiWire(s: Scenario): Buffer {
  return encodeScgiRequest(s.pairs, s.body);
}

/** SCGI rows: the netstring baseline in bench/scgi. */
export function scgiTasks(s: Scenario): BenchTask[] {
  const wire = scgiWire(s);
  const bytes = wire.length;
  const t = (task: string, fn: () => number): BenchTask => ({
    scenario: s.name,
    protocol: "scgi",
    task,
    bytes,
    fn,
  });
  const counter = new ScgiCounter();
  const stream = (size: number) => {
    const chunks = chunksOf(wire, size);
    return () => {
      const before = counter.bodyBytes;
      const parser = new ScgiParser(counter);
      for (const c of chunks) parser.push(c);
      parser.end();
      sanity(counter.bodyBytes - before === s.body.length, `${s.name} scgi stream`);
      return counter.ends;
    };
  };
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
      const v = r.headers;
      let n = 0;
      for (let i = 0; i < v.size; i++) n += v.keyAt(i).length + v.valueAt(i).length;
      sanity(r.body.length === s.body.length, `${s.name} scgi strings`);
      return n;
    }),
    t(TASKS.stream1460, stream(1460)),
    t(TASKS.stream16k, stream(16384)),
  ];
}
