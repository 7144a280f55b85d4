// The decoder's work is bounded by the bytes it reads, whatever the input: hostile shapes that once
// made it hash gigabytes of zeros or sort segments in quadratic time are decoded here and its
// internal work counters (stats.work) compared with the bytes captured. No timing: the capture
// benchmark (npm run bench:capture -- --hostile) shows the times of the same shapes.
import { describe, expect, it } from "vitest";
import {
  gapStorm,
  heuristicBait,
  oneByteSegments,
  retransmissionStorm,
  sequenceJump,
  tinyConnections,
} from "../../scripts/lib/hostile-captures.mjs";
import type { DecodeCaptureOptions } from "../../src/capture/capture-options.js";
import type { CapturedExchange } from "../../src/capture/exchange.js";
import { type CaptureStats, newStats } from "../../src/capture/session.js";
import { HELD_SEGMENT_COST } from "../../src/capture/tcp-stream.js";
import { collect } from "./support/fixtures.js";

async function decode(
  file: Buffer,
  options: DecodeCaptureOptions = {},
): Promise<{ list: CapturedExchange[]; stats: CaptureStats }> {
  const stats = newStats();
  const list = await collect(file, { digest: true, ...options, stats });
  return { list, stats };
}

/** Levels of the heap of held segments at its fullest with the default limits (1 MiB / 129). */
const HEAP_DEPTH = Math.ceil(Math.log2((1024 * 1024) / (1 + HELD_SEGMENT_COST) + 1));
/** A held segment costs at most one compare a level going in and two coming out. */
const STEPS_PER_HELD = 3 * HEAP_DEPTH;

describe("the decoder's work is linear in the bytes captured", () => {
  it("an answer byte 2^31 bytes ahead: the hole is counted, never hashed", async () => {
    const { list, stats } = await decode(sequenceJump(16));
    expect(list).toHaveLength(16);
    for (const ex of list) {
      expect(ex.answer).toMatchObject({ kind: "raw", length: 1, missing: 0x7fffffff });
      if (ex.answer?.kind !== "raw") throw new Error("raw answer expected");
      expect(ex.answer.body).toMatchObject({ length: 1, missing: 0x7fffffff, sha256: null });
    }
    expect(stats.gapBytes).toBe(16 * 0x7fffffff);
    expect(stats.work.hashedBytes).toBeLessThanOrEqual(stats.bytes);
  });

  it("a request body with a hole: counted, the digest says it is incomplete", async () => {
    const { list, stats } = await decode(gapStorm(3));
    expect(list).toHaveLength(1);
    expect(list[0]!.body).toMatchObject({ length: 3, missing: 3, sha256: null, complete: true });
    expect(stats.work.hashedBytes).toBeLessThanOrEqual(stats.bytes);
  });

  it("one-byte segments in reverse order: held in a heap, O(log n) compares each", async () => {
    const n = 20_000;
    const { list, stats } = await decode(oneByteSegments(n));
    expect(list).toHaveLength(1);
    const body = list[0]!.body;
    // Past the per-direction cap a gap is declared: what the capture gave is all accounted for.
    expect(body.length + body.missing).toBe(n);
    expect(stats.work.heldSegments).toBeLessThanOrEqual(n);
    expect(stats.work.orderSteps).toBeLessThanOrEqual(STEPS_PER_HELD * stats.work.heldSegments);
  });

  it("the same segments in order hold nothing", async () => {
    const { list, stats } = await decode(oneByteSegments(5_000, false));
    expect(list[0]!.body).toMatchObject({ length: 5_000, missing: 0, complete: true });
    expect(stats.work).toMatchObject({ heldSegments: 0, orderSteps: 0 });
  });

  it("a retransmission storm of overlapping segments ahead of a hole", async () => {
    const { list, stats } = await decode(retransmissionStorm(300, 40));
    expect(list).toHaveLength(1);
    expect(stats.work.heldSegments).toBeLessThanOrEqual(300 * 40);
    expect(stats.work.orderSteps).toBeLessThanOrEqual(STEPS_PER_HELD * stats.work.heldSegments);
    expect(stats.work.hashedBytes).toBeLessThanOrEqual(stats.bytes);
  });

  it("a hole every other byte: one GAP error a direction, not one a hole", async () => {
    const { list, stats } = await decode(gapStorm(10_000));
    expect(list).toHaveLength(1);
    const ex = list[0]!;
    expect(ex.body).toMatchObject({ length: 10_000, missing: 10_000 });
    expect(ex.errors.map((e) => [e.code, e.direction])).toEqual([
      ["GAP", "request"],
      ["GAP", "answer"],
    ]);
    expect(ex.errors[0]!.message).toBe("10000 byte(s) in 10000 hole(s) were not captured");
    expect(stats.work.hashedBytes).toBeLessThanOrEqual(stats.bytes);
  });

  it("candidate headers at every ninth byte: the search examines each position a bounded number of times", async () => {
    for (const options of [{ ports: [3031] }, {}]) {
      const { stats } = await decode(heuristicBait(4), options);
      expect(stats.work.scanSteps, JSON.stringify(options)).toBeLessThanOrEqual(16 * stats.bytes);
    }
  });

  it("many tiny connections past maxConnections are each reported", async () => {
    const { list, stats } = await decode(tinyConnections(3_000), { maxConnections: 100 });
    expect(list).toHaveLength(3_000);
    expect(stats.connections).toBe(3_000);
    expect(stats.work.scanSteps).toBeLessThanOrEqual(16 * stats.bytes);
  });
});
