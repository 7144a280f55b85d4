import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodePacket, encodePacket, MAX_DATASIZE, PacketParser } from "../../src/index.js";
import { feed, split, summary } from "./collect.js";

const OPTS = {
  maxDatasize: MAX_DATASIZE,
  maxVars: Number.POSITIVE_INFINITY,
  allowEmptyKeys: true,
} as const;
const bytes = (max: number) => fc.uint8Array({ maxLength: max }).map((u) => Buffer.from(u));
const pair = fc.tuple(
  fc.uint8Array({ minLength: 1, maxLength: 40 }),
  fc.uint8Array({ maxLength: 200 }),
);
const varsPacket = fc.array(pair, { maxLength: 12 }).map((vars) => encodePacket({ vars }));
const anyPacket = fc.oneof(
  varsPacket,
  fc
    .record({ m1: fc.integer({ min: 0, max: 255 }), payload: bytes(300) })
    .map(({ m1, payload }) => encodePacket({ modifier1: m1, modifier2: 0, payload })),
);
/** Cut points, often many (down to 1-byte chunks). */
const cuts = fc.oneof(fc.array(fc.nat(), { maxLength: 20 }), fc.constant("every-byte" as const));
const chunked = (buf: Buffer, c: number[] | "every-byte") =>
  c === "every-byte"
    ? Array.from({ length: buf.length }, (_, i) => buf.subarray(i, i + 1))
    : split(buf, c);

/** The reference: decode the whole buffer at once. */
function wholeDecode(buf: Buffer, mode: "request" | "packets") {
  const packets: string[] = [];
  let off = 0;
  if (mode === "packets") {
    while (off < buf.length) {
      const p = decodePacket(buf, off, { ...OPTS, payload: "raw" });
      packets.push(summary(p));
      off += p.byteLength;
    }
    return { packets, body: Buffer.alloc(0) };
  }
  const p = decodePacket(buf, 0, OPTS);
  packets.push(summary(p));
  return { packets, body: buf.subarray(p.byteLength) };
}

describe("PacketParser properties", () => {
  it("chunk invariance, packets mode: any split gives the packets of a whole-buffer decode", () => {
    fc.assert(
      fc.property(fc.array(anyPacket, { maxLength: 6 }), cuts, (pkts, c) => {
        const all = Buffer.concat(pkts);
        const ev = feed(chunked(all, c), { ...OPTS, mode: "packets", payload: "raw" });
        expect(ev.error).toBeUndefined();
        expect(ev.packets.map(summary)).toEqual(wholeDecode(all, "packets").packets);
      }),
      { numRuns: 200 },
    );
  });

  it("chunk invariance, request mode: same packet and the same body bytes, in pieces that are views", () => {
    fc.assert(
      fc.property(varsPacket, bytes(3000), cuts, (pkt, body, c) => {
        const decoded = decodePacket(pkt, 0, OPTS);
        if (decoded.kind !== "vars") throw new Error("kind");
        const vars = [...decoded.vars.entriesBytes()].filter(
          ([k]) => Buffer.from(k).toString("latin1") !== "CONTENT_LENGTH",
        );
        const req = encodePacket({ vars: [...vars, ["CONTENT_LENGTH", String(body.length)]] });
        const all = Buffer.concat([req, body]);
        const chunks = chunked(all, c);
        const ev = feed(chunks, OPTS);
        expect(ev.error).toBeUndefined();
        const want = wholeDecode(all, "request");
        expect(ev.packets.map(summary)).toEqual(want.packets);
        expect(Buffer.concat(ev.pieces).equals(want.body)).toBe(true);
        expect(ev.bodyEnds).toBe(1);
        // Zero copy: every body piece lies inside one of the input chunks' memory.
        for (const piece of ev.pieces) {
          expect(
            chunks.some(
              (ch) =>
                ch.buffer === piece.buffer &&
                piece.byteOffset >= ch.byteOffset &&
                piece.byteOffset + piece.length <= ch.byteOffset + ch.length,
            ),
          ).toBe(true);
        }
        // A packet that arrived inside one chunk is decoded in place.
        const first = chunks[0]!;
        if (first.length >= req.length) expect(ev.packets[0]!.payload.buffer).toBe(first.buffer);
      }),
      { numRuns: 200 },
    );
  });

  it("chunk invariance with a gatherBuffer of any size: the packets read in onPacket are the whole-buffer decode's", () => {
    fc.assert(
      fc.property(
        fc.array(anyPacket, { maxLength: 6 }),
        cuts,
        fc.integer({ min: 0, max: 2000 }),
        (pkts, c, size) => {
          const all = Buffer.concat(pkts);
          const seen: string[] = [];
          const parser = new PacketParser(
            { onPacket: (p) => seen.push(summary(p)) },
            { ...OPTS, mode: "packets", payload: "raw", gatherBuffer: Buffer.alloc(size) },
          );
          for (const chunk of chunked(all, c)) parser.push(chunk);
          parser.end();
          expect(seen).toEqual(wholeDecode(all, "packets").packets);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("fuzz: any bytes in any chunks give packets or a UwsgiError, within the memory bound", () => {
    const limits = fc.constantFrom(16, 300, 4096, MAX_DATASIZE);
    const mode = fc.constantFrom("request" as const, "packets" as const);
    fc.assert(
      fc.property(bytes(600), cuts, limits, mode, (buf, c, maxDatasize, m) => {
        const ev = feed(chunked(buf, c), { maxDatasize, mode: m, afterBody: "return" });
        expect(ev.maxBuffered).toBeLessThanOrEqual(maxDatasize + 4);
        if (ev.error === undefined && m === "packets") {
          expect(ev.packets.reduce((n, p) => n + p.byteLength, 0)).toBe(buf.length);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("fuzz on mutated requests: the same outcome whether fed whole or in pieces", () => {
    fc.assert(
      fc.property(
        varsPacket,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        cuts,
        (pkt, edits, c) => {
          const buf = Buffer.from(pkt);
          for (const [at, v] of edits) if (buf.length > 0) buf[at % buf.length] = v;
          const whole = feed([buf], { mode: "packets" });
          const pieces = feed(chunked(buf, c), { mode: "packets" });
          expect(pieces.error?.code).toBe(whole.error?.code);
          expect(pieces.error?.offset).toBe(whole.error?.offset);
          expect(pieces.packets.map(summary)).toEqual(whole.packets.map(summary));
        },
      ),
      { numRuns: 300 },
    );
  });
});
