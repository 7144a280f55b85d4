import { decodePacket, MAX_DATASIZE, PacketParser } from "../../src/index.js";
import type { Scenario } from "../scenarios.js";
import { type BenchTask, Counter, sanity, streamDecode, TASKS, taskMaker } from "./task.js";

const OPTIONS = { maxDatasize: MAX_DATASIZE } as const;

/** The row streaming with the parser's gatherBuffer option (memory kept from request to request). */
export const STREAM_REUSED = "stream, 16 KiB chunks, gatherBuffer";

/** The whole uwsgi request on the wire: packet, then body. */
export function uwsgiWire(s: Scenario): Buffer {
  return Buffer.concat([s.packet, s.body]);
}

/** uwsgi rows of the streaming parser (the encoder and decoder rows are in codec.ts). */
export function uwsgiTasks(s: Scenario): BenchTask[] {
  const wire = uwsgiWire(s);
  const bytes = wire.length;
  const t = taskMaker(s, "uwsgi", bytes);
  const counter = new Counter();
  const reused = { ...OPTIONS, gatherBuffer: Buffer.allocUnsafe(4 + MAX_DATASIZE) };
  const stream = (size: number) =>
    streamDecode(s, wire, size, counter, () => new PacketParser(counter, OPTIONS));
  return [
    t(TASKS.stream1460, stream(1460)),
    t(TASKS.stream16k, stream(16384)),
    // What a server that knows when a request's packet is no longer used can do: gather every
    // split packet into the same memory (a new parser each time, as for a new connection).
    t(
      STREAM_REUSED,
      streamDecode(s, wire, 16384, counter, () => new PacketParser(counter, reused)),
    ),
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
