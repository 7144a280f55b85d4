import { type Frame, FrameView } from "./capture-format.js";

/** Link types (LINKTYPE_* values of the pcap registry) the decoder understands. */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  RAW_OPENBSD: 12,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** TCP flag bits. */
export const TcpFlag = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** What {@link decodeFrame} found in a frame. */
export const FrameKind = {
  TCP: 0,
  /** A link type the decoder does not know, or a frame whose link layer is not IP (ARP...). */
  NOT_IP: 1,
  /** IP, but not TCP (UDP, ICMP...). */
  NOT_TCP: 2,
  /** An IPv4 or IPv6 fragment: skipped, not reassembled. */
  FRAGMENT: 3,
  /** Headers cut short by the snap length or malformed. */
  MALFORMED: 4,
} as const;

/**
 * One TCP segment, refilled for each frame (one object, no allocation per frame). `payload` is a
 * view of the frame, valid while the frame is.
 */
export interface TcpSegment {
  srcAddr: string;
  dstAddr: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  payload: Buffer;
  /** Payload bytes the capture did not keep (snap length): sequence space with no data. */
  missing: number;
}

/** Makes an empty segment to pass to {@link decodeFrame}. */
export function newSegment(): TcpSegment {
  return {
    srcAddr: "",
    dstAddr: "",
    srcPort: 0,
    dstPort: 0,
    seq: 0,
    ack: 0,
    flags: 0,
    payload: Buffer.alloc(0),
    missing: 0,
  };
}

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
const ETHERTYPE_VLAN_OLD = 0x9100;

function be16(b: Buffer, p: number): number {
  return (b[p]! << 8) | b[p + 1]!;
}

function be32(b: Buffer, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

/** Offset of the IP header of the frame `b[start, end)`, -1 when the link layer does not carry IP. */
function ipOffset(linkType: number, b: Buffer, start: number, end: number): number {
  const len = end - start;
  switch (linkType) {
    case LinkType.ETHERNET: {
      let p = start + 12;
      if (len < 14) return -1;
      let type = be16(b, p);
      // 802.1Q and 802.1ad tags, possibly stacked.
      while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_VLAN_OLD) {
        p += 4;
        if (end < p + 2) return -1;
        type = be16(b, p);
      }
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? p + 2 : -1;
    }
    case LinkType.LINUX_SLL: {
      if (len < 16) return -1;
      const type = be16(b, start + 14);
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? start + 16 : -1;
    }
    case LinkType.LINUX_SLL2: {
      if (len < 20) return -1;
      const type = be16(b, start);
      return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? start + 20 : -1;
    }
    case LinkType.RAW:
    case LinkType.RAW_OPENBSD:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return start;
    case LinkType.NULL:
    case LinkType.LOOP:
      // A 4-byte address family (host order for NULL, network order for LOOP); the IP version
      // nibble that follows says the same thing more reliably.
      return len < 4 ? -1 : start + 4;
    default:
      return -1;
  }
}

// One-entry caches: a capture repeats the same few addresses, so most frames make no string.
let v4Key = -1;
let v4Str = "";
let v4Key2 = -1;
let v4Str2 = "";

function ipv4String(b: Buffer, p: number): string {
  const key = be32(b, p);
  if (key === v4Key) return v4Str;
  if (key === v4Key2) return v4Str2;
  const s = `${b[p]}.${b[p + 1]}.${b[p + 2]}.${b[p + 3]}`;
  v4Key2 = v4Key;
  v4Str2 = v4Str;
  v4Key = key;
  v4Str = s;
  return s;
}

/** RFC 5952 text of the IPv6 address at `b[p..p+16]`: lower case, longest zero run as `::`. */
export function ipv6String(b: Buffer, p: number): string {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    if (be16(b, p + i * 2) === 0) {
      if (runStart < 0) runStart = i;
      const runLen = i - runStart + 1;
      if (runLen > bestLen) {
        bestLen = runLen;
        bestStart = runStart;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  let s = "";
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      s += "::";
      i += bestLen - 1;
      continue;
    }
    if (s.length > 0 && !s.endsWith(":")) s += ":";
    s += be16(b, p + i * 2).toString(16);
  }
  return s;
}

const IPPROTO_TCP = 6;

/**
 * Decodes the link, IP and TCP headers of `frame` into `out`; returns a {@link FrameKind}.
 * IPv4 options are skipped by IHL; IPv4 fragments (MF set or an offset) are skipped, not
 * reassembled. IPv6 extension headers (hop-by-hop, routing, destination options, AH) are
 * skipped; an IPv6 fragment header that is not an atomic fragment means a skipped frame.
 */
export function decodeFrame(frame: Frame, out: TcpSegment): number {
  // The readers' frames are read where they lie; a view is made only for the payload.
  if (frame instanceof FrameView) {
    return decodeFrameBytes(frame.linkType, frame.bytes, frame.start, frame.end, out);
  }
  const data = frame.data;
  return decodeFrameBytes(frame.linkType, data, 0, data.length, out);
}

// A segment without payload (most are: ACKs) shares this view.
const NO_PAYLOAD = Buffer.alloc(0);

function decodeFrameBytes(
  linkType: number,
  b: Buffer,
  start: number,
  frameEnd: number,
  out: TcpSegment,
): number {
  let p = ipOffset(linkType, b, start, frameEnd);
  if (p < 0) return FrameKind.NOT_IP;
  const len = frameEnd;
  if (len - p < 1) return FrameKind.MALFORMED;
  const version = b[p]! >> 4;
  let end: number;
  // Bytes of the IP packet the capture cut off (snap length).
  let cut: number;
  if (version === 4) {
    if (len - p < 20) return FrameKind.MALFORMED;
    const ihl = (b[p]! & 0x0f) * 4;
    const total = be16(b, p + 2);
    if (ihl < 20 || (total !== 0 && total < ihl) || len - p < ihl) return FrameKind.MALFORMED;
    if (b[p + 9] !== IPPROTO_TCP) return FrameKind.NOT_TCP;
    // MF flag or a fragment offset: part of a fragmented datagram.
    if ((be16(b, p + 6) & 0x3fff) !== 0) return FrameKind.FRAGMENT;
    out.srcAddr = ipv4String(b, p + 12);
    out.dstAddr = ipv4String(b, p + 16);
    // Trailing Ethernet padding is not part of the IP packet; a TSO capture may say total 0.
    end = total === 0 ? len : Math.min(len, p + total);
    cut = total === 0 ? 0 : Math.max(0, p + total - len);
    p += ihl;
  } else if (version === 6) {
    if (len - p < 40) return FrameKind.MALFORMED;
    const payloadLength = be16(b, p + 4);
    let next = b[p + 6]!;
    out.srcAddr = ipv6String(b, p + 8);
    out.dstAddr = ipv6String(b, p + 24);
    const ipStart = p + 40;
    end = payloadLength === 0 ? len : Math.min(len, ipStart + payloadLength);
    cut = payloadLength === 0 ? 0 : Math.max(0, ipStart + payloadLength - len);
    p = ipStart;
    while (next !== IPPROTO_TCP) {
      if (next === 0 || next === 43 || next === 60) {
        if (end - p < 8) return FrameKind.MALFORMED;
        next = b[p]!;
        p += (b[p + 1]! + 1) * 8;
      } else if (next === 51) {
        if (end - p < 8) return FrameKind.MALFORMED;
        next = b[p]!;
        p += (b[p + 1]! + 2) * 4;
      } else if (next === 44) {
        if (end - p < 8) return FrameKind.MALFORMED;
        // Offset or M flag set: a real fragment; both zero is an atomic fragment.
        if ((be16(b, p + 2) & 0xfff9) !== 0) return FrameKind.FRAGMENT;
        next = b[p]!;
        p += 8;
      } else {
        return FrameKind.NOT_TCP;
      }
      if (p > end) return FrameKind.MALFORMED;
    }
  } else {
    return FrameKind.MALFORMED;
  }
  if (end - p < 20) return FrameKind.MALFORMED;
  const dataOffset = (b[p + 12]! >> 4) * 4;
  if (dataOffset < 20 || end - p < dataOffset) return FrameKind.MALFORMED;
  out.srcPort = be16(b, p);
  out.dstPort = be16(b, p + 2);
  out.seq = be32(b, p + 4);
  out.ack = be32(b, p + 8);
  out.flags = b[p + 13]!;
  const payload = p + dataOffset;
  out.payload = payload === end ? NO_PAYLOAD : b.subarray(payload, end);
  out.missing = cut;
  return FrameKind.TCP;
}
