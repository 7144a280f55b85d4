import { decodePacket, encodePacket, MAX_DATASIZE, PacketParser } from "../../src/index.js";
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

const OPTIONS = { maxDatasize: MAX_DATASIZE } as const;
const EMPTY = Buffer.alloc(0);

/** The whole uwsgi request on the wire: packet, then body. */
export function uwsgiWire(s: Scenario): Buffer {
  return Buffer.concat([s.packet, s.body]);
}

/** uwsgi rows: this package's encoder, decoder and streaming parser. */
export function uwsgiTasks(s: Scenario): BenchTask[] {
  const wire = uwsgiWire(s);
  const bytes = wire.length;
  const init = { vars: s.pairs };
  const t = taskMaker(s, "uwsgi", bytes);
  const counter = new Counter();
  const stream = (size: number) =>
    streamDecode(s, wire, size, counter, () => new PacketParser(counter, OPTIONS));
  return [
    t(TASKS.encode, () => {
      // The packet; the body follows it on the socket as it is.
      const out = encodePacket(init);
      sanity(out.length === s.packet.length, `${s.name} uwsgi encode`);
      return out[4]!;
    }),
    t(TASKS.decode, () => {
      const p = decodePacket(wire, 0, OPTIONS);
      if (p.kind !== "vars") throw new Error("kind");
      const length = p.vars.contentLength();
      // A view of the body when there is one, as the FastCGI decoder makes a view per STDIN record.
      const body = length > 0 ? wire.subarray(p.byteLength, p.byteLength + length) : EMPTY;
      sanity(p.vars.size === s.varCount && body.length === s.body.length, `${s.name} uwsgi decode`);
      return body.length;
    }),
    t(TASKS.strings, () => {
      const p = decodePacket(wire, 0, OPTIONS);
      if (p.kind !== "vars") throw new Error("kind");
      const n = allStrings(p.vars);
      const length = p.vars.contentLength();
      sanity(wire.length - p.byteLength === length, `${s.name} uwsgi strings`);
      return n;
    }),
    t(TASKS.stream1460, stream(1460)),
    t(TASKS.stream16k, stream(16384)),
    t("decode + get 3 vars", () => {
      const p = decodePacket(wire, 0, OPTIONS);
      if (p.kind !== "vars") throw new Error("kind");
      const v = p.vars;
      const n =
        (v.get("REQUEST_METHOD")?.length ?? 0) +
        (v.get("REQUEST_URI")?.length ?? 0) +
        (v.get("HTTP_HOST")?.length ?? 0);
      sanity(n > 0, `${s.name} get`);
      return n;
    }),
  ];
}
