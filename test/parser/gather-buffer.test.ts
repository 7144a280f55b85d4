// The parser's gatherBuffer option: the caller's memory for packets split across chunks.
import { describe, expect, it } from "vitest";
import {
  decodePacket,
  encodePacket,
  MAX_DATASIZE,
  type Packet,
  PacketParser,
} from "../../src/index.js";
import { chunksOf, feed, split } from "./collect.js";

const OPTIONS = { maxDatasize: MAX_DATASIZE } as const;
const vars = (n: number, size: number): [string, string][] =>
  Array.from({ length: n }, (_, i) => [
    `KEY_${i}`,
    String.fromCharCode(97 + (i % 26)).repeat(size),
  ]);
const pairs = (p: Packet) => (p.kind === "vars" ? [...p.vars] : []);
const inside = (view: Uint8Array, memory: Uint8Array) =>
  view.buffer === memory.buffer &&
  view.byteOffset >= memory.byteOffset &&
  view.byteOffset + view.length <= memory.byteOffset + memory.length;

/** Feeds chunks in packets mode; `use` sees each packet in onPacket. Returns the packets seen. */
function feedWith(chunks: readonly Uint8Array[], memory: Uint8Array, use: (p: Packet) => void) {
  let n = 0;
  const parser = new PacketParser(
    {
      onPacket: (p) => {
        n++;
        use(p);
      },
    },
    { ...OPTIONS, mode: "packets", gatherBuffer: memory },
  );
  for (const c of chunks) parser.push(c);
  parser.end();
  return n;
}

describe("PacketParser gatherBuffer", () => {
  const packet = Buffer.from(encodePacket({ vars: vars(30, 500) })); // 15 KB

  it("gathers a split packet into the caller's memory, at its start, and decodes it there", () => {
    const memory = Buffer.alloc(MAX_DATASIZE + 4);
    const ev = feed(chunksOf(packet, 1460), { ...OPTIONS, gatherBuffer: memory });
    expect(ev.error).toBeUndefined();
    const p = ev.packets[0]!;
    expect(p.payload.buffer).toBe(memory.buffer);
    expect(p.payload.byteOffset).toBe(memory.byteOffset + 4);
    expect(pairs(p)).toEqual(vars(30, 500));
  });

  it("leaves a packet whole in its chunk where it is, and gathers one larger than the memory elsewhere", () => {
    const memory = Buffer.alloc(4096);
    const whole = feed([packet], { ...OPTIONS, gatherBuffer: memory });
    expect(whole.packets[0]!.payload.buffer).toBe(packet.buffer);
    const large = feed(chunksOf(packet, 1000), { ...OPTIONS, gatherBuffer: memory });
    expect(inside(large.packets[0]!.payload, memory)).toBe(false);
    expect(pairs(large.packets[0]!)).toEqual(vars(30, 500));
    // A packet of exactly the memory's size fits.
    const small = Buffer.from(encodePacket({ vars: vars(2, 2000) }));
    const exact = Buffer.alloc(small.length);
    const fits = feed(chunksOf(small, 100), { ...OPTIONS, gatherBuffer: exact });
    expect(inside(fits.packets[0]!.payload, exact)).toBe(true);
    expect(pairs(fits.packets[0]!)).toEqual(vars(2, 2000));
  });

  it("reuses the memory: the next split packet overwrites the last one's views; detach() keeps them", () => {
    const memory = Buffer.alloc(MAX_DATASIZE + 4);
    const both = Buffer.concat([
      encodePacket({ vars: [["A", "1".repeat(3000)]] }),
      encodePacket({ vars: [["B", "2".repeat(3000)]] }),
    ]);
    const ev = feed(chunksOf(both, 1000), { ...OPTIONS, mode: "packets", gatherBuffer: memory });
    // Read after both arrived, both views read the second packet's bytes.
    expect(ev.packets.map((p) => pairs(p)[0]![0])).toEqual(["B", "B"]);
    const kept: [string, string][][] = [];
    expect(feedWith(chunksOf(both, 1000), memory, (p) => kept.push(pairs(p)))).toBe(2);
    expect(kept.map((v) => v[0]![0])).toEqual(["A", "B"]);
    const detached: Packet[] = [];
    feedWith(chunksOf(both, 1000), memory, (p) => {
      if (p.kind === "vars") detached.push({ ...p, vars: p.vars.detach() });
    });
    expect(detached.map((p) => pairs(p)[0]![0])).toEqual(["A", "B"]);
  });

  it("gives the packets of a whole-buffer decode, read in onPacket, whatever the chunks and the memory's size", () => {
    const middle = encodePacket({ vars: vars(3, 100) });
    const all = Buffer.concat([packet, middle, packet]);
    const want = [0, packet.length, packet.length + middle.length].map((off) =>
      pairs(decodePacket(all, off, OPTIONS)),
    );
    for (const size of [0, 500, packet.length - 1, packet.length, 70_000]) {
      for (const cut of [[1], [7, 3000, 15_100, 15_500], [15_000, 16_000, 29_000], [30_000]]) {
        const seen: [string, string][][] = [];
        feedWith(split(all, cut), Buffer.alloc(size), (p) => seen.push(pairs(p)));
        expect(seen).toEqual(want);
      }
    }
  });

  it("hands out Buffers over a plain Uint8Array's memory", () => {
    const memory = new Uint8Array(MAX_DATASIZE + 4);
    const p = feed(chunksOf(packet, 4000), { ...OPTIONS, gatherBuffer: memory }).packets[0]!;
    expect(Buffer.isBuffer(p.payload)).toBe(true);
    expect(p.payload.buffer).toBe(memory.buffer);
  });

  it("refuses memory that is not a Uint8Array", () => {
    for (const bad of ["x", 5, [1, 2], new ArrayBuffer(8), null]) {
      expect(() => new PacketParser({ onPacket() {} }, { gatherBuffer: bad as never })).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE", name: "TypeError" }),
      );
    }
  });
});
