// Rewrites of a capture's TCP segments for the dissector tests: split so that every header and
// length field is cut at every offset, merged so that several packets share a segment, and
// synthetic connections with several packets each way.
import type { CapturedSegment } from "../../capture/support/fixtures.js";
import { resegment } from "../../capture/support/rewrite.js";

/** Splits each payload: its first `head` bytes one by one, the rest in pieces of `sizeOf()`. */
export function splitEverywhere(
  segments: readonly CapturedSegment[],
  head: number,
  sizeOf: () => number,
): CapturedSegment[] {
  return resegment(segments, (offset) => (offset < head ? 1 : sizeOf()));
}

const direction = (s: CapturedSegment) => `${s.src}:${s.srcPort}>${s.dst}:${s.dstPort}`;

/**
 * Merges each direction's consecutive data segments (in sequence, with no data the other way in
 * between, at most `max` bytes) into the first of them: a request packet with its body, an
 * answer's head with its result, several packets in one segment. Bare ACKs stay where they are.
 */
export function coalesce(segments: readonly CapturedSegment[], max = 60_000): CapturedSegment[] {
  const out: CapturedSegment[] = [];
  // Per connection: the index in `out` of the last data segment and its direction.
  const last = new Map<string, { index: number; dir: string }>();
  for (const s of segments) {
    const dir = direction(s);
    const conn = [dir, `${s.dst}:${s.dstPort}>${s.src}:${s.srcPort}`].sort().join(" ");
    const prev = last.get(conn);
    const into = prev === undefined || prev.dir !== dir ? undefined : out[prev.index]!;
    const joinable =
      into !== undefined &&
      s.payload.length > 0 &&
      (into.seq + into.payload.length) >>> 0 === s.seq &&
      into.payload.length + s.payload.length <= max &&
      (into.flags & 0x01) === 0;
    if (joinable) {
      out[prev!.index] = {
        ...into,
        payload: Buffer.concat([into.payload, s.payload]),
        flags: into.flags | (s.flags & ~0x01),
      };
      // A FIN that came with the last piece still closes the direction.
      if ((s.flags & 0x01) !== 0)
        out.push({ ...s, seq: (s.seq + s.payload.length) >>> 0, payload: Buffer.alloc(0) });
      continue;
    }
    out.push(s);
    if (s.payload.length > 0) last.set(conn, { index: out.length - 1, dir });
  }
  return out;
}

/**
 * One connection from `client` to `server` port: the handshake, `request` in one segment, the
 * `answer` in one segment, the closes. Sequence numbers start at 1000 and 5000.
 */
export function connection(
  clientPort: number,
  serverPort: number,
  request: Buffer,
  answer: Buffer,
  seconds: number,
): CapturedSegment[] {
  const c = { src: "127.0.0.1", dst: "127.0.0.1", srcPort: clientPort, dstPort: serverPort };
  const s = { src: "127.0.0.1", dst: "127.0.0.1", srcPort: serverPort, dstPort: clientPort };
  const at = (i: number) => ({ seconds, nanos: i * 1000 });
  const none = Buffer.alloc(0);
  return [
    { ...c, seq: 1000, ack: 0, flags: 0x02, payload: none, ...at(0) },
    { ...s, seq: 5000, ack: 1001, flags: 0x12, payload: none, ...at(1) },
    { ...c, seq: 1001, ack: 5001, flags: 0x10, payload: none, ...at(2) },
    { ...c, seq: 1001, ack: 5001, flags: 0x18, payload: request, ...at(3) },
    { ...s, seq: 5001, ack: 1001 + request.length, flags: 0x18, payload: answer, ...at(4) },
    {
      ...s,
      seq: 5001 + answer.length,
      ack: 1001 + request.length,
      flags: 0x11,
      payload: none,
      ...at(5),
    },
    {
      ...c,
      seq: 1001 + request.length,
      ack: 5002 + answer.length,
      flags: 0x11,
      payload: none,
      ...at(6),
    },
  ];
}
