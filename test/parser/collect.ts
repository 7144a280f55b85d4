import { type Packet, PacketParser, type ParserOptions, UwsgiError } from "../../src/index.js";

/** What a parser reported, with body pieces kept apart (to check views) and joined (to compare). */
export interface Events {
  packets: Packet[];
  pieces: Uint8Array[];
  bodyEnds: number;
  trailing: Uint8Array[];
  error: UwsgiError | undefined;
  /** Largest `bufferedBytes` seen after any push. */
  maxBuffered: number;
}

/** Feeds `chunks` to a new parser, then ends it; collects every event and the first error. */
export function feed(chunks: readonly Uint8Array[], options?: ParserOptions): Events {
  const ev: Events = {
    packets: [],
    pieces: [],
    bodyEnds: 0,
    trailing: [],
    error: undefined,
    maxBuffered: 0,
  };
  const parser = new PacketParser(
    {
      onPacket: (p) => ev.packets.push(p),
      onBody: (b) => ev.pieces.push(b),
      onBodyEnd: () => ev.bodyEnds++,
      onTrailing: (b) => ev.trailing.push(b),
    },
    options,
  );
  try {
    for (const chunk of chunks) {
      parser.push(chunk);
      ev.maxBuffered = Math.max(ev.maxBuffered, parser.bufferedBytes);
    }
    parser.end();
  } catch (err) {
    if (!(err instanceof UwsgiError)) throw err;
    ev.error = err;
  }
  return ev;
}

/** Splits `buf` at the given cut points (any numbers; taken modulo the length, sorted). */
export function split(buf: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (buf.length === 0 ? 0 : c % (buf.length + 1))))].sort(
    (a, b) => a - b,
  );
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out.filter((c) => c.length > 0);
}

/** Every chunk of `size` bytes (the last one shorter). */
export function chunksOf(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** A packet's identity for comparisons: header fields and the payload bytes. */
export function summary(p: Packet): string {
  return `${p.modifier1}/${p.modifier2}/${p.kind}/${Buffer.from(p.payload).toString("hex")}`;
}
