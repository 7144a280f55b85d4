// npm run bench [-- --json[=FILE]] [--time=MS] [--filter=TEXT]
// Each task runs in batches sized to about 20 us, so the timer's own cost does not dominate
// sub-microsecond operations; figures are the median batch divided by its size.
import { writeFileSync } from "node:fs";
import { Bench } from "tinybench";
import { goals, machine, type Row, ratios, report } from "./report.js";
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

async function main(): Promise<void> {
  const time = Number(option("time") ?? 300);
  const filter = option("filter");
  const json = option("json");
  const tasks = loadScenarios()
    .flatMap(scenarioTasks)
    .filter(
      (t) => filter === undefined || `${t.scenario} ${t.protocol} ${t.task}`.includes(filter),
    );
  const bench = new Bench({ time, warmupTime: 50 });
  const reps: number[] = [];
  for (const [i, t] of tasks.entries()) {
    const n = batchSize(t.fn);
    reps.push(n);
    const fn = t.fn;
    bench.add(String(i), () => {
      for (let k = 0; k < n; k++) sink += fn();
    });
  }
  await bench.run();
  const rows: Row[] = [];
  for (const [i, task] of bench.tasks.entries()) {
    const t = tasks[i]!;
    const result = task.result;
    if (result.state !== "completed")
      throw new Error(`${t.scenario} ${t.protocol} ${t.task}: ${result.state}`);
    const p50Ns = (result.latency.p50 * 1e6) / reps[i]!;
    rows.push({
      scenario: t.scenario,
      protocol: t.protocol,
      task: t.task,
      bytes: t.bytes,
      p50Ns,
      opsPerSec: 1e9 / p50Ns,
      mbPerSec: (t.bytes * 1e3) / p50Ns,
      samples: result.latency.samplesCount,
    });
  }
  if (sink === 0.5) console.log("impossible");
  if (json !== undefined) {
    const all = ratios(rows);
    const doc = JSON.stringify(
      { machine: machine(), rows, ratios: all, goals: goals(all) },
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
