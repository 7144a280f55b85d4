import { cpus, platform, release, totalmem } from "node:os";
import { BEFORE_PROTOCOL, CODEC_TASKS } from "./tasks/codec.js";
import { LATIN1_WRITE } from "./tasks/limits.js";
import type { Protocol } from "./tasks/task.js";
import { TASKS } from "./tasks/task.js";
import { STREAM_REUSED } from "./tasks/uwsgi.js";

/** One measured row. Figures are per operation, at the median (p50) of the batches. */
export interface Row {
  readonly scenario: string;
  readonly protocol: Protocol;
  readonly task: string;
  readonly bytes: number;
  readonly p50Ns: number;
  readonly opsPerSec: number;
  readonly mbPerSec: number;
  readonly samples: number;
}

/** How many times faster uwsgi is than another protocol or peer on one task (their p50 / ours). */
export interface Ratio {
  readonly scenario: string;
  readonly task: string;
  readonly vsFastcgi: number;
  readonly vsScgi: number;
  /** Against the fastest npm FastCGI codec on the comparable task, when there is one. */
  readonly vsNpm: number;
  readonly npmPeer: string;
}

/** One of the goals, checked against the same run. */
export interface Goal {
  readonly scenario: string;
  readonly goal: string;
  readonly target: number;
  readonly actual: number;
  readonly met: boolean;
}

/**
 * One of issue 12's codec targets, checked against the same run: `ratio` is `of` over `to` (p50
 * over p50); `atLeast` means the ratio must reach `goal` (a speed-up), otherwise stay within it (a
 * cost over a floor).
 */
export interface Target {
  readonly scenario: string;
  readonly what: string;
  readonly of: number;
  readonly to: number;
  readonly ratio: number;
  readonly goal: number;
  readonly atLeast: boolean;
  readonly met: boolean;
}

type Ref = readonly [Protocol, string];
const now = (task: string): Ref => ["uwsgi", task];
const before = (task: string): Ref => [BEFORE_PROTOCOL, task];

// [scenario, what, numerator, denominator, goal, atLeast]: issue 12's codec rows.
const TARGETS: readonly (readonly [string, string, Ref, Ref, number, boolean])[] = [
  [
    "nginx-get",
    "encode from a plain object, latin1: faster than before",
    before(CODEC_TASKS.encodeObject),
    now(CODEC_TASKS.encodeObject),
    2,
    true,
  ],
  [
    "nginx-get",
    "encode from a plain object, utf8: faster than before",
    before(CODEC_TASKS.encodeUtf8),
    now(CODEC_TASKS.encodeUtf8),
    3,
    true,
  ],
  [
    "nginx-get",
    "decode + all strings: faster than before",
    before(TASKS.strings),
    now(TASKS.strings),
    4,
    true,
  ],
  [
    "nginx-get",
    "decode + toObject: faster than before",
    before(CODEC_TASKS.toObject),
    now(CODEC_TASKS.toObject),
    2,
    true,
  ],
  [
    "browser-get",
    "decode + all strings: faster than before",
    before(TASKS.strings),
    now(TASKS.strings),
    4,
    true,
  ],
  [
    "nginx-get",
    "decode + all strings, utf8: faster than before",
    before(CODEC_TASKS.stringsUtf8),
    now(CODEC_TASKS.stringsUtf8),
    3,
    true,
  ],
  [
    "nginx-get",
    "lazy decode over the bare length walk",
    now(TASKS.decode),
    ["limit", "length walk"],
    1.5,
    false,
  ],
  [
    "browser-get",
    "lazy decode over the bare length walk",
    now(TASKS.decode),
    ["limit", "length walk"],
    1.5,
    false,
  ],
  [
    "large-60k",
    "streamed in 16 KiB reads, gatherBuffer (memory reused), over copy + decode",
    now(STREAM_REUSED),
    now(CODEC_TASKS.copyDecode),
    2,
    false,
  ],
  [
    "large-60k",
    "streamed in 16 KiB reads, new memory per packet (the default), over copy + decode",
    now(TASKS.stream16k),
    now(CODEC_TASKS.copyDecode),
    2,
    false,
  ],
];

/** Issue 12's codec targets, from the rows of one run (those whose rows were run). */
export function targets(rows: readonly Row[]): Target[] {
  const out: Target[] = [];
  for (const [scenario, what, [p1, t1], [p2, t2], goal, atLeast] of TARGETS) {
    const of = p50(rows, scenario, p1, t1);
    const to = p50(rows, scenario, p2, t2);
    if (Number.isNaN(of) || Number.isNaN(to)) continue;
    const ratio = of / to;
    out.push({
      scenario,
      what,
      of,
      to,
      ratio,
      goal,
      atLeast,
      met: atLeast ? ratio >= goal : ratio <= goal,
    });
  }
  return out;
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

function p50(rows: readonly Row[], scenario: string, protocol: Protocol, task: string): number {
  return (
    rows.find((r) => r.scenario === scenario && r.protocol === protocol && r.task === task)
      ?.p50Ns ?? Number.NaN
  );
}

/** The fastest npm peer on the task comparable to ours (decode rows are eager in every npm codec). */
function npmBest(rows: readonly Row[], scenario: string, task: string): [number, string] {
  const candidates: [Protocol, string][] =
    task === TASKS.encode
      ? [["fastcgi-stream", TASKS.encode]]
      : task === TASKS.decode || task === TASKS.strings
        ? [
            ["fastcgi-stream", "decode (eager strings)"],
            ["fastcgi-client", "decode params only (eager)"],
          ]
        : task === TASKS.stream1460 || task === TASKS.stream16k
          ? [["fastcgi-stream", task]]
          : [];
  let best: [number, string] = [Number.NaN, "-"];
  for (const [protocol, t] of candidates) {
    const v = p50(rows, scenario, protocol, t);
    if (!(v >= best[0])) best = [v, `${protocol} ${t}`];
  }
  return best;
}

/** uwsgi against FastCGI, SCGI and the fastest npm codec, per scenario and task, from one run. */
export function ratios(rows: readonly Row[]): Ratio[] {
  const out: Ratio[] = [];
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    for (const task of Object.values(TASKS)) {
      const ours = p50(rows, scenario, "uwsgi", task);
      if (Number.isNaN(ours)) continue;
      const [npm, npmPeer] = npmBest(rows, scenario, task);
      out.push({
        scenario,
        task,
        vsFastcgi: p50(rows, scenario, "fastcgi", task) / ours,
        vsScgi: p50(rows, scenario, "scgi", task) / ours,
        vsNpm: npm / ours,
        npmPeer,
      });
    }
  }
  return out;
}

/** The goals: decode >= 2x our FastCGI and >= 5x the fastest npm parser; encode >= 1.5x. */
export function goals(all: readonly Ratio[]): Goal[] {
  const out: Goal[] = [];
  for (const r of all) {
    const add = (goal: string, target: number, actual: number) =>
      out.push({ scenario: r.scenario, goal, target, actual, met: actual >= target });
    if (r.task === TASKS.decode) {
      add("decode vs our FastCGI", 2, r.vsFastcgi);
      add("decode vs fastest npm FastCGI", 5, r.vsNpm);
    } else if (r.task === TASKS.encode) {
      add("encode vs our FastCGI", 1.5, r.vsFastcgi);
    }
  }
  return out;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : "-";
const times = (n: number) => (Number.isFinite(n) ? `${fmt(n, n >= 10 ? 0 : 1)}×` : "-");
const duration = (ns: number) =>
  ns >= 1e6 ? `${fmt(ns / 1e6, 2)} ms` : ns >= 10_000 ? `${fmt(ns / 1000, 1)} µs` : `${fmt(ns)} ns`;

/** The npm peers' rows that stand beside one of our tasks (their decoders are always eager). */
const PEER_TASK: Record<string, [string, string]> = {
  [TASKS.encode]: [TASKS.encode, "encode params only"],
  [TASKS.decode]: ["decode (eager strings)", "decode params only (eager)"],
  [TASKS.strings]: ["decode (eager strings)", "decode params only (eager)"],
  [TASKS.stream1460]: [TASKS.stream1460, "-"],
  [TASKS.stream16k]: [TASKS.stream16k, "-"],
};

/** One line per scenario and task, one column per protocol: p50 per request. */
export function matrix(rows: readonly Row[]): string {
  const lines = [
    "| scenario | task | uwsgi | FastCGI | SCGI | fastcgi-stream | fastcgi-client |",
    "|---|---|---:|---:|---:|---:|---:|",
  ];
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    for (const task of Object.values(TASKS)) {
      const [stream, client] = PEER_TASK[task]!;
      const cell = (protocol: Protocol, t: string) => {
        const v = p50(rows, scenario, protocol, t);
        return Number.isNaN(v) ? "-" : duration(v);
      };
      lines.push(
        `| ${scenario} | ${task} | ${cell("uwsgi", task)} | ${cell("fastcgi", task)} | ${cell("scgi", task)} | ${cell("fastcgi-stream", stream)} | ${cell("fastcgi-client", client)} |`,
      );
    }
  }
  return lines.join("\n");
}

/** Markdown tables (they read well in a terminal and paste into the README). */
export function report(rows: readonly Row[]): string {
  const m = machine();
  const lines = [
    `Node ${m.node}, ${m.cpu} (${m.cores} cores), ${m.platform}; p50 per operation`,
    "",
    "| scenario | protocol | task | wire bytes | p50 | ops/s | MB/s |",
    "|---|---|---|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.scenario} | ${r.protocol} | ${r.task} | ${r.bytes} | ${duration(r.p50Ns)} | ${fmt(r.opsPerSec)} | ${fmt(r.mbPerSec)} |`,
    );
  }
  lines.push(
    "",
    "p50 per request, side by side (npm peers: their comparable task, always eager; fastcgi-client's covers the params only):",
    "",
    matrix(rows),
  );
  lines.push(
    "",
    "Bytes on the wire for the same request (vars or params and framing, body included):",
    "",
    "| scenario | uwsgi | FastCGI | SCGI |",
    "|---|---:|---:|---:|",
  );
  for (const scenario of [...new Set(rows.map((r) => r.scenario))]) {
    const size = (protocol: Protocol) =>
      rows.find(
        (r) => r.scenario === scenario && r.protocol === protocol && r.task === TASKS.decode,
      )?.bytes ?? Number.NaN;
    lines.push(
      `| ${scenario} | ${fmt(size("uwsgi"))} | ${fmt(size("fastcgi"))} | ${fmt(size("scgi"))} |`,
    );
  }
  const all = ratios(rows);
  lines.push(
    "",
    "How many times faster uwsgi is, same run (their p50 / ours; below 1× the other side wins):",
    "",
    "| scenario | task | vs FastCGI | vs SCGI | vs fastest npm | npm peer |",
    "|---|---|---:|---:|---:|---|",
  );
  for (const r of all) {
    lines.push(
      `| ${r.scenario} | ${r.task} | ${times(r.vsFastcgi)} | ${times(r.vsScgi)} | ${times(r.vsNpm)} | ${r.npmPeer} |`,
    );
  }
  const hit = targets(rows);
  if (hit.length > 0) {
    lines.push(
      "",
      "Issue 12's codec targets, same run (`uwsgi before` is the codec at ff4f8d1, bench/baseline-v0/):",
      "",
      "| scenario | target | p50 | over p50 | ratio | goal | |",
      "|---|---|---:|---:|---:|---:|---|",
    );
    for (const g of hit) {
      const goal = `${g.atLeast ? "≥" : "≤"} ${times(g.goal)}`;
      lines.push(
        `| ${g.scenario} | ${g.what} | ${duration(g.of)} | ${duration(g.to)} | ${times(g.ratio)} | ${goal} | ${g.met ? "met" : "missed"} |`,
      );
    }
    const floor = rows.filter((r) => r.protocol === "limit" && r.task === LATIN1_WRITE);
    for (const f of floor) {
      const enc = p50(rows, f.scenario, "uwsgi", CODEC_TASKS.encodeObject);
      if (Number.isNaN(enc)) continue;
      lines.push(
        `| ${f.scenario} | (floor) encode from a plain object over one latin1Write of the packet's length | ${duration(enc)} | ${duration(f.p50Ns)} | ${times(enc / f.p50Ns)} | - | |`,
      );
    }
  }
  lines.push("", "| scenario | goal | target | this run | |", "|---|---|---:|---:|---|");
  for (const g of goals(all)) {
    const verdict = g.met ? "met" : `missed by ${fmt((1 - g.actual / g.target) * 100)}%`;
    lines.push(
      `| ${g.scenario} | ${g.goal} | ${times(g.target)} | ${times(g.actual)} | ${verdict} |`,
    );
  }
  return lines.join("\n");
}
