import { describe, expect, it } from "vitest";
import { gatherBuffer } from "../../src/parser/gather-slab.js";

describe("gatherBuffer", () => {
  it("small sizes come from Node's pool; large ones are disjoint slices of a shared slab", () => {
    expect(gatherBuffer(100).length).toBe(100);
    const a = gatherBuffer(60_000);
    const b = gatherBuffer(60_000);
    expect([a.length, b.length]).toEqual([60_000, 60_000]);
    if (a.buffer === b.buffer) {
      // Same slab: b starts at or after a's 8-aligned end.
      expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + 60_000);
      expect((b.byteOffset - a.byteOffset) % 8).toBe(0);
    }
    a.fill(1);
    b.fill(2);
    expect(a.every((x) => x === 1)).toBe(true);
  });

  it("a size larger than a slab gets a slab of its own; the next ones still fit", () => {
    const big = gatherBuffer(300_000);
    expect(big.length).toBe(300_000);
    const after = gatherBuffer(10_000);
    expect(after.buffer === big.buffer).toBe(false);
    expect(after.length).toBe(10_000);
  });
});
