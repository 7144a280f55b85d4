import {
  decodeFcgiRequest,
  encodeFcgiRequest,
  encodeFcgiRequestParts,
  FcgiRequestParser,
} from "../../src/fastcgi/index.js";
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

/** The same request as FastCGI, framed as nginx frames it (one PARAMS record, 32 KiB STDIN records). */
export function fastcgiWire(s: Scenario): Buffer {
  // A Buffer under Node (the codec allocates from Node's pool when it is there).
  return encodeFcgiRequest({ params: s.pairs, body: s.body }) as Buffer;
}

/** FastCGI rows: the FastCGI codec (src/fastcgi), built to the same standard as the uwsgi one. */
export function fastcgiTasks(s: Scenario): BenchTask[] {
  const wire = fastcgiWire(s);
  const bytes = wire.length;
  const init = { params: s.pairs, body: s.body };
  const t = taskMaker(s, "fastcgi", bytes);
  const counter = new Counter();
  const stream = (size: number) =>
    streamDecode(s, wire, size, counter, () => new FcgiRequestParser(counter));
  return [
    t(TASKS.encode, () => {
      // Framing for a gathered write; the body goes out as views between STDIN headers.
      const parts = encodeFcgiRequestParts(init);
      sanity(parts.length === 2 * Math.ceil(s.body.length / 32768) + 1, `${s.name} fastcgi encode`);
      return parts.length;
    }),
    t(TASKS.decode, () => {
      const r = decodeFcgiRequest(wire);
      sanity(
        r.params.size === s.varCount && r.bodyLength === s.body.length,
        `${s.name} fastcgi decode`,
      );
      return r.bodyLength;
    }),
    t(TASKS.strings, () => {
      const r = decodeFcgiRequest(wire);
      const n = allStrings(r.params);
      sanity(r.bodyLength === s.body.length, `${s.name} fastcgi strings`);
      return n;
    }),
    t(TASKS.stream1460, stream(1460)),
    t(TASKS.stream16k, stream(16384)),
  ];
}
