// npm run bench [-- --json[=FILE]] [--time=MS] [--rounds=N] [--filter=TEXT] [--match=REGEXP]
// Each task runs in batches sized to about 20 us, so the timer's own cost does not dominate
// sub-microsecond operations; a task's figure is the median batch divided by its size. The whole
// set runs `rounds` times, interleaved, and each task keeps the median of its rounds: on a shared
// machine, drift and garbage collection then hit every protocol alike.
import { writeFileSync } from "node:fs";
import { Bench } from "tinybench";
import { goals, machine, type Row, ratios, report, targets } from "./report.js";
import { loadScenarios } from "./scenarios.js";
import { scenarioTasks } from "./tasks/all.js";

function option(name: string): string | undefined {
  const arg = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (arg === undefined) return undefined;
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : "";
}

let sink = 0;

/** How many operations make a batch of about 20 us. */
function batchSize(fn: () => number): number {
  for (let i = 0; i < 20; i++) sink += fn();
  const start = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - start < 2_000_000n) {
    sink += fn();
    n++;
  }
  return Math.max(1, Math.round((n * 20_000) / 2_000_000));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function main(): Promise<void> {
  const time = Number(option("time") ?? 100);
  const rounds = Number(option("rounds") ?? 3);
  const filter = option("filter");
  // A regular expression over "scenario protocol task", for sets a substring cannot name.
  const match = option("match");
  const pattern = match === undefined ? undefined : new RegExp(match);
  const json = option("json");
  const tasks = loadScenarios()
    .flatMap(scenarioTasks)
    .filter((t) => {
      const name = `${t.scenario} ${t.protocol} ${t.task}`;
      return (
        (filter === undefined || name.includes(filter)) &&
        (pattern === undefined || pattern.test(name))
      );
    });
  const reps = tasks.map((t) => batchSize(t.fn));
  const perRound: number[][] = tasks.map(() => []);
  const samples = tasks.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    const bench = new Bench({ time, warmupTime: 20 });
    for (const [i, t] of tasks.entries()) {
      const n = reps[i]!;
      const fn = t.fn;
      bench.add(String(i), () => {
        for (let k = 0; k < n; k++) sink += fn();
      });
    }
    await bench.run();
    for (const [i, task] of bench.tasks.entries()) {
      const t = tasks[i]!;
      const result = task.result;
      if (result.state !== "completed")
        throw new Error(`${t.scenario} ${t.protocol} ${t.task}: ${result.state}`);
      perRound[i]!.push((result.latency.p50 * 1e6) / reps[i]!);
      samples[i]! += result.latency.samplesCount;
    }
  }
  const rows: Row[] = tasks.map((t, i) => {
    const p50Ns = median(perRound[i]!);
    return {
      scenario: t.scenario,
      protocol: t.protocol,
      task: t.task,
      bytes: t.bytes,
      p50Ns,
      opsPerSec: 1e9 / p50Ns,
      mbPerSec: (t.bytes * 1e3) / p50Ns,
      samples: samples[i]!,
    };
  });
  if (sink === 0.5) console.log("impossible");
  if (json !== undefined) {
    const all = ratios(rows);
    const doc = JSON.stringify(
      { machine: machine(), rows, ratios: all, goals: goals(all), targets: targets(rows) },
      null,
      2,
    );
    if (json === "") {
      console.log(doc);
      return;
    }
    writeFileSync(json, `${doc}\n`);
  }
  console.log(report(rows));
}

await main();
