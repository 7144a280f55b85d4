import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChainForest } from "../../src/capture/chain-forest.js";
import { decodeCapture } from "../../src/capture/decode-capture.js";
import { CaptureError } from "../../src/capture/errors.js";
import { newStats } from "../../src/capture/session.js";
import { looksLikeUwsgi, Verdict } from "../../src/capture/uwsgi-heuristic.js";
import { UwsgiError } from "../../src/codec/errors.js";
import { decodePacket, encodePacket } from "../../src/codec/packet.js";
import { collect, EXPECTED, prng, readCapture, segmentsOf, summaries } from "./support/fixtures.js";
import { writePcapng } from "./support/pcap-writer.js";
import { mangle, pcapOf, recordsOf, reorder, resegment } from "./support/rewrite.js";

/** Decodes everything; returns the count, or the CaptureError; anything else fails the test. */
async function total(
  source: Uint8Array | AsyncIterable<Uint8Array>,
  options = {},
): Promise<number | string> {
  let n = 0;
  try {
    for await (const ex of decodeCapture(source, options)) {
      expect(ex.id).toBeGreaterThan(0);
      n++;
    }
    return n;
  } catch (err) {
    if (!(err instanceof CaptureError)) throw err;
    return err.code;
  }
}

const UWSGI = EXPECTED.uwsgiPort;
const all = segmentsOf(readCapture("lo.pcapng")).filter(
  (s) => s.srcPort === UWSGI || s.dstPort === UWSGI,
);
// A small capture: the connections of the first GET, the 10-byte POST and the ping.
const ports = new Set(
  all
    .filter(
      (s) =>
        s.dstPort === UWSGI &&
        (s.payload.includes("/index.html") ||
          s.payload.includes(Buffer.from("REQUEST_URI\u000a\u0000/upload/10", "latin1")) ||
          s.payload.equals(Buffer.from([100, 0, 0, 0]))),
    )
    .map((s) => s.srcPort),
);
const small = all.filter((s) => ports.has(s.srcPort) || ports.has(s.dstPort));
const smallPcap = pcapOf(small);
const smallPcapng = writePcapng(recordsOf(small));

const MAGICS = ["", "d4c3b2a1", "a1b2c3d4", "4d3cb2a1", "0a0d0d0a", "0a0d0d0a1c0000004d3c2b1a"].map(
  (h) => Buffer.from(h, "hex"),
);

describe("hostile input never crashes or hangs the capture decoder", () => {
  it("random bytes, with and without a capture magic in front", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...MAGICS),
        fc.uint8Array({ maxLength: 600 }),
        async (magic, rest) => {
          const r = await total(Buffer.concat([magic, rest]));
          expect(typeof r === "number" || typeof r === "string").toBe(true);
        },
      ),
    );
  });

  it("mutated captures: flipped bytes, cuts and insertions give results or CaptureErrors only", async () => {
    const mutation = fc.record({
      file: fc.constantFrom(smallPcap, smallPcapng),
      flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
        maxLength: 8,
      }),
      cut: fc.option(fc.nat(), { nil: undefined }),
      insert: fc.option(
        fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
        {
          nil: undefined,
        },
      ),
      ports: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let file = Buffer.from(m.file);
        for (const f of m.flips) file[f.at % file.length] = f.value;
        if (m.insert !== undefined) {
          const at = m.insert.at % file.length;
          file = Buffer.concat([file.subarray(0, at), m.insert.bytes, file.subarray(at)]);
        }
        if (m.cut !== undefined) file = file.subarray(0, m.cut % (file.length + 1));
        await total(file, m.ports ? { ports: [UWSGI] } : {});
      }),
      { numRuns: 200 },
    );
  });
});

describe("decoding does not depend on how the input or the stream is cut", () => {
  it("any chunking of the file gives the same exchanges", async () => {
    const want = summaries(await collect(smallPcapng));
    expect(want).toHaveLength(3);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 4000 }), { minLength: 1, maxLength: 20 }),
        async (sizes) => {
          async function* chunks() {
            let off = 0;
            for (let i = 0; off < smallPcapng.length; i++) {
              const n = sizes[i % sizes.length]!;
              yield smallPcapng.subarray(off, off + n);
              off += n;
            }
          }
          expect(summaries(await collect(chunks()))).toEqual(want);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("any re-segmentation, reordering, retransmission and overlap gives the same exchanges", async () => {
    const want = summaries(await collect(smallPcap));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 8 }),
        async (seed, maxSize, window) => {
          const rand = prng(seed);
          const cut = resegment(small, () => 1 + Math.floor(rand() * maxSize));
          const list = await collect(pcapOf(mangle(reorder(cut, window, rand), rand)));
          expect(summaries(list)).toEqual(want);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("the all-at-once request search agrees with checking each offset alone", () => {
  /** Pieces of windows: whole requests of every kind, their cuts, bait, and noise. */
  const piece = fc.oneof(
    fc
      .dictionary(
        fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 6 }),
        fc.string({ maxLength: 8 }),
        {
          maxKeys: 4,
        },
      )
      .map((vars) => Buffer.from(encodePacket({ vars }))),
    fc
      .array(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 4 })
      .map((items) => Buffer.from(encodePacket({ modifier1: 173, items }))),
    fc
      .string({ unit: "grapheme-ascii", minLength: 1, maxLength: 8 })
      .map((key) => Buffer.from(encodePacket({ modifier1: 111, payload: Buffer.from(key) }))),
    fc.constant(Buffer.from([100, 0, 0, 0])),
    fc.constant(Buffer.from("01004b0400" + "0060ea00", "hex")),
    fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b)),
    fc.constantFrom(0, 1, 2, 3, 4, 0x0a, 0x41, 0x63, 0x6f, 0xad).map((b) => Buffer.from([b])),
  );
  const windows = fc.array(piece, { maxLength: 12 }).map((parts) => Buffer.concat(parts));

  it("the heuristic's in-place walk says what decodePacket (no empty keys) and the printable checks say", () => {
    // The oracle: the whole packet decoded as decodePacket reads it, then its keys or first item.
    const oracle = (buf: Buffer, off: number, end: number): number => {
      const quick = looksLikeUwsgi(buf, off, end);
      if (quick === Verdict.NEED_MORE) return quick;
      const printable = (b: Uint8Array) => b.length > 0 && b.every((c) => c > 0x20 && c < 0x7f);
      try {
        const p = decodePacket(buf.subarray(0, end), off, {
          maxDatasize: 65535,
          maxVars: 16384,
          maxItems: 16384,
        });
        if (p.kind === "vars") {
          return p.vars.size > 0 &&
            [...p.vars.keys()].every((k) => printable(Buffer.from(k, "latin1")))
            ? Verdict.YES
            : Verdict.NO;
        }
        if (p.kind === "array") {
          return p.items.length > 0 && printable(p.items.getBytes(0)) ? Verdict.YES : Verdict.NO;
        }
        // Empty and raw packets are judged by their header alone, in both.
        return quick;
      } catch (err) {
        if (err instanceof UwsgiError) return Verdict.NO;
        throw err;
      }
    };
    fc.assert(
      fc.property(windows, (buf) => {
        for (let k = 0; k < buf.length; k++) {
          expect(looksLikeUwsgi(buf, k, buf.length), `offset ${k}`).toBe(
            oracle(buf, k, buf.length),
          );
        }
      }),
    );
  });

  it("the same verdict at every offset, final or not", () => {
    const forest = new ChainForest(newStats().work);
    fc.assert(
      fc.property(windows, fc.boolean(), fc.nat(), (buf, final, cut) => {
        const len = buf.length === 0 ? 0 : cut % (buf.length + 1);
        // One offset at a time, as the finder did before.
        const alone: [number, number][] = [];
        for (let k = 0; k < len; k++) {
          let v = looksLikeUwsgi(buf, k, len);
          if (v === Verdict.NEED_MORE && final) v = Verdict.NO;
          if (v !== Verdict.NO) alone.push([k, v]);
        }
        // All at once, resuming past each offset found.
        const together: [number, number][] = [];
        for (let from = 0; from < len; ) {
          const k = forest.scan(buf, from, len, len, final);
          if (k < 0) break;
          together.push([k, forest.verdict]);
          from = k + 1;
        }
        expect(together).toEqual(alone);
      }),
    );
  });
});
