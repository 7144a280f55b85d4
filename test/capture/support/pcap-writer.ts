// Builds captures in tests: link/IP/TCP frames, classic pcap and pcapng files in either byte order.

/** A TCP segment to put in a frame. */
export interface SegmentSpec {
  readonly src: string;
  readonly dst: string;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack?: number;
  /** TCP flags byte (0x02 SYN, 0x10 ACK, 0x01 FIN, 0x04 RST, 0x18 PSH|ACK). */
  readonly flags: number;
  readonly payload?: Uint8Array;
}

/** A record of a capture: link type, bytes, time. */
export interface RecordSpec {
  readonly linkType: number;
  readonly data: Uint8Array;
  readonly seconds: number;
  readonly nanos: number;
  /** Length on the wire; defaults to data.length. */
  readonly originalLength?: number;
  /** pcapng interface id (default: the first interface with this link type). */
  readonly interfaceId?: number;
}

function ipv4Bytes(a: string): number[] {
  return a.split(".").map(Number);
}

function ipv6Bytes(a: string): number[] {
  const [head, tail] = a.includes("::") ? a.split("::") : [a, undefined];
  const h = head === "" || head === undefined ? [] : head!.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  const out: number[] = [];
  for (const g of groups) {
    const v = Number.parseInt(g, 16);
    out.push(v >> 8, v & 0xff);
  }
  return out;
}

/** TCP header + payload (checksum left 0: nothing here checks it). */
export function tcpBytes(s: SegmentSpec, options = 0): Buffer {
  const payload = s.payload ?? new Uint8Array(0);
  const hl = 20 + options;
  const b = Buffer.alloc(hl + payload.length);
  b.writeUInt16BE(s.srcPort, 0);
  b.writeUInt16BE(s.dstPort, 2);
  b.writeUInt32BE(s.seq >>> 0, 4);
  b.writeUInt32BE((s.ack ?? 0) >>> 0, 8);
  b[12] = (hl / 4) << 4;
  b[13] = s.flags;
  b.writeUInt16BE(65535, 14);
  for (let i = 20; i < hl; i++) b[i] = 1; // NOP options
  b.set(payload, hl);
  return b;
}

/** IPv4 packet around `l4`, with `optionWords` 4-byte words of options (IHL > 5). */
export function ipv4(src: string, dst: string, l4: Buffer, optionWords = 0, fragment = 0): Buffer {
  const ihl = 20 + optionWords * 4;
  const b = Buffer.alloc(ihl + l4.length);
  b[0] = 0x40 | (ihl / 4);
  b.writeUInt16BE(ihl + l4.length, 2);
  b.writeUInt16BE(fragment, 6);
  b[8] = 64;
  b[9] = 6;
  b.set(ipv4Bytes(src), 12);
  b.set(ipv4Bytes(dst), 16);
  for (let i = 20; i < ihl; i++) b[i] = 1;
  b.set(l4, ihl);
  return b;
}

/** IPv6 packet around `l4`; `ext` lists extension headers to put first (0, 43, 60, 51, 44). */
export function ipv6(src: string, dst: string, l4: Buffer, ext: readonly number[] = []): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < ext.length; i++) {
    const next = i + 1 < ext.length ? ext[i + 1]! : 6;
    const type = ext[i]!;
    if (type === 51) {
      const h = Buffer.alloc(12);
      h[0] = next;
      h[1] = 1; // (1 + 2) * 4 = 12 bytes
      parts.push(h);
    } else if (type === 44) {
      const h = Buffer.alloc(8);
      h[0] = next;
      parts.push(h);
    } else {
      const h = Buffer.alloc(16);
      h[0] = next;
      h[1] = 1; // (1 + 1) * 8 = 16 bytes
      parts.push(h);
    }
  }
  const extLen = parts.reduce((n, p) => n + p.length, 0);
  const b = Buffer.alloc(40 + extLen + l4.length);
  b[0] = 0x60;
  b.writeUInt16BE(extLen + l4.length, 4);
  b[6] = ext.length > 0 ? ext[0]! : 6;
  b[7] = 64;
  b.set(ipv6Bytes(src), 8);
  b.set(ipv6Bytes(dst), 24);
  let p = 40;
  for (const part of parts) {
    part.copy(b, p);
    p += part.length;
  }
  l4.copy(b, p);
  return b;
}

/** The IP packet for a segment (v4 or v6 by the address). */
export function ipPacket(s: SegmentSpec): Buffer {
  const l4 = tcpBytes(s);
  return s.src.includes(":") ? ipv6(s.src, s.dst, l4) : ipv4(s.src, s.dst, l4);
}

/** Wraps an IP packet in the link layer of `linkType`. */
export function linkFrame(linkType: number, ip: Buffer, vlanTags = 0): Buffer {
  const v6 = ip[0]! >> 4 === 6;
  const ethertype = v6 ? 0x86dd : 0x0800;
  switch (linkType) {
    case 1: {
      const b = Buffer.alloc(14 + vlanTags * 4);
      b.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0);
      let p = 12;
      for (let i = 0; i < vlanTags; i++) {
        b.writeUInt16BE(i === 0 && vlanTags > 1 ? 0x88a8 : 0x8100, p);
        b.writeUInt16BE(100 + i, p + 2);
        p += 4;
      }
      b.writeUInt16BE(ethertype, p);
      return Buffer.concat([b, ip]);
    }
    case 113: {
      const b = Buffer.alloc(16);
      b.writeUInt16BE(0, 0);
      b.writeUInt16BE(772, 2);
      b.writeUInt16BE(6, 4);
      b.writeUInt16BE(ethertype, 14);
      return Buffer.concat([b, ip]);
    }
    case 276: {
      const b = Buffer.alloc(20);
      b.writeUInt16BE(ethertype, 0);
      b.writeUInt32BE(1, 4);
      b.writeUInt16BE(772, 8);
      b[11] = 6;
      return Buffer.concat([b, ip]);
    }
    case 0: {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v6 ? 30 : 2, 0);
      return Buffer.concat([b, ip]);
    }
    case 108: {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(v6 ? 24 : 2, 0);
      return Buffer.concat([b, ip]);
    }
    default:
      // 12, 101, 228, 229: raw IP.
      return ip;
  }
}

/** A classic pcap file. */
export function writePcap(
  records: readonly RecordSpec[],
  opts: { bigEndian?: boolean; nano?: boolean; linkType?: number; snapLength?: number } = {},
): Buffer {
  const be = opts.bigEndian === true;
  const u32 = (b: Buffer, v: number, p: number) =>
    be ? b.writeUInt32BE(v >>> 0, p) : b.writeUInt32LE(v >>> 0, p);
  const u16 = (b: Buffer, v: number, p: number) =>
    be ? b.writeUInt16BE(v, p) : b.writeUInt16LE(v, p);
  const head = Buffer.alloc(24);
  u32(head, opts.nano === true ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  u16(head, 2, 4);
  u16(head, 4, 6);
  u32(head, opts.snapLength ?? 262144, 16);
  u32(head, opts.linkType ?? records[0]?.linkType ?? 1, 20);
  const parts: Buffer[] = [head];
  for (const r of records) {
    const h = Buffer.alloc(16);
    u32(h, r.seconds, 0);
    u32(h, opts.nano === true ? r.nanos : Math.floor(r.nanos / 1000), 4);
    u32(h, r.data.length, 8);
    u32(h, r.originalLength ?? r.data.length, 12);
    parts.push(h, Buffer.from(r.data));
  }
  return Buffer.concat(parts);
}

/** An interface of a pcapng section. */
export interface InterfaceSpec {
  readonly linkType: number;
  /** if_tsresol byte (default 6: microseconds); 9 for ns, 0x80|n for 2^-n. */
  readonly tsresol?: number;
  readonly snapLength?: number;
  /** if_tsoffset in seconds. */
  readonly tsoffset?: number;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** A pcapng file: one section with `interfaces`, records as EPBs (or SPBs with `simple`). */
export function writePcapng(
  records: readonly RecordSpec[],
  opts: {
    bigEndian?: boolean;
    interfaces?: readonly InterfaceSpec[];
    simple?: boolean;
    obsolete?: boolean;
    /** Insert an unknown block (type 0x0bad) of this many body bytes after the interfaces. */
    unknownBlock?: number;
    /** Extra section: the same records again in a new section of the other byte order. */
  } = {},
): Buffer {
  const be = opts.bigEndian === true;
  const u32 = (b: Buffer, v: number, p: number) =>
    be ? b.writeUInt32BE(v >>> 0, p) : b.writeUInt32LE(v >>> 0, p);
  const u16 = (b: Buffer, v: number, p: number) =>
    be ? b.writeUInt16BE(v, p) : b.writeUInt16LE(v, p);
  const block = (type: number, body: Buffer): Buffer => {
    const len = 12 + body.length;
    const b = Buffer.alloc(len);
    u32(b, type, 0);
    u32(b, len, 4);
    body.copy(b, 8);
    u32(b, len, len - 4);
    return b;
  };
  const ifaces = opts.interfaces ?? [{ linkType: records[0]?.linkType ?? 1 }];
  const shb = Buffer.alloc(16);
  u32(shb, 0x1a2b3c4d, 0);
  u16(shb, 1, 4);
  u16(shb, 0, 6);
  shb.fill(0xff, 8, 16); // section length unknown
  const parts = [block(0x0a0d0d0a, shb)];
  for (const i of ifaces) {
    const opt: Buffer[] = [];
    if (i.tsresol !== undefined) {
      const o = Buffer.alloc(8);
      u16(o, 9, 0);
      u16(o, 1, 2);
      o[4] = i.tsresol;
      opt.push(o);
    }
    if (i.tsoffset !== undefined) {
      const o = Buffer.alloc(12);
      u16(o, 14, 0);
      u16(o, 8, 2);
      if (be) o.writeBigInt64BE(BigInt(i.tsoffset), 4);
      else o.writeBigInt64LE(BigInt(i.tsoffset), 4);
      opt.push(o);
    }
    if (opt.length > 0) opt.push(Buffer.alloc(4)); // opt_endofopt
    const body = Buffer.alloc(8);
    u16(body, i.linkType, 0);
    u32(body, i.snapLength ?? 0, 4);
    parts.push(block(1, Buffer.concat([body, ...opt])));
  }
  if (opts.unknownBlock !== undefined)
    parts.push(block(0x0bad, Buffer.alloc(pad4(opts.unknownBlock))));
  for (const r of records) {
    const id =
      r.interfaceId ??
      Math.max(
        0,
        ifaces.findIndex((i) => i.linkType === r.linkType),
      );
    const iface = ifaces[id]!;
    const data = Buffer.from(r.data);
    const padded = Buffer.alloc(pad4(data.length));
    data.copy(padded);
    if (opts.simple === true) {
      const body = Buffer.alloc(4);
      u32(body, r.originalLength ?? data.length, 0);
      parts.push(block(3, Buffer.concat([body, padded])));
      continue;
    }
    const res = iface.tsresol ?? 6;
    const units =
      res & 0x80
        ? (BigInt(r.seconds) << BigInt(res & 0x7f)) +
          (BigInt(r.nanos) << BigInt(res & 0x7f)) / 1_000_000_000n
        : BigInt(r.seconds) * 10n ** BigInt(res) +
          (BigInt(r.nanos) * 10n ** BigInt(res)) / 1_000_000_000n;
    const t =
      units -
      BigInt(iface.tsoffset ?? 0) * (res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res));
    const body = Buffer.alloc(20);
    if (opts.obsolete === true) {
      u16(body, id, 0);
      u16(body, 0, 2);
    } else {
      u32(body, id, 0);
    }
    u32(body, Number(t >> 32n), 4);
    u32(body, Number(t & 0xffffffffn), 8);
    u32(body, data.length, 12);
    u32(body, r.originalLength ?? data.length, 16);
    parts.push(block(opts.obsolete === true ? 2 : 6, Buffer.concat([body, padded])));
  }
  return Buffer.concat(parts);
}
