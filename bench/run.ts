// npm run bench [-- --json[=FILE]] [--time=MS] [--filter=TEXT]
// Each task runs in batches sized to about 20 us, so the timer's own cost does not dominate
// sub-microsecond operations; figures are the median batch divided by its size.
import { writeFileSync } from "node:fs";
import { Bench } from "tinybench";
import { type BenchTask, codecTasks } from "./codec.bench.js";
import { bodyTasks, parserTasks } from "./parser.bench.js";
import { machine, type Row, table, withRatios } from "./report.js";
import { loadScenarios } from "./scenarios.js";

function option(name: string): string | undefined {
  const arg = process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (arg === undefined) return undefined;
  return arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : "";
}

let sink = 0;

/** How many operations make a batch of about 20 us. */
function batchSize(fn: () => number): number {
  for (let i = 0; i < 200; i++) sink += fn();
  const start = process.hrtime.bigint();
  let n = 0;
  while (process.hrtime.bigint() - start < 2_000_000n) {
    sink += fn();
    n++;
  }
  return Math.max(1, Math.round((n * 20_000) / 2_000_000));
}

async function main(): Promise<void> {
  const time = Number(option("time") ?? 400);
  const filter = option("filter");
  const json = option("json");
  const tasks: BenchTask[] = [
    ...loadScenarios().flatMap((s) => [...codecTasks(s), ...parserTasks(s)]),
    ...bodyTasks(),
  ].filter((t) => filter === undefined || `${t.scenario} ${t.name}`.includes(filter));
  const bench = new Bench({ time, warmupTime: 100 });
  const reps = new Map<string, number>();
  for (const t of tasks) {
    const key = `${t.scenario} | ${t.name}`;
    const n = batchSize(t.fn);
    reps.set(key, n);
    const fn = t.fn;
    bench.add(key, () => {
      for (let i = 0; i < n; i++) sink += fn();
    });
  }
  await bench.run();
  const rows: Omit<Row, "vsCopy">[] = [];
  for (const [i, task] of bench.tasks.entries()) {
    const t = tasks[i]!;
    const result = task.result;
    if (result.state !== "completed") throw new Error(`${task.name}: ${result.state}`);
    const p50Ns = (result.latency.p50 * 1e6) / reps.get(task.name)!;
    rows.push({
      scenario: t.scenario,
      task: t.name,
      bytes: t.bytes,
      p50Ns,
      opsPerSec: 1e9 / p50Ns,
      mbPerSec: (t.bytes * 1e3) / p50Ns,
      samples: result.latency.samplesCount,
    });
  }
  const all = withRatios(rows);
  if (sink === 0.5) console.log("impossible");
  if (json !== undefined) {
    const doc = JSON.stringify({ machine: machine(), rows: all }, null, 2);
    if (json === "") console.log(doc);
    else writeFileSync(json, `${doc}\n`);
    if (json === "") return;
  }
  console.log(table(all));
}

await main();
