import { cpus, platform, release, totalmem } from "node:os";

/** One measured row. Figures are per operation, at the median (p50) of the batches. */
export interface Row {
  readonly scenario: string;
  readonly task: string;
  readonly bytes: number;
  readonly p50Ns: number;
  readonly opsPerSec: number;
  readonly mbPerSec: number;
  /** p50 of this task over p50 of `limit: Buffer.copy` in the same scenario and run (1 = as fast as a copy). */
  readonly vsCopy: number;
  readonly samples: number;
}

/** The machine the figures come from. */
export function machine() {
  const cpu = cpus();
  return {
    node: process.version,
    cpu: cpu[0]?.model ?? "unknown",
    cores: cpu.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    date: new Date().toISOString(),
  };
}

/** Adds the per-scenario ratio to Buffer.copy. */
export function withRatios(rows: readonly Omit<Row, "vsCopy">[]): Row[] {
  return rows.map((r) => {
    const copy = rows.find((c) => c.scenario === r.scenario && c.task === "limit: Buffer.copy");
    return { ...r, vsCopy: copy === undefined ? Number.NaN : r.p50Ns / copy.p50Ns };
  });
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";

/** A Markdown table (it reads well in a terminal and pastes into the README). */
export function table(rows: readonly Row[]): string {
  const m = machine();
  const lines = [
    `Node ${m.node}, ${m.cpu} (${m.cores} cores), ${m.platform}; p50 per operation`,
    "",
    "| scenario | task | bytes | p50 | ops/s | MB/s | × Buffer.copy |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    const p50 = r.p50Ns >= 10_000 ? `${fmt(r.p50Ns / 1000, 1)} µs` : `${fmt(r.p50Ns)} ns`;
    lines.push(
      `| ${r.scenario} | ${r.task} | ${r.bytes} | ${p50} | ${fmt(r.opsPerSec)} | ${fmt(r.mbPerSec)} | ${fmt(r.vsCopy, 1)} |`,
    );
  }
  return lines.join("\n");
}
