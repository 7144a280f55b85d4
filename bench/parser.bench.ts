import { encodePacket, MAX_DATASIZE, type Packet, PacketParser } from "../src/index.js";
import type { BenchTask } from "./codec.bench.js";
import type { Scenario } from "./scenarios.js";

/** Counts what the parser reports: a handler made once, as a real user would. */
class Counter {
  packets = 0;
  bodyBytes = 0;
  ends = 0;
  onPacket(_p: Packet): void {
    this.packets++;
  }
  onBody(piece: Buffer): void {
    this.bodyBytes += piece.length;
  }
  onBodyEnd(): void {
    this.ends++;
  }
}

function chunk(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** Streaming decode of the scenario's packet, as a socket would deliver it (TCP MSS, 16 KiB reads). */
export function parserTasks(s: Scenario): BenchTask[] {
  const counter = new Counter();
  const options = { mode: "packets", maxDatasize: MAX_DATASIZE } as const;
  return [1460, 16384].map((size) => {
    const chunks = chunk(s.packet, size);
    return {
      scenario: s.name,
      name: `stream, ${size === 1460 ? "1460 B" : "16 KiB"} chunks`,
      bytes: s.packet.length,
      fn: () => {
        const before = counter.packets;
        const parser = new PacketParser(counter, options);
        for (const c of chunks) parser.push(c);
        parser.end();
        if (counter.packets !== before + 1) throw new Error(`bench sanity: ${s.name} stream`);
        return counter.packets;
      },
    };
  });
}

/** A 1 MiB request body streamed through the parser in 16 KiB reads, beside a copy of the same bytes. */
export function bodyTasks(): BenchTask[] {
  const body = Buffer.alloc(1 << 20, 0x61);
  const head = encodePacket({
    vars: [
      ["REQUEST_METHOD", "POST"],
      ["CONTENT_LENGTH", String(body.length)],
    ],
  });
  const chunks = chunk(Buffer.concat([head, body]), 16384);
  const counter = new Counter();
  const copyTarget = Buffer.allocUnsafe(body.length);
  const scenario = "body-1MiB";
  return [
    {
      scenario,
      name: "stream body, 16 KiB chunks",
      bytes: body.length,
      fn: () => {
        const before = counter.bodyBytes;
        const parser = new PacketParser(counter);
        for (const c of chunks) parser.push(c);
        parser.end();
        if (counter.bodyBytes - before !== body.length) throw new Error("bench sanity: body");
        return counter.ends;
      },
    },
    {
      scenario,
      name: "limit: Buffer.copy",
      bytes: body.length,
      fn: () => body.copy(copyTarget, 0),
    },
  ];
}
