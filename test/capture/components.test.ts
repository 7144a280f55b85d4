import { describe, expect, it } from "vitest";
import { AnswerDecoder } from "../../src/capture/answer-decoder.js";
import type { Frame } from "../../src/capture/capture-format.js";
import { ConnectionTable, portsKey } from "../../src/capture/connection-table.js";
import {
  decodeFrame,
  FrameKind,
  ipv6String,
  LinkType,
  newSegment,
  type TcpSegment,
} from "../../src/capture/frame-decoder.js";
import * as capture from "../../src/capture/index.js";
import { DecodeSession, newStats } from "../../src/capture/session.js";
import { HELD_SEGMENT_COST, type StreamOwner, TcpStream } from "../../src/capture/tcp-stream.js";
import { looksLikeUwsgi, plausibleHeader, Verdict } from "../../src/capture/uwsgi-heuristic.js";
import { encodePacket } from "../../src/codec/packet.js";
import { ipv4, ipv6, linkFrame, tcpBytes } from "./support/pcap-writer.js";

function frame(linkType: number, data: Buffer): Frame {
  return {
    linkType,
    data,
    originalLength: data.length,
    seconds: 0,
    nanos: 0,
    offset: 0,
    interfaceId: 0,
  };
}

const seg = { src: "10.0.0.1", dst: "10.0.0.2", srcPort: 1234, dstPort: 3031, seq: 7, flags: 0x18 };

describe("decodeFrame", () => {
  it("finds TCP under every link type, VLAN tags, IPv4 options and IPv6 extension headers", () => {
    const payload = Buffer.from("hello");
    const out = newSegment();
    for (const link of [0, 1, 12, 101, 108, 113, 228, 229, 276]) {
      const ip =
        link === 229
          ? ipv6("fe80::1", "2001:db8::2", tcpBytes({ ...seg, payload }))
          : ipv4(seg.src, seg.dst, tcpBytes({ ...seg, payload }), 3);
      expect(decodeFrame(frame(link, linkFrame(link, ip, link === 1 ? 3 : 0)), out)).toBe(
        FrameKind.TCP,
      );
      expect(out.payload.toString()).toBe("hello");
      expect([out.srcPort, out.dstPort, out.seq, out.flags]).toEqual([1234, 3031, 7, 0x18]);
      expect([out.srcAddr, out.dstAddr]).toEqual(
        link === 229 ? ["fe80::1", "2001:db8::2"] : ["10.0.0.1", "10.0.0.2"],
      );
    }
  });

  it("writes IPv6 addresses as RFC 5952 text", () => {
    const text = (hex: string) => ipv6String(Buffer.from(hex, "hex"), 0);
    expect(text("00000000000000000000000000000001")).toBe("::1");
    expect(text("20010db8000000000001000000000001")).toBe("2001:db8::1:0:0:1");
    expect(text("20010db8000100010001000100010001")).toBe("2001:db8:1:1:1:1:1:1");
    expect(text("20010db8000000010000000000000000")).toBe("2001:db8:0:1::");
    expect(text("00000000000000000000000000000000")).toBe("::");
  });

  it("says what a frame is when it is not a TCP segment", () => {
    const out = newSegment();
    const tcp = tcpBytes(seg);
    const v4 = ipv4(seg.src, seg.dst, tcp);
    expect(decodeFrame(frame(999, v4), out)).toBe(FrameKind.NOT_IP);
    const arp = linkFrame(1, v4);
    arp.writeUInt16BE(0x0806, 12);
    expect(decodeFrame(frame(1, arp), out)).toBe(FrameKind.NOT_IP);
    expect(decodeFrame(frame(1, Buffer.alloc(10)), out)).toBe(FrameKind.NOT_IP);
    expect(decodeFrame(frame(1, linkFrame(1, v4, 1).subarray(0, 16)), out)).toBe(FrameKind.NOT_IP);
    const sllArp = linkFrame(113, v4);
    sllArp.writeUInt16BE(0x0806, 14);
    expect(decodeFrame(frame(113, sllArp), out)).toBe(FrameKind.NOT_IP);
    expect(decodeFrame(frame(113, Buffer.alloc(8)), out)).toBe(FrameKind.NOT_IP);
    const sll2Arp = linkFrame(276, v4);
    sll2Arp.writeUInt16BE(0x0806, 0);
    expect(decodeFrame(frame(276, sll2Arp), out)).toBe(FrameKind.NOT_IP);
    expect(decodeFrame(frame(276, Buffer.alloc(8)), out)).toBe(FrameKind.NOT_IP);
    expect(decodeFrame(frame(0, Buffer.alloc(2)), out)).toBe(FrameKind.NOT_IP);
    expect(decodeFrame(frame(101, Buffer.alloc(0)), out)).toBe(FrameKind.MALFORMED);
    const udp = Buffer.from(v4);
    udp[9] = 17;
    expect(decodeFrame(frame(101, udp), out)).toBe(FrameKind.NOT_TCP);
    const frag = ipv4(seg.src, seg.dst, tcp, 0, 0x2000);
    expect(decodeFrame(frame(101, frag), out)).toBe(FrameKind.FRAGMENT);
    expect(decodeFrame(frame(101, ipv4(seg.src, seg.dst, tcp, 0, 10)), out)).toBe(
      FrameKind.FRAGMENT,
    );
    expect(decodeFrame(frame(101, v4.subarray(0, 19)), out)).toBe(FrameKind.MALFORMED);
    const badIhl = Buffer.from(v4);
    badIhl[0] = 0x44;
    expect(decodeFrame(frame(101, badIhl), out)).toBe(FrameKind.MALFORMED);
    expect(decodeFrame(frame(101, v4.subarray(0, 30)), out)).toBe(FrameKind.MALFORMED);
    const badOffset = Buffer.from(v4);
    badOffset[20 + 12] = 0x30;
    expect(decodeFrame(frame(101, badOffset), out)).toBe(FrameKind.MALFORMED);
    const v5 = Buffer.from(v4);
    v5[0] = 0x55;
    expect(decodeFrame(frame(101, v5), out)).toBe(FrameKind.MALFORMED);
    const v6 = ipv6("::1", "::2", tcp);
    expect(decodeFrame(frame(101, v6.subarray(0, 39)), out)).toBe(FrameKind.MALFORMED);
    const v6udp = Buffer.from(v6);
    v6udp[6] = 17;
    expect(decodeFrame(frame(101, v6udp), out)).toBe(FrameKind.NOT_TCP);
    expect(decodeFrame(frame(101, ipv6("::1", "::2", tcp, [44]).fill(1, 42, 44)), out)).toBe(
      FrameKind.FRAGMENT,
    );
    for (const ext of [0, 51, 44]) {
      const cut = ipv6("::1", "::2", Buffer.alloc(0), [ext]);
      cut.writeUInt16BE(4, 4);
      expect(decodeFrame(frame(101, cut.subarray(0, 44)), out), `ext ${ext}`).toBe(
        FrameKind.MALFORMED,
      );
    }
    const overlong = ipv6("::1", "::2", Buffer.alloc(0), [0]);
    overlong[41] = 200;
    expect(decodeFrame(frame(101, overlong), out)).toBe(FrameKind.MALFORMED);
  });

  it("counts bytes the snap length cut as missing, and ignores Ethernet padding", () => {
    const out = newSegment();
    const v4 = ipv4(seg.src, seg.dst, tcpBytes({ ...seg, payload: Buffer.alloc(100, 1) }));
    expect(decodeFrame(frame(101, v4.subarray(0, 70)), out)).toBe(FrameKind.TCP);
    expect([out.payload.length, out.missing]).toEqual([30, 70]);
    expect(decodeFrame(frame(101, Buffer.concat([v4, Buffer.alloc(6)])), out)).toBe(FrameKind.TCP);
    expect([out.payload.length, out.missing]).toEqual([100, 0]);
    const tso = Buffer.from(v4);
    tso.writeUInt16BE(0, 2);
    expect(decodeFrame(frame(101, tso), out)).toBe(FrameKind.TCP);
    expect(out.payload.length).toBe(100);
    const v6 = ipv6("::1", "::2", tcpBytes({ ...seg, payload: Buffer.alloc(100, 1) }));
    expect(decodeFrame(frame(101, v6.subarray(0, 90)), out)).toBe(FrameKind.TCP);
    expect([out.payload.length, out.missing]).toEqual([30, 70]);
    const jumbo = Buffer.from(v6);
    jumbo.writeUInt16BE(0, 4);
    expect(decodeFrame(frame(101, jumbo), out)).toBe(FrameKind.TCP);
    expect(LinkType.LINUX_SLL2).toBe(276);
  });
});

/** Records what a stream delivers: data as text, gaps as "<gap n>". */
class Recorder implements StreamOwner {
  parts: string[] = [];
  onStreamData(_dir: number, data: Buffer): void {
    this.parts.push(data.toString());
  }
  onStreamGap(_dir: number, bytes: number): void {
    this.parts.push(`<gap ${bytes}>`);
  }
  get text(): string {
    return this.parts.join("");
  }
}

describe("TcpStream", () => {
  const b = (s: string) => Buffer.from(s);

  it("delivers in order across the 2^32 wrap; drops retransmissions; trims overlaps (first copy wins)", () => {
    const r = new Recorder();
    const s = new TcpStream(r, 0, 1000, { used: 0, max: 1e9, work: newStats().work });
    const isn = 2 ** 32 - 3;
    s.syn(isn);
    s.segment((isn + 1) >>> 0, b("ab"), 0, false);
    s.segment((isn + 3) >>> 0, b("cdef"), 0, false);
    s.segment((isn + 1) >>> 0, b("ab"), 0, false);
    s.segment((isn + 5) >>> 0, b("XXgh"), 0, false);
    expect(r.text).toBe("abcdefgh");
    expect(s.duplicateBytes).toBe(4);
    s.segment(6, b("ij"), 0, true);
    expect(s.closed).toBe(true);
    s.segment(7, b("late"), 0, false);
    expect(r.text).toBe("abcdefghij");
  });

  it("holds segments ahead, fills from them, and declares a gap past its cap", () => {
    const r = new Recorder();
    // Room for two held segments of 5 bytes in all (each costs its bytes and HELD_SEGMENT_COST).
    const cap = 2 * HELD_SEGMENT_COST + 5;
    const s = new TcpStream(r, 0, cap, { used: 0, max: 1e9, work: newStats().work });
    s.syn(99);
    s.segment(105, b("fgh"), 0, false);
    s.segment(102, b("cd"), 0, false);
    expect(s.pendingBytes).toBe(5);
    expect(r.text).toBe("");
    s.segment(100, b("ab"), 0, false);
    expect(r.text).toBe("abcd");
    s.segment(104, b("e"), 0, false);
    expect(r.text).toBe("abcdefgh");
    const big = "x".repeat(cap - HELD_SEGMENT_COST + 1);
    s.segment(120, b(big), 0, false);
    expect(r.text).toBe(`abcdefgh<gap 12>${big}`);
    expect(s.gapBytes).toBe(12);
  });

  it("takes segments in any order: the heap gives them back in sequence, copies add only what is new", () => {
    const r = new Recorder();
    const work = newStats().work;
    const s = new TcpStream(r, 0, 1e6, { used: 0, max: 1e9, work });
    s.syn(0);
    const text = "the quick brown fox jumps over the lazy dog";
    const order = [...text].map((_, i) => i).sort((x, y) => ((x * 7919) % 43) - ((y * 7919) % 43));
    for (const i of order) if (i > 0) s.segment(1 + i, b(text[i]!), 0, false);
    // A retransmission of a waiting segment, and a longer copy of one: only new bytes are kept.
    s.segment(2, b("h"), 0, false);
    s.segment(3, b("eX"), 0, false);
    expect(s.pendingBytes).toBe(text.length - 1);
    s.segment(1, b("t"), 0, true);
    expect(r.text).toBe(text);
    expect(s.duplicateBytes).toBe(3);
    expect(work.heldSegments).toBe(text.length - 1);
  });

  it("starts mid-stream without a SYN, counts snap-length cuts as gaps, and flushes", () => {
    const r = new Recorder();
    const s = new TcpStream(r, 0, 1000, { used: 0, max: 1e9, work: newStats().work });
    s.segment(5000, b("xy"), 3, false);
    expect(s.midstream).toBe(true);
    s.syn(1);
    s.segment(5005, b("z"), 0, false);
    s.segment(5010, b("late"), 0, true);
    expect(s.closed).toBe(false);
    s.flush();
    expect(r.text).toBe("xy<gap 3>z<gap 4>late");
    expect(s.closed).toBe(true);
    const r2 = new Recorder();
    const s2 = new TcpStream(r2, 0, 1000, { used: 0, max: 1e9, work: newStats().work });
    s2.syn(0);
    s2.segment(1, b("abc"), 2, false);
    s2.segment(2, b("bc"), 3, false);
    expect(r2.text).toBe("abc<gap 2><gap 1>");
  });
});

/** A decode's session with `preview` bytes of preview, for the parts that need one. */
function session(preview: number): DecodeSession {
  return new DecodeSession({ onExchange: () => undefined }, preview, false, undefined);
}

describe("AnswerDecoder", () => {
  it("reads an HTTP answer split anywhere, the blank line across pieces", () => {
    const answer = Buffer.from(
      "HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Y:  z \r\nbare\r\n\r\nhello",
    );
    for (let cut = 1; cut < answer.length; cut++) {
      const d = new AnswerDecoder("http", session(3), 1);
      d.push(answer.subarray(0, cut));
      d.push(answer.subarray(cut));
      const a = d.finish(false);
      expect(a).toMatchObject({
        kind: "http",
        status: 201,
        statusLine: "HTTP/1.1 201 Created",
        headers: [
          ["Content-Length", "5"],
          ["X-Y", "z"],
          ["bare", ""],
        ],
        complete: true,
        length: answer.length,
      });
      if (a.kind === "http") expect(a.body.preview.toString()).toBe("hel");
    }
  });

  it("without Content-Length an HTTP body ends with the close; a status line without a code is status 0", () => {
    const d = new AnswerDecoder("http", session(64), 1);
    d.push(Buffer.from("HTTP/1.0\r\n\r\nbody"));
    expect(d.finish(true)).toMatchObject({ kind: "http", status: 0, complete: true });
    const e = new AnswerDecoder("http", session(64), 1);
    e.push(Buffer.from("HTTP/1.1 200 OK\r\n\r\nbody"));
    expect(e.finish(false)).toMatchObject({ complete: false });
  });

  it("an answer that is no HTTP becomes raw; headers cut short or over 64 KiB too", () => {
    const d = new AnswerDecoder("http", session(64), 1);
    d.push(Buffer.from("Status: 200\r\n\r\n"));
    expect(d.finish(true)).toMatchObject({ kind: "raw", length: 15, complete: true });
    const cut = new AnswerDecoder("http", session(64), 1);
    cut.push(Buffer.from("HTTP/1.1 200 OK\r\nA: b"));
    expect(cut.finish(true)).toMatchObject({ kind: "raw", length: 21 });
    expect(cut.problems).toEqual([expect.objectContaining({ code: "TRUNCATED" })]);
    const long = new AnswerDecoder("http", session(64), 1);
    long.push(Buffer.from("HTTP/1.1 200 OK\r\n"));
    for (let i = 0; i < 70; i++) long.push(Buffer.alloc(1024, 0x41));
    const a = long.finish(true);
    expect(a).toMatchObject({ kind: "raw", length: 17 + 70 * 1024 });
    expect(long.problems[0]).toMatchObject({ code: "ANSWER_HEAD_TOO_LONG" });
  });

  it("a uwsgi packet: one, then what it announces; more is said; a cut or a gap in it", () => {
    const d = new AnswerDecoder("rpc", session(2), 1);
    for (let i = 0; i < 3; i++)
      d.push(encodePacket({ modifier1: 173, payload: Buffer.from("result") }) as Buffer);
    const a = d.finish(true);
    if (a.kind !== "packets") throw new Error(a.kind);
    expect(a.count).toBe(1);
    expect(a.packets).toHaveLength(1);
    expect(a.packets[0]).toMatchObject({ modifierName: "RPC", datasize: 6 });
    expect(a.packets[0]!.preview.toString()).toBe("re");
    // The result, then the two packets after it, counted as content beyond what was announced.
    expect(a.body).toMatchObject({ length: 6 + 2 * 10, complete: true });
    expect(a.complete).toBe(false);
    expect(d.problems).toEqual([expect.objectContaining({ code: "UNEXPECTED_BYTES", offset: 10 })]);
    const cut = new AnswerDecoder("packet", session(2), 1);
    cut.push(Buffer.from([100, 9, 0]));
    expect(cut.finish(true)).toMatchObject({ kind: "packets", packets: [], complete: false });
    expect(cut.problems[0]).toMatchObject({ code: "TRUNCATED", offset: 3 });
    const gap = new AnswerDecoder("packet", session(2), 1);
    gap.push(Buffer.from([100, 0, 0, 1]));
    gap.gap(10);
    gap.push(Buffer.from("xyz"));
    expect(gap.finish(true)).toMatchObject({
      kind: "packets",
      missing: 10,
      length: 7,
      complete: false,
    });
    const body = new AnswerDecoder("http", session(2), 1);
    body.push(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab"));
    body.gap(8);
    expect(body.finish(true)).toMatchObject({ kind: "http", missing: 8, complete: false });
  });
});

describe("ConnectionTable", () => {
  /** A connection between two endpoints, as the table sees it. */
  const entry = (a: string, ap: number, b: string, bp: number) => ({
    key: portsKey(ap, bp),
    reverseKey: portsKey(bp, ap),
    carries: (s: TcpSegment) =>
      (s.srcAddr === a && s.srcPort === ap && s.dstAddr === b && s.dstPort === bp) ||
      (s.srcAddr === b && s.srcPort === bp && s.dstAddr === a && s.dstPort === ap),
    tupleText: (reverse: boolean) => (reverse ? `${b} ${bp} ${a} ${ap}` : `${a} ${ap} ${b} ${bp}`),
  });
  const seg = (src: string, srcPort: number, dst: string, dstPort: number): TcpSegment => ({
    ...newSegment(),
    srcAddr: src,
    srcPort,
    dstAddr: dst,
    dstPort,
  });

  it("finds connections either way, those sharing ports or a key too, and forgets them", () => {
    const table = new ConnectionTable<ReturnType<typeof entry>>();
    const one = entry("10.0.0.1", 40000, "10.0.0.9", 3031);
    const sameports = entry("10.0.0.2", 40000, "10.0.0.9", 3031);
    // portsKey(1, 2) === portsKey(3, 32770): the keys collide.
    expect(portsKey(1, 2)).toBe(portsKey(3, 32770));
    const collide = entry("10.0.0.3", 1, "10.0.0.9", 2);
    const other = entry("10.0.0.4", 3, "10.0.0.9", 32770);
    const same = entry("10.0.0.5", 7, "10.0.0.6", 7);
    for (const c of [one, sameports, collide, other, same]) table.add(c);
    expect(table.find(seg("10.0.0.1", 40000, "10.0.0.9", 3031))).toBe(one);
    expect(table.find(seg("10.0.0.9", 3031, "10.0.0.1", 40000))).toBe(one);
    expect(table.find(seg("10.0.0.9", 3031, "10.0.0.2", 40000))).toBe(sameports);
    expect(table.find(seg("10.0.0.3", 1, "10.0.0.9", 2))).toBe(collide);
    expect(table.find(seg("10.0.0.9", 32770, "10.0.0.4", 3))).toBe(other);
    expect(table.find(seg("10.0.0.6", 7, "10.0.0.5", 7))).toBe(same);
    expect(table.find(seg("10.0.0.7", 40000, "10.0.0.9", 3031))).toBeUndefined();
    expect(table.find(seg("10.0.0.7", 9, "10.0.0.9", 9))).toBeUndefined();
    table.delete(one);
    table.delete(collide);
    table.delete(same);
    expect(table.find(seg("10.0.0.1", 40000, "10.0.0.9", 3031))).toBeUndefined();
    expect(table.find(seg("10.0.0.2", 40000, "10.0.0.9", 3031))).toBe(sameports);
    expect(table.find(seg("10.0.0.3", 1, "10.0.0.9", 2))).toBeUndefined();
    expect(table.find(seg("10.0.0.4", 3, "10.0.0.9", 32770))).toBe(other);
    expect(table.find(seg("10.0.0.5", 7, "10.0.0.6", 7))).toBeUndefined();
    table.delete(sameports);
    table.delete(other);
    expect(table.find(seg("10.0.0.2", 40000, "10.0.0.9", 3031))).toBeUndefined();
    table.add(one);
    table.clear();
    expect(table.find(seg("10.0.0.1", 40000, "10.0.0.9", 3031))).toBeUndefined();
  });
});

describe("the uwsgi heuristic", () => {
  const check = (b: Uint8Array) => looksLikeUwsgi(b as Buffer, 0, b.length);

  it("accepts whole plausible requests only", () => {
    expect(check(encodePacket({ vars: { REQUEST_METHOD: "GET" } }))).toBe(Verdict.YES);
    expect(check(encodePacket({ modifier1: 100 }))).toBe(Verdict.YES);
    expect(check(encodePacket({ modifier1: 173, items: ["fn", "arg"] }))).toBe(Verdict.YES);
    expect(check(encodePacket({ modifier1: 111, payload: Buffer.from("key") }))).toBe(Verdict.YES);
    expect(check(encodePacket({ modifier1: 111, payload: Buffer.from("k y") }))).toBe(Verdict.NO);
    expect(check(encodePacket({ vars: { "BAD KEY": "x" } }))).toBe(Verdict.NO);
    expect(check(encodePacket({ vars: {} }))).toBe(Verdict.NO);
    expect(check(encodePacket({ modifier1: 173, payload: Buffer.from([0, 0]) }))).toBe(Verdict.NO);
    expect(check(encodePacket({ modifier1: 100, payload: Buffer.from("x") }))).toBe(Verdict.NO);
    expect(check(Buffer.from("GET / HTTP/1.1\r\n"))).toBe(Verdict.NO);
    expect(check(Buffer.from("HTTP/1.1 200 OK\r\n"))).toBe(Verdict.NO);
    expect(check(Buffer.from([255, 0, 0, 1]))).toBe(Verdict.NO);
    expect(check(Buffer.from([0, 10, 0]))).toBe(Verdict.NEED_MORE);
    expect(check(Buffer.from([0, 10, 0, 0, 2, 0]))).toBe(Verdict.NEED_MORE);
    expect(check(Buffer.from([0, 10, 0, 0, 20, 0]))).toBe(Verdict.NO);
    expect(check(Buffer.from([0, 1, 0, 0, 0]))).toBe(Verdict.NO);
    expect(check(Buffer.from("00050000ffff414243", "hex"))).toBe(Verdict.NO);
    expect(plausibleHeader({ modifier1: 111, datasize: 300, modifier2: 0 })).toBe(false);
    expect(plausibleHeader({ modifier1: 22, datasize: 10, modifier2: 0 })).toBe(false);
  });

  it("the capture entry point exports the public API", () => {
    expect(Object.keys(capture).sort()).toEqual([
      "CaptureError",
      "CaptureReader",
      "DEFAULT_CAPTURE_OPTIONS",
      "DEFAULT_MAX_RECORD_SIZE",
      "LinkType",
      "Verdict",
      "decodeCapture",
      "looksLikeUwsgi",
      "newStats",
    ]);
  });
});
