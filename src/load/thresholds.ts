import { invalidArgValue } from "../codec/arguments.js";
import type { LoadResult } from "./result.js";

/** A pass/fail rule on a result, as k6's thresholds: `p99>50ms`, `errors>0`, `rps<1000`. */
export interface Threshold {
  /** The rule as written. */
  readonly expression: string;
  readonly metric: string;
  readonly op: ">" | ">=" | "<" | "<=";
  /** In the metric's unit: milliseconds for latencies, a count or a rate otherwise. */
  readonly value: number;
}

/** What a threshold found in a result. */
export interface ThresholdOutcome {
  readonly expression: string;
  /** The metric's value in the result. */
  readonly actual: number;
  /** True when the rule holds, i.e. the run FAILS this threshold (`--fail-if`). */
  readonly failed: boolean;
}

const LATENCY = ["min", "mean", "max", "p50", "p75", "p90", "p99", "p99.9", "p99.99", "p99.999"];
const COUNTS = ["errors", "non2xx", "rps", "completed", "error-rate"];
const UNITS: Readonly<Record<string, number>> = { us: 0.001, µs: 0.001, ms: 1, s: 1000 };

/**
 * Parses a `--fail-if` rule: a metric, an operator (`>`, `>=`, `<`, `<=`) and a number. Latency
 * metrics (`p50` ... `p99.999`, `min`, `mean`, `max`) take a unit `us`, `ms` (the default) or
 * `s`; the others are `errors`, `non2xx`, `completed` (counts), `rps` (requests per second) and
 * `error-rate` (failed requests, percent of those sent). Throws ERR_INVALID_ARG_VALUE.
 */
export function parseThreshold(expression: string): Threshold {
  const m = /^\s*([a-z0-9.-]+)\s*(>=|<=|>|<)\s*([0-9]*\.?[0-9]+)\s*(us|µs|ms|s|%)?\s*$/i.exec(
    expression,
  );
  const refuse = (why: string) => invalidArgValue("threshold", expression, why);
  if (m === null) throw refuse("must be METRIC OP NUMBER[UNIT], e.g. p99>50ms or errors>0");
  const metric = m[1]!.toLowerCase();
  const unit = m[4]?.toLowerCase();
  let value = Number(m[3]);
  if (LATENCY.includes(metric)) {
    if (unit === "%") throw refuse(`${metric} is a latency: use us, ms or s`);
    value *= UNITS[unit ?? "ms"]!;
  } else if (COUNTS.includes(metric)) {
    if (unit !== undefined && !(unit === "%" && metric === "error-rate")) {
      throw refuse(`${metric} takes no unit`);
    }
  } else {
    throw refuse(`names no metric: use ${[...LATENCY, ...COUNTS].join(", ")}`);
  }
  return { expression: expression.trim(), metric, op: m[2] as Threshold["op"], value };
}

/** The value of `metric` in `result`. */
function metricOf(result: LoadResult, metric: string): number {
  switch (metric) {
    case "errors":
      return result.requests.failed;
    case "non2xx":
      return result.requests.non2xx;
    case "completed":
      return result.requests.completed;
    case "rps":
      return result.throughput.requestsPerSecond;
    case "error-rate":
      return result.requests.sent === 0 ? 0 : (100 * result.requests.failed) / result.requests.sent;
    default:
      return result.latencyMs[metric as keyof LoadResult["latencyMs"]];
  }
}

/** Checks thresholds against a result. */
export function checkThresholds(
  result: LoadResult,
  thresholds: readonly Threshold[],
): ThresholdOutcome[] {
  return thresholds.map((t) => {
    const actual = metricOf(result, t.metric);
    const failed =
      t.op === ">"
        ? actual > t.value
        : t.op === ">="
          ? actual >= t.value
          : t.op === "<"
            ? actual < t.value
            : actual <= t.value;
    return { expression: t.expression, actual, failed };
  });
}
