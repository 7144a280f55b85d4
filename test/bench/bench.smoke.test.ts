// Runs every benchmark task once, untimed, so a broken task fails CI. Timing is never asserted.
import { describe, expect, it } from "vitest";
import { codecTasks } from "../../bench/codec.bench.js";
import { bodyTasks, parserTasks } from "../../bench/parser.bench.js";
import { table, withRatios } from "../../bench/report.js";
import { loadScenarios } from "../../bench/scenarios.js";

describe("benchmark tasks", () => {
  const scenarios = loadScenarios();

  it("load the three packets captured from nginx", () => {
    expect(scenarios.map((s) => [s.name, s.varCount])).toEqual([
      ["nginx-get", 17],
      ["browser-get", 41],
      ["large-60k", 24],
    ]);
  });

  const tasks = [
    ...scenarios.flatMap((s) => [...codecTasks(s), ...parserTasks(s)]),
    ...bodyTasks(),
  ];
  it.each(tasks.map((t) => [`${t.scenario} ${t.name}`, t] as const))("%s runs", (_, t) => {
    expect(Number.isFinite(t.fn())).toBe(true);
  });

  it("report rows carry the ratio to Buffer.copy of the same scenario", () => {
    const base = { bytes: 10, opsPerSec: 1, mbPerSec: 1, samples: 1 };
    const rows = withRatios([
      { ...base, scenario: "a", task: "limit: Buffer.copy", p50Ns: 50 },
      { ...base, scenario: "a", task: "decode (lazy)", p50Ns: 150 },
    ]);
    expect(rows[1]?.vsCopy).toBe(3);
    expect(table(rows)).toContain("| a | decode (lazy) | 10 | 150 ns |");
  });
});
