import type { CapturedSegment } from "./fixtures.js";
import {
  ipPacket,
  ipv4,
  ipv6,
  linkFrame,
  type RecordSpec,
  tcpBytes,
  writePcap,
  writePcapng,
} from "./pcap-writer.js";

/** Frames for segments on `linkType`. */
export function recordsOf(segments: readonly CapturedSegment[], linkType = 1): RecordSpec[] {
  return segments.map((s) => ({
    linkType,
    data: linkFrame(linkType, ipPacket(s)),
    seconds: s.seconds,
    nanos: s.nanos,
  }));
}

/** A classic little-endian pcap of `segments` on Ethernet (or `linkType`). */
export function pcapOf(segments: readonly CapturedSegment[], linkType = 1): Buffer {
  return writePcap(recordsOf(segments, linkType), { linkType });
}

/** Splits every payload into pieces of sizes `sizeOf(offset in the payload)` (at least 1). */
export function resegment(
  segments: readonly CapturedSegment[],
  sizeOf: (offset: number) => number,
): CapturedSegment[] {
  const out: CapturedSegment[] = [];
  for (const s of segments) {
    if (s.payload.length === 0) {
      out.push(s);
      continue;
    }
    let off = 0;
    while (off < s.payload.length) {
      const n = Math.max(1, Math.min(sizeOf(off), s.payload.length - off));
      const last = off + n >= s.payload.length;
      out.push({
        ...s,
        seq: (s.seq + off) >>> 0,
        payload: s.payload.subarray(off, off + n),
        // FIN only on the last piece.
        flags: last ? s.flags : s.flags & ~0x01,
      });
      off += n;
    }
  }
  return out;
}

/**
 * Shuffles the data segments of each direction within windows of `window`, using `rand`.
 * Segments without data (SYN, bare ACK and FIN) keep their places, as do the directions' turns:
 * an answer never comes before the request it answers, on any capture point.
 */
export function reorder(
  segments: readonly CapturedSegment[],
  window: number,
  rand: () => number,
): CapturedSegment[] {
  const out = [...segments];
  const byDirection = new Map<string, number[]>();
  out.forEach((s, i) => {
    if (s.payload.length === 0) return;
    const key = `${s.src} ${s.srcPort} ${s.dst} ${s.dstPort}`;
    byDirection.set(key, [...(byDirection.get(key) ?? []), i]);
  });
  for (const data of byDirection.values()) {
    for (let w = 0; w < data.length; w += window) {
      const slots = data.slice(w, w + window);
      const items = slots.map((i) => out[i]!);
      for (let j = items.length - 1; j > 0; j--) {
        const k = Math.floor(rand() * (j + 1));
        [items[j], items[k]] = [items[k]!, items[j]!];
      }
      slots.forEach((slot, n) => {
        out[slot] = items[n]!;
      });
    }
  }
  return out;
}

/** Segments with SYN/FIN/RST kept in place, data segments shuffled, duplicated and overlapped. */
export function mangle(
  segments: readonly CapturedSegment[],
  rand: () => number,
): CapturedSegment[] {
  const out: CapturedSegment[] = [];
  for (const s of segments) {
    out.push(s);
    if (s.payload.length === 0) continue;
    const r = rand();
    if (r < 0.15)
      out.push(s); // plain retransmission
    else if (r < 0.3 && s.payload.length > 2) {
      // An overlapping retransmission: the second half again, same bytes.
      const half = s.payload.length >> 1;
      out.push({ ...s, seq: (s.seq + half) >>> 0, payload: s.payload.subarray(half) });
    } else if (r < 0.4 && s.payload.length > 1) {
      // A later copy with other bytes: the first copy must win.
      out.push({ ...s, payload: Buffer.alloc(s.payload.length, 0x5a), flags: s.flags & ~0x01 });
    }
  }
  return out;
}

/** Adds `delta` to every sequence and acknowledgement number (mod 2^32). */
export function shiftSequence(
  segments: readonly CapturedSegment[],
  delta: number,
): CapturedSegment[] {
  return segments.map((s) => ({ ...s, seq: (s.seq + delta) >>> 0, ack: (s.ack + delta) >>> 0 }));
}

/** The same traffic over IPv6 (127.0.0.1 becomes ::1), with extension headers. */
export function asIpv6Records(
  segments: readonly CapturedSegment[],
  linkType: number,
  ext: readonly number[],
): RecordSpec[] {
  return segments.map((s) => ({
    linkType,
    data: linkFrame(linkType, ipv6("::1", "::1", tcpBytes(s), ext)),
    seconds: s.seconds,
    nanos: s.nanos,
  }));
}

/** The same traffic with IPv4 options (IHL > 5) and VLAN tags. */
export function withOptionsAndVlan(
  segments: readonly CapturedSegment[],
  tags: number,
): RecordSpec[] {
  return segments.map((s) => ({
    linkType: 1,
    data: linkFrame(1, ipv4(s.src, s.dst, tcpBytes(s, 12), 2), tags),
    seconds: s.seconds,
    nanos: s.nanos,
  }));
}

export { writePcap, writePcapng };
