// Runs every benchmark task once, untimed, so a broken task fails CI. Timing is never asserted.
import { describe, expect, it } from "vitest";
import { goals, type Row, ratios, report, targets } from "../../bench/report.js";
import { loadScenarios } from "../../bench/scenarios.js";
import { scenarioTasks } from "../../bench/tasks/all.js";
import { TASKS } from "../../bench/tasks/task.js";

describe("benchmark tasks", () => {
  const scenarios = loadScenarios();

  it("load the five scenarios, vars as nginx sent them and bodies as CONTENT_LENGTH says", () => {
    expect(scenarios.map((s) => [s.name, s.varCount, s.body.length])).toEqual([
      ["nginx-get", 17, 0],
      ["browser-get", 41, 0],
      ["post-4k", 19, 4096],
      ["upload-1m", 19, 1048576],
      ["large-60k", 24, 0],
    ]);
  });

  const tasks = scenarios.flatMap(scenarioTasks);
  it.each(tasks.map((t) => [`${t.scenario} ${t.protocol} ${t.task}`, t] as const))(
    "%s runs",
    (_, t) => {
      expect(Number.isFinite(t.fn())).toBe(true);
    },
  );

  it("every scenario has every protocol's five standard tasks, the npm peers and the limits", () => {
    for (const s of scenarios) {
      const mine = tasks.filter((t) => t.scenario === s.name);
      for (const protocol of ["uwsgi", "fastcgi", "scgi"] as const) {
        expect(mine.filter((t) => t.protocol === protocol).map((t) => t.task)).toEqual(
          expect.arrayContaining(Object.values(TASKS)),
        );
      }
      expect(mine.filter((t) => t.protocol === "fastcgi-stream")).toHaveLength(4);
      expect(mine.filter((t) => t.protocol === "fastcgi-client")).toHaveLength(2);
      expect(mine.filter((t) => t.protocol === "limit").map((t) => t.task)).toEqual([
        "Buffer.copy",
        "length walk",
        "latin1Write of one string",
      ]);
      // The codec before the rework runs the same codec rows as the current one.
      const codecRows = (p: string) =>
        mine.filter((t) => t.protocol === p && !t.task.startsWith("stream")).map((t) => t.task);
      expect(codecRows("uwsgi before")).toEqual(
        codecRows("uwsgi").filter((t) => t !== "decode + get 3 vars"),
      );
    }
  });

  it("issue 12's codec targets: speed-ups over the codec before, costs over a floor", () => {
    const row = (
      scenario: string,
      protocol: Row["protocol"],
      task: string,
      p50Ns: number,
    ): Row => ({
      scenario,
      protocol,
      task,
      bytes: 10,
      p50Ns,
      opsPerSec: 1e9 / p50Ns,
      mbPerSec: 1,
      samples: 1,
    });
    const rows = [
      row("nginx-get", "uwsgi before", "encode (object)", 2000),
      row("nginx-get", "uwsgi", "encode (object)", 800),
      row("nginx-get", "uwsgi", TASKS.decode, 160),
      row("nginx-get", "limit", "length walk", 100),
      row("nginx-get", "limit", "latin1Write of one string", 80),
    ];
    expect(targets(rows).map((t) => [t.what, t.ratio, t.met])).toEqual([
      ["encode from a plain object, latin1: faster than before", 2.5, true],
      ["lazy decode over the bare length walk", 1.6, false],
    ]);
    const text = report(rows);
    expect(text).toContain(
      "| nginx-get | lazy decode over the bare length walk | 160 ns | 100 ns | 1.6× | ≤ 1.5× | missed |",
    );
    expect(text).toContain("| 800 ns | 80 ns | 10× | - | |");
  });

  it("ratios and goals come from the rows of one run", () => {
    const row = (protocol: Row["protocol"], task: string, p50Ns: number): Row => ({
      scenario: "a",
      protocol,
      task,
      bytes: 10,
      p50Ns,
      opsPerSec: 1e9 / p50Ns,
      mbPerSec: 1,
      samples: 1,
    });
    const rows = [
      row("uwsgi", TASKS.decode, 100),
      row("fastcgi", TASKS.decode, 150),
      row("scgi", TASKS.decode, 300),
      row("fastcgi-stream", "decode (eager strings)", 2000),
      row("fastcgi-client", "decode params only (eager)", 800),
      row("uwsgi", TASKS.encode, 100),
      row("fastcgi", TASKS.encode, 200),
    ];
    const r = ratios(rows);
    expect(r.find((x) => x.task === TASKS.decode)).toMatchObject({
      vsFastcgi: 1.5,
      vsScgi: 3,
      vsNpm: 8,
      npmPeer: "fastcgi-client decode params only (eager)",
    });
    expect(goals(r).map((g) => [g.goal, g.met])).toEqual([
      ["encode vs our FastCGI", true],
      ["decode vs our FastCGI", false],
      ["decode vs fastest npm FastCGI", true],
    ]);
    expect(report(rows)).toContain("| a | decode vs our FastCGI | 2.0× | 1.5× | missed by 25% |");
    expect(report(rows)).toContain(
      "| a | decode (lazy) | 100 ns | 150 ns | 300 ns | 2,000 ns | 800 ns |",
    );
  });
});
