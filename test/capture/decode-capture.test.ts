import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { decodeCapture } from "../../src/capture/decode-capture.js";
import { CaptureError } from "../../src/capture/errors.js";
import type { CapturedExchange } from "../../src/capture/exchange.js";
import { newStats } from "../../src/capture/session.js";
import { encodePacket } from "../../src/codec/packet.js";
import { sha256 } from "../support/bytes.js";
import {
  type CapturedSegment,
  capturePath,
  collect,
  EXPECTED,
  expectedVars,
  prng,
  readCapture,
  requestIdOf,
  segmentsOf,
  summaries,
  varsMap,
} from "./support/fixtures.js";
import { ipPacket, linkFrame, writePcap, writePcapng } from "./support/pcap-writer.js";
import {
  asIpv6Records,
  mangle,
  pcapOf,
  recordsOf,
  reorder,
  resegment,
  shiftSequence,
  withOptionsAndVlan,
} from "./support/rewrite.js";

const FILES = ["lo.pcapng", "lo.pcap", "any-sll.pcap", "any-sll2.pcapng"] as const;
const UWSGI = EXPECTED.uwsgiPort;

/** Asserts `list` is exactly the fixture's requests, each as uWSGI saw it. */
function expectAllRequests(list: readonly CapturedExchange[]): void {
  expect(list.map(requestIdOf).sort((a, b) => a - b)).toEqual(EXPECTED.requests.map((r) => r.id));
  for (const ex of list) {
    const req = EXPECTED.requests.find((r) => r.id === requestIdOf(ex))!;
    expect(ex.errors, `request ${req.id}`).toEqual([]);
    expect(ex.notes).toEqual([]);
    expect(ex.server).toEqual({ address: "127.0.0.1", port: UWSGI });
    expect(ex.modifier1).toBe(req.modifier1);
    expect(ex.requestTime).not.toBeNull();
    if (req.environ === undefined) {
      // The ping: uWSGI answers with the packet 64 00 00 01.
      expect(ex.modifierName).toBe("PING");
      expect(ex.answer?.kind).toBe("packets");
      const a = ex.answer!;
      if (a.kind !== "packets") throw new Error("not packets");
      expect(
        Buffer.from([a.packets[0]!.modifier1, 0, 0, a.packets[0]!.modifier2]).toString("hex"),
      ).toBe(req.answer_hex);
      expect(a.complete).toBe(true);
      continue;
    }
    expect(ex.modifierName).toBe("WSGI");
    expect(varsMap(ex)).toEqual(expectedVars(req));
    expect(ex.body.length).toBe(req.body_length);
    expect(ex.body.sha256).toBe(req.body_sha256);
    expect(ex.body.complete).toBe(true);
    const a = ex.answer!;
    expect(a.kind).toBe("http");
    if (a.kind !== "http") throw new Error("not http");
    expect(a.status).toBe(req.status);
    expect(a.body.length).toBe(req.answer_body_length);
    expect(a.body.sha256).toBe(req.answer_body_sha256);
    expect(a.complete).toBe(true);
    expect(a.headers).toContainEqual(["Content-Type", "application/json"]);
  }
}

function microTimes(list: readonly CapturedExchange[]): unknown[] {
  const us = (t: { seconds: number; nanos: number } | null) =>
    t === null ? null : [t.seconds, Math.floor(t.nanos / 1000)];
  return [...list]
    .sort((x, y) => x.id - y.id)
    .map((e) => [us(e.requestTime), us(e.answerTime), us(e.endTime)]);
}

function uwsgiOnly(segments: readonly CapturedSegment[]): CapturedSegment[] {
  return segments.filter((s) => s.srcPort === UWSGI || s.dstPort === UWSGI);
}

describe("the fixture captures (real nginx and uWSGI, recorded by dumpcap)", () => {
  for (const file of FILES) {
    it(`${file}: every request, with the vars uWSGI's app saw and the bodies' hashes (heuristic)`, async () => {
      const stats = newStats();
      const list = await collect(capturePath(file), { stats });
      expectAllRequests(list);
      expect(stats.format).toBe(file.endsWith("pcapng") ? "pcapng" : "pcap");
      expect(stats.exchangesWithErrors).toBe(0);
      expect(stats.uwsgiConnections).toBe(EXPECTED.requests.length);
    });

    it(`${file}: the same with --port`, async () => {
      const list = await collect(capturePath(file), { ports: [UWSGI] });
      expectAllRequests(list);
    });
  }

  it("classic pcap and pcapng of the same traffic decode identically (times too)", async () => {
    const a = await collect(capturePath("lo.pcap"));
    const b = await collect(capturePath("lo.pcapng"));
    expect(summaries(a)).toEqual(summaries(b));
    // Two dumpcap processes stamp the same frames a microsecond apart at most (pcap keeps
    // microseconds, pcapng nanoseconds).
    const ta = microTimes(a).flat() as [number, number][];
    const tb = microTimes(b).flat() as [number, number][];
    expect(ta).toHaveLength(tb.length);
    ta.forEach(([s, us], i) => {
      const [s2, us2] = tb[i]!;
      expect(Math.abs((s - s2) * 1e6 + (us - us2))).toBeLessThanOrEqual(2);
    });
  });

  it("the Linux cooked captures (SLL, SLL2) decode like the loopback one", async () => {
    const lo = await collect(capturePath("lo.pcapng"));
    expect(summaries(await collect(capturePath("any-sll.pcap")))).toEqual(summaries(lo));
    expect(summaries(await collect(capturePath("any-sll2.pcapng")))).toEqual(summaries(lo));
  });

  it("the nginx HTTP connections are not taken for uwsgi by the heuristic", async () => {
    const stats = newStats();
    await collect(capturePath("lo.pcapng"), { stats });
    expect(stats.connections).toBe(2 * stats.uwsgiConnections - 2);
    const onNginxPort = await collect(capturePath("lo.pcapng"), { ports: [EXPECTED.nginxPort] });
    // Read as uwsgi on purpose, the HTTP requests ("GET ", "POST") are errors, never clean
    // exchanges: 'G' and 'P' are no modifier1 uWSGI assigns.
    expect(onNginxPort.map((e) => e.modifierName)).toEqual(
      expect.arrayContaining(["UNKNOWN_71", "UNKNOWN_80"]),
    );
    for (const ex of onNginxPort) expect(ex.errors.length).toBeGreaterThan(0);
  });
});

describe("rewritten captures", () => {
  const original = uwsgiOnly(segmentsOf(readCapture("lo.pcapng")));
  let baseline: unknown[];
  const base = async () => {
    baseline ??= summaries(await collect(pcapOf(original)));
    return baseline;
  };

  it("re-cut into 1-byte segments", async () => {
    const list = await collect(pcapOf(resegment(original, () => 1)));
    expectAllRequests(list);
    expect(summaries(list)).toEqual(await base());
  });

  it("re-cut at random, reordered, retransmitted and overlapped: the same exchanges", async () => {
    for (const seed of [1, 2, 3]) {
      const rand = prng(seed);
      const cut = resegment(original, () => 1 + Math.floor(rand() * 3000));
      const list = await collect(pcapOf(mangle(reorder(cut, 6, rand), rand)));
      expectAllRequests(list);
      expect(summaries(list)).toEqual(await base());
    }
  });

  it("sequence numbers that wrap around 2^32 inside a body", async () => {
    // The 100 KiB POST's connection starts 50 000 bytes below the wrap.
    const post = original.find(
      (s) => s.payload.length > 0 && s.payload.includes("/upload/102400"),
    )!;
    const shifted = shiftSequence(original, (2 ** 32 - 50_000 - post.seq) >>> 0);
    const list = await collect(pcapOf(resegment(shifted, () => 1400)));
    expectAllRequests(list);
  });

  it("every link type and IP variant gives the same exchanges", async () => {
    const want = await base();
    for (const link of [0, 12, 101, 108, 113, 228, 276]) {
      const list = await collect(writePcap(recordsOf(original, link), { linkType: link }));
      expect(summaries(list), `link type ${link}`).toEqual(want);
    }
    const vlan = await collect(writePcap(withOptionsAndVlan(original, 2), { linkType: 1 }));
    expect(summaries(vlan)).toEqual(want);
    for (const [link, ext] of [
      [1, [0, 60, 43]],
      [229, [51]],
      [101, [44]],
    ] as const) {
      const list = await collect(writePcap(asIpv6Records(original, link, ext), { linkType: link }));
      expect(list.map(requestIdOf).sort((a, b) => a - b)).toHaveLength(EXPECTED.requests.length);
      for (const ex of list) {
        expect(ex.client?.address).toBe("::1");
        expect(ex.errors).toEqual([]);
      }
    }
  });

  it("both byte orders and nanosecond timestamps, pcap and pcapng, give the same exchanges and times", async () => {
    const records = recordsOf(original);
    const micro = await collect(writePcap(records));
    const ns = [
      await collect(writePcap(records, { nano: true })),
      await collect(writePcap(records, { nano: true, bigEndian: true })),
      await collect(writePcapng(records, { interfaces: [{ linkType: 1, tsresol: 9 }] })),
      await collect(
        writePcapng(records, { bigEndian: true, interfaces: [{ linkType: 1, tsresol: 9 }] }),
      ),
    ];
    const times = (l: CapturedExchange[]) =>
      [...l].sort((x, y) => x.id - y.id).map((e) => [e.requestTime, e.answerTime, e.endTime]);
    for (const list of ns) {
      expect(summaries(list)).toEqual(summaries(micro));
      expect(times(list)).toEqual(times(ns[0]!));
    }
    // The microsecond file keeps the same times, cut to microseconds.
    expect(microTimes(micro)).toEqual(microTimes(ns[0]!));
    for (const ex of ns[0]!) expect(ex.requestTime!.nanos % 1000).not.toBe(-1);
    expect(summaries(await collect(writePcap(records, { bigEndian: true })))).toEqual(
      summaries(micro),
    );
  });

  it("pcapng with several interfaces of their own link types, resolutions and offsets", async () => {
    const rand = prng(9);
    const interfaces = [
      { linkType: 1 },
      { linkType: 113, tsresol: 9 },
      { linkType: 276, tsresol: 0x80 | 20, tsoffset: 0 },
      { linkType: 101, tsresol: 3, tsoffset: 1000 },
    ];
    const records = original.map((s) => {
      const i = Math.floor(rand() * 2);
      const link = interfaces[i]!.linkType;
      return { ...recordsOf([s], link)[0]!, interfaceId: i };
    });
    const list = await collect(writePcapng(records, { interfaces, unknownBlock: 40 }));
    expect(summaries(list)).toEqual(await base());
    // Milliseconds and 2^-20 resolution lose digits but keep the exchanges.
    const coarse = original.map((s, n) => ({
      ...recordsOf([s], interfaces[2 + (n % 2)]!.linkType)[0]!,
      interfaceId: 2 + (n % 2),
    }));
    const list2 = await collect(writePcapng(coarse, { interfaces }));
    expect(summaries(list2)).toEqual(await base());
  });

  it("simple packet blocks and the obsolete packet block", async () => {
    const records = recordsOf(original);
    const spb = await collect(writePcapng(records, { simple: true }));
    expect(summaries(spb)).toEqual(await base());
    for (const ex of spb) expect(ex.requestTime).toEqual({ seconds: 0, nanos: 0 });
    expect(summaries(await collect(writePcapng(records, { obsolete: true })))).toEqual(
      await base(),
    );
  });

  it("a lost segment inside a body: the exchange says so, the body goes on after the hole, no digest", async () => {
    const cut = resegment(original, () => 1000);
    const start = cut.findIndex((s) => s.payload.includes("/upload/102400"));
    // The tenth 1000-byte piece of that connection is inside the 100 KiB body.
    const target = cut.findIndex(
      (s, n) => n > start + 10 && s.srcPort === cut[start]!.srcPort && s.payload.length === 1000,
    );
    const lost = cut[target]!;
    /** Each request body as onBody gave it: pieces placed at their offsets, holes left zero. */
    async function bodies(file: Buffer): Promise<[CapturedExchange[], Map<number, Buffer>]> {
      const out = new Map<number, Buffer>();
      const list = await collect(file, {
        onBody: (id, part, piece, at) => {
          if (part !== "request") return;
          const have = out.get(id) ?? Buffer.alloc(0);
          const grown = Buffer.alloc(Math.max(have.length, at + piece.length));
          have.copy(grown);
          grown.set(piece, at);
          out.set(id, grown);
        },
      });
      return [list, out];
    }
    const [whole, wholeBodies] = await bodies(pcapOf(cut));
    const [list, cutBodies] = await bodies(pcapOf(cut.filter((_, n) => n !== target)));
    const ex = list.find((e) => e.client?.port === lost.srcPort)!;
    expect(ex.errors).toEqual([
      {
        code: "GAP",
        direction: "request",
        offset: expect.any(Number),
        message: "1000 body byte(s) were not captured",
      },
    ]);
    expect(ex.body).toMatchObject({ missing: 1000, complete: true, sha256: null });
    expect(ex.body.length + ex.body.missing).toBe(ex.contentLength);
    // Every byte that was captured is where it belongs; the hole is a hole, not made-up bytes.
    const full = wholeBodies.get(whole.find((e) => e.client?.port === lost.srcPort)!.id)!;
    const holeAt = ex.errors[0]!.offset - (ex.datasize + 4);
    const expected = Buffer.from(full);
    expected.fill(0, holeAt, holeAt + 1000);
    expect(cutBodies.get(ex.id)).toEqual(expected);
    expect(ex.body.preview).toEqual(full.subarray(0, ex.body.preview.length));
    expect(ex.answer?.kind).toBe("http");
    // The others are untouched.
    expect(list.filter((e) => e.errors.length > 0)).toHaveLength(1);
  });

  it("a lost segment in the vars: a GAP error, the connection searched for another request", async () => {
    const cut = resegment(original, () => 100);
    // The second 100-byte piece of the first request: inside its vars.
    const first = cut.findIndex((s) => s.dstPort === UWSGI && s.payload.length === 100);
    const target = first + 1;
    const lost = cut[target]!;
    expect(lost.srcPort).toBe(cut[first]!.srcPort);
    // With --port: the heuristic needs the first packet whole to recognise a connection.
    const list = await collect(pcapOf(cut.filter((_, n) => n !== target)), { ports: [UWSGI] });
    const ex = list.find((e) => e.client?.port === lost.srcPort)!;
    expect(ex.errors[0]).toMatchObject({ code: "GAP", direction: "request" });
    const heuristic = await collect(pcapOf(cut.filter((_, n) => n !== target)));
    expect(heuristic.find((e) => e.client?.port === lost.srcPort)).toBeUndefined();
    expect(list.filter((e) => e.errors.length > 0)).toHaveLength(1);
  });

  it("a lost answer segment: the answer is incomplete and says how much is missing", async () => {
    const cut = resegment(original, () => 200);
    const target = cut.findIndex((s) => s.srcPort === UWSGI && s.payload.length === 200);
    const lost = cut[target]!;
    const list = await collect(pcapOf(cut.filter((_, n) => n !== target)));
    const ex = list.find((e) => e.client?.port === lost.dstPort)!;
    expect(ex.answer?.missing).toBe(200);
    expect(ex.answer?.complete).toBe(false);
    expect(ex.errors[0]).toMatchObject({ code: "GAP", direction: "answer" });
  });

  it("a small out-of-order cap declares a gap instead of holding more", async () => {
    const cut = resegment(original, () => 500);
    // Hold back one segment of the big body until the end of the capture.
    const start = cut.findIndex((s) => s.payload.includes("/upload/102400"));
    const target = cut.findIndex(
      (s, n) => n > start + 20 && s.srcPort === cut[start]!.srcPort && s.payload.length === 500,
    );
    const moved = [...cut.slice(0, target), ...cut.slice(target + 1), cut[target]!];
    const stats = newStats();
    const list = await collect(pcapOf(moved), { maxOutOfOrderBytes: 2000, stats });
    expect(stats.gapBytes).toBe(500);
    expect(list.some((e) => e.body.missing === 500)).toBe(true);
    // The shared budget of all connections does the same.
    const shared = newStats();
    await collect(pcapOf(moved), { maxBufferedBytes: 2000, stats: shared });
    expect(shared.gapBytes).toBe(500);
    // With room to wait, the late segment fills the hole.
    const list2 = await collect(pcapOf(moved));
    expectAllRequests(list2);
  });

  it("connections without their handshake: decoded, and bytes before the first header skipped with a note", async () => {
    const noSyn = original.filter((s) => (s.flags & 0x02) === 0);
    expectAllRequests(await collect(pcapOf(noSyn)));
    expectAllRequests(await collect(pcapOf(noSyn), { ports: [UWSGI] }));
    // A connection whose first captured bytes are the tail of an earlier body, then a request.
    const first = original.find((s) => s.dstPort === UWSGI && s.payload.includes("/direct"))!;
    const junk = Buffer.from("tail of an earlier body");
    const spliced = original
      .filter((s) => (s.flags & 0x02) === 0)
      .map((s) =>
        s === first
          ? { ...s, seq: (s.seq - junk.length) >>> 0, payload: Buffer.concat([junk, s.payload]) }
          : s,
      );
    for (const options of [{}, { ports: [UWSGI] }]) {
      const list = await collect(pcapOf(spliced), options);
      const ex = list.find((e) => e.client?.port === first.srcPort)!;
      expect(ex.notes).toEqual([
        `${junk.length} request byte(s) skipped before this request (the connection started before the capture)`,
      ]);
      expect(ex.errors).toEqual([]);
      expect(ex.vars?.get("REQUEST_METHOD")).toBe("PUT");
    }
  });

  it("RST ends a connection like FIN", async () => {
    const rst = original.map((s) =>
      s.flags & 0x01 ? { ...s, flags: 0x14, payload: Buffer.alloc(0) } : s,
    );
    // The answers' FIN segments may carry data: keep the bytes, mark only bare FINs as RST.
    const list = await collect(pcapOf(rst));
    expect(list).toHaveLength(EXPECTED.requests.length);
  });

  it("exchanges still open at the end of the capture are reported, incomplete", async () => {
    const noFin = original.filter((s) => !(s.flags & 0x05));
    const list = await collect(pcapOf(noFin));
    expect(list).toHaveLength(EXPECTED.requests.length);
    // Without a FIN, an answer is whole only when its own length says so: a pong's is its
    // packet's, and these HTTP answers all have Content-Length.
    for (const e of list) expect(e.answer?.complete, `#${e.id}`).toBe(true);
    // One HTTP answer one byte short of its Content-Length: incomplete.
    const last = noFin.filter((s) => s.srcPort === UWSGI && s.payload.length > 100).at(-1)!;
    const short = noFin.map((s) => (s === last ? { ...s, payload: s.payload.subarray(0, -1) } : s));
    const cut = await collect(pcapOf(short));
    expect(cut.filter((e) => e.answer?.complete === false)).toHaveLength(1);
  });

  it("a truncated file: what was read is reported, then TRUNCATED", async () => {
    const file = pcapOf(original);
    for (const cut of [25, 40, Math.floor(file.length / 2), file.length - 3]) {
      const seen: CapturedExchange[] = [];
      let error: unknown;
      try {
        for await (const ex of decodeCapture(file.subarray(0, cut))) seen.push(ex);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(CaptureError);
      expect((error as CaptureError).code).toBe("TRUNCATED");
      if (cut > file.length / 2) expect(seen.length).toBeGreaterThan(0);
    }
  });
});

describe("synthetic connections", () => {
  const at = (n: number) => ({ seconds: 1_700_000_000, nanos: n * 1000 });
  /** One TCP connection 10.0.0.1:40000 -> 10.0.0.2:3031: handshake (unless not), data, FINs. */
  function connection(request: Buffer[], answer: Buffer[], handshake = true): Buffer {
    const c = { src: "10.0.0.1", dst: "10.0.0.2", srcPort: 40000, dstPort: 3031 };
    const s = { src: "10.0.0.2", dst: "10.0.0.1", srcPort: 3031, dstPort: 40000 };
    let cseq = 1000;
    let sseq = 5000;
    const segs: CapturedSegment[] = [];
    const push = (
      spec: Omit<CapturedSegment, "seconds" | "nanos" | "ack" | "payload"> & { payload?: Buffer },
    ) => segs.push({ ack: 0, payload: Buffer.alloc(0), ...spec, ...at(segs.length) });
    if (handshake) {
      push({ ...c, seq: cseq++, flags: 0x02 });
      push({ ...s, seq: sseq++, flags: 0x12 });
    }
    for (const p of request) {
      push({ ...c, seq: cseq, flags: 0x18, payload: p });
      cseq += p.length;
    }
    for (const p of answer) {
      push({ ...s, seq: sseq, flags: 0x18, payload: p });
      sseq += p.length;
    }
    push({ ...s, seq: sseq, flags: 0x11 });
    push({ ...c, seq: cseq, flags: 0x11 });
    return pcapOf(segs);
  }

  it("after a decode error the connection is searched, and the next request found", async () => {
    const bad = Buffer.from("000a0000" + "0100" + "41" + "ff00" + "4243444546", "hex");
    const good = encodePacket({ vars: { REQUEST_METHOD: "GET", PATH_INFO: "/second" } }) as Buffer;
    const list = await collect(connection([Buffer.concat([bad, good])], []), { ports: [3031] });
    expect(list).toHaveLength(2);
    expect(list[0]!.errors).toEqual([
      expect.objectContaining({ code: "VALUE_OVERRUNS_DATASIZE", direction: "request" }),
    ]);
    expect(list[1]!.vars?.get("PATH_INFO")).toBe("/second");
    expect(list[1]!.notes).toEqual([
      `${bad.length} request byte(s) skipped before this request (after a decode error)`,
    ]);
  });

  it("at the end, a candidate header that waited for a long packet is dropped and the search goes on", async () => {
    // 00 41 ff 00 reads as a WSGI header with datasize 65345: it waits, then is passed over.
    const noise = Buffer.from("0041ff004243", "hex");
    const good = encodePacket({ vars: { PATH_INFO: "/x" } }) as Buffer;
    const list = await collect(connection([noise, good, noise, good], [], false), {
      ports: [3031],
    });
    expect(list.map((e) => [e.vars?.get("PATH_INFO"), e.notes])).toEqual([
      [
        "/x",
        [
          "6 request byte(s) skipped before this request (the connection started before the capture)",
        ],
      ],
      ["/x", ["6 request byte(s) skipped before this request (after the previous request)"]],
    ]);
  });

  it("a request found by the search, the next one after it in the same long segment: in order", async () => {
    // Without a handshake the search holds at most 128 KiB: the rest of the segment comes after
    // what the found request leaves over, never before it.
    const a = encodePacket({ vars: { PATH_INFO: "/a" } }) as Buffer;
    const body = Buffer.alloc(140_000, 0x62);
    const b = encodePacket({
      vars: { PATH_INFO: "/b", CONTENT_LENGTH: String(body.length) },
    }) as Buffer;
    const segment = Buffer.concat([Buffer.from("xx"), a, b, body]);
    // One frame of 140 KB: IPv4 total length 0, as TSO captures write it (the frame's length).
    const head = linkFrame(
      1,
      ipPacket({
        src: "10.0.0.1",
        dst: "10.0.0.2",
        srcPort: 40000,
        dstPort: 3031,
        seq: 7,
        flags: 0x18,
      }),
    );
    head.writeUInt16BE(0, 14 + 2);
    const file = writePcap([
      { linkType: 1, data: Buffer.concat([head, segment]), seconds: 1, nanos: 0 },
    ]);
    const list = await collect(file, { ports: [3031] });
    expect(list.map((e) => [e.vars?.get("PATH_INFO"), e.body.length, e.errors])).toEqual([
      ["/a", 0, []],
      ["/b", body.length, []],
    ]);
    expect(list[1]!.body.sha256).toBe(sha256(body));
  });

  it("requests back to back on one connection are each an exchange, with their answers", async () => {
    const a = encodePacket({ vars: { PATH_INFO: "/a" } }) as Buffer;
    const b = encodePacket({ modifier1: 100 }) as Buffer;
    const list = await collect(connection([a, b], [Buffer.from("HTTP/1.1 200 OK\r\n\r\n")]));
    expect(list.map((e) => e.modifierName)).toEqual(["WSGI", "PING"]);
  });

  it("connections without a handshake that never show a uwsgi request are ignored", async () => {
    const text = Buffer.alloc(70_000, "x");
    const stats = newStats();
    const halves = [text.subarray(0, 35_000), text.subarray(35_000)];
    const list = await collect(connection(halves, halves, false), { stats });
    expect(list).toEqual([]);
    expect(stats.uwsgiConnections).toBe(0);
    // And one whose client side is uwsgi after some noise: found, with a note.
    const req = encodePacket({ vars: { PATH_INFO: "/late" } }) as Buffer;
    const found = await collect(
      connection([Buffer.from("noise"), req], [Buffer.from("HTTP/1.1 200 OK\r\n\r\n")], false),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.notes).toEqual([
      "5 request byte(s) skipped before this request (the connection started before the capture)",
    ]);
    expect(found[0]!.answer).toMatchObject({ kind: "http", status: 200 });
  });
});

describe("raw uwsgi bytes and hex dumps", () => {
  const body = Buffer.from("hello body");
  const request = Buffer.concat([
    encodePacket({ vars: { REQUEST_METHOD: "POST", CONTENT_LENGTH: String(body.length) } }),
    body,
  ]);

  it("a .bin of a request and its body", async () => {
    const [ex, ...rest] = await collect(request);
    expect(rest).toEqual([]);
    expect(ex!.client).toBeNull();
    expect(ex!.requestTime).toBeNull();
    expect(ex!.vars?.get("REQUEST_METHOD")).toBe("POST");
    expect(ex!.body).toMatchObject({ length: 10, complete: true, sha256: sha256(body) });
    expect(ex!.answer).toBeNull();
    expect(ex!.errors).toEqual([]);
  });

  it("requests back to back, a ping among them", async () => {
    const ping = encodePacket({ modifier1: 100 });
    const list = await collect(Buffer.concat([request, ping, request]));
    expect(list.map((e) => e.modifierName)).toEqual(["WSGI", "PING", "WSGI"]);
    expect(list.map((e) => e.id)).toEqual([1, 2, 3]);
  });

  it("hex dumps, with white space and comments, also via format", async () => {
    const hex = `# a request\n${request.toString("hex").replace(/(..)/g, "$1 ")}\n`;
    const [ex] = await collect(Buffer.from(hex));
    expect(ex!.body.sha256).toBe(sha256(body));
    const [ex2] = await collect(Buffer.from(hex), { format: "hex" });
    expect(ex2!.vars?.get("CONTENT_LENGTH")).toBe("10");
    const stats = newStats();
    await collect(capturePath("../packets/nginx-get.hex"), { stats });
    expect(stats.format).toBe("hex");
  });

  it("a request cut short is a decode error on the exchange", async () => {
    const [ex] = await collect(request.subarray(0, request.length - 3));
    expect(ex!.errors).toEqual([
      expect.objectContaining({ code: "TRUNCATED", direction: "request" }),
    ]);
    expect(ex!.body.complete).toBe(false);
  });

  it("a bad packet with format forced to raw is decoded and its error reported", async () => {
    const bad = Buffer.from("00050000ffff414243", "hex");
    const [ex] = await collect(bad, { format: "raw" });
    expect(ex!.errors[0]).toMatchObject({ code: "KEY_OVERRUNS_DATASIZE", direction: "request" });
    await expect(collect(bad)).rejects.toMatchObject({ code: "NOT_A_CAPTURE" });
  });

  it("bad hex is BAD_HEX at its offset", async () => {
    await expect(collect(Buffer.from("0000 0000\n0z"), { format: "hex" })).rejects.toMatchObject({
      code: "BAD_HEX",
      offset: 11,
    });
    await expect(collect(Buffer.from("00000000 0"), { format: "hex" })).rejects.toMatchObject({
      code: "BAD_HEX",
      offset: 10,
    });
  });
});

describe("inputs, options and refusals", () => {
  it("reads a path, bytes, a Node stream, an async iterable of tiny chunks and a web stream alike", async () => {
    const file = readCapture("lo.pcapng");
    const want = summaries(await collect(capturePath("lo.pcapng")));
    expect(summaries(await collect(file))).toEqual(want);
    expect(summaries(await collect(Readable.from([file])))).toEqual(want);
    async function* tiny() {
      for (let i = 0; i < file.length; i += 7) yield new Uint8Array(file.subarray(i, i + 7));
    }
    expect(summaries(await collect(tiny()))).toEqual(want);
    const web = new Blob([file]).stream();
    expect(summaries(await collect(web as unknown as AsyncIterable<Uint8Array>))).toEqual(want);
    async function* strings() {
      yield file.toString("latin1");
    }
    expect(summaries(await collect(strings()))).toEqual(want);
  });

  it("reads a file over several 8 MiB turns, and a FIFO (no regular file) on the thread pool", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-capture-files-"));
    try {
      // The fixture's records again and again past 16 MiB (the copies are late retransmissions of
      // the first, dropped): between its turns, the process runs its timers.
      const records = recordsOf(segmentsOf(readCapture("lo.pcap")));
      const copies = Math.ceil((17 * 1024 * 1024) / writePcap(records).length);
      const big = join(dir, "big.pcap");
      writeFileSync(big, writePcap(Array.from({ length: copies }, () => records).flat()));
      let ticks = 0;
      const timer = setInterval(() => ticks++, 0);
      const list = await collect(big, { ports: [UWSGI] });
      clearInterval(timer);
      expectAllRequests(list);
      expect(ticks).toBeGreaterThan(0);
      // A FIFO: read as a stream, never blocking the process on it.
      const fifo = join(dir, "fifo");
      execFileSync("mkfifo", [fifo]);
      const writer = spawn("sh", ["-c", `cat "$0" > "$1"`, capturePath("lo.pcapng"), fifo]);
      const exited = new Promise((r) => writer.once("exit", r));
      const fromFifo = await collect(fifo);
      await exited;
      expect(summaries(fromFifo)).toEqual(summaries(await collect(capturePath("lo.pcapng"))));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses what is no capture with NOT_A_CAPTURE, and a missing file with UNREADABLE", async () => {
    await expect(collect(Buffer.from("just some text, not a capture\n"))).rejects.toMatchObject({
      code: "NOT_A_CAPTURE",
    });
    await expect(collect(Buffer.alloc(0))).rejects.toMatchObject({ code: "NOT_A_CAPTURE" });
    await expect(collect(Buffer.from([0]))).rejects.toMatchObject({ code: "NOT_A_CAPTURE" });
    await expect(collect(capturePath("no-such-file.pcap"))).rejects.toMatchObject({
      code: "UNREADABLE",
    });
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield Buffer.from("d4c3b2a1", "hex");
      throw new Error("disk on fire");
    }
    await expect(collect(failing())).rejects.toMatchObject({ code: "UNREADABLE" });
    const missing = await collect(capturePath("no-such-file.pcap")).catch((e: unknown) => e);
    // The source's own error is kept as the cause, and its code is said once.
    expect(missing).toMatchObject({ cause: { code: "ENOENT" } });
    expect((missing as Error).message).toMatch(
      /^ENOENT: no such file or directory, open '.*' \(offset 0\)$/,
    );
  });

  it("ports with the heuristic also finds connections on other ports; without it only the ports", async () => {
    expect(await collect(capturePath("lo.pcapng"), { ports: [1], heuristic: true })).toHaveLength(
      EXPECTED.requests.length,
    );
    expect(await collect(capturePath("lo.pcapng"), { ports: [1] })).toHaveLength(0);
  });

  it("hands bodies to onBody in order, reports progress and fills stats", async () => {
    const pieces = new Map<string, Buffer[]>();
    const progress: number[] = [];
    const stats = newStats();
    const list = await collect(capturePath("lo.pcapng"), {
      onBody: (id, part, piece) => {
        const key = `${id}.${part}`;
        pieces.set(key, [...(pieces.get(key) ?? []), Buffer.from(piece)]);
      },
      onProgress: (n) => progress.push(n),
      stats,
      previewBytes: 4,
    });
    for (const ex of list) {
      const req = Buffer.concat(pieces.get(`${ex.id}.request`) ?? []);
      expect(sha256(req)).toBe(ex.body.sha256);
      expect(ex.body.preview).toEqual(req.subarray(0, 4));
      if (ex.answer?.kind === "http") {
        expect(sha256(Buffer.concat(pieces.get(`${ex.id}.answer`) ?? []))).toBe(
          ex.answer.body.sha256,
        );
      }
    }
    expect(progress.at(-1)).toBe(readCapture("lo.pcapng").length);
    expect(stats.bytes).toBe(readCapture("lo.pcapng").length);
    expect(stats.frames).toBeGreaterThan(100);
  });

  it("stops when its signal aborts", async () => {
    const controller = new AbortController();
    const reason = new Error("enough");
    async function* slow() {
      const file = readCapture("lo.pcapng");
      yield file.subarray(0, 1000);
      controller.abort(reason);
      yield file.subarray(1000);
    }
    await expect(collect(slow(), { signal: controller.signal })).rejects.toBe(reason);
    const c2 = new AbortController();
    async function* one() {
      yield readCapture("lo.pcapng");
      c2.abort(reason);
    }
    await expect(collect(one(), { signal: c2.signal })).rejects.toBe(reason);
  });

  it("evicts the oldest connection past maxConnections, reporting it", async () => {
    const stats = newStats();
    const list = await collect(capturePath("lo.pcapng"), { maxConnections: 1, stats });
    expect(list).toHaveLength(EXPECTED.requests.length);
  });

  it("stops iterating early without leaking the file", async () => {
    for await (const ex of decodeCapture(capturePath("lo.pcapng"))) {
      expect(ex.id).toBeGreaterThan(0);
      break;
    }
  });
});
