import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from "hdr-histogram-js";

// Latencies are recorded in whole microseconds in an HdrHistogram (hdr-histogram-js, the
// JavaScript port wrk2 and autocannon's authors rely on): 3 significant digits at any magnitude,
// constant memory, and a compressed encoding that lets worker threads hand their histograms to the
// main thread to be added exactly, not averaged.

/** Longest latency recorded as itself (10 minutes); longer ones are recorded as this. */
const MAX_LATENCY_US = 600_000_000;

/** The percentiles every report gives. */
export const PERCENTILES: readonly number[] = Object.freeze([50, 75, 90, 99, 99.9, 99.99, 99.999]);

/** A new, empty latency histogram (microseconds). */
export function newHistogram(): Histogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_LATENCY_US,
    numberOfSignificantValueDigits: 3,
    autoResize: false,
  });
}

/** Records `us` microseconds (clamped to 1..MAX_LATENCY_US). */
export function record(h: Histogram, us: number): void {
  h.recordValue(us < 1 ? 1 : us > MAX_LATENCY_US ? MAX_LATENCY_US : Math.round(us));
}

/** The histogram as compressed base64 (HdrHistogram's standard encoding). */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** A histogram back from {@link encodeHistogram}. */
export function decodeHistogram(base64: string): Histogram {
  return decodeFromCompressedBase64(base64);
}

/** Latency figures in milliseconds, as the reports give them. */
export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly stdev: number;
  readonly max: number;
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p99: number;
  readonly "p99.9": number;
  readonly "p99.99": number;
  readonly "p99.999": number;
}

const ms = (us: number) => Math.round(us) / 1000;

/** The summary of a histogram (all zero when it is empty). */
export function summarize(h: Histogram): LatencySummary {
  const empty = h.totalCount === 0;
  const at = (p: number) => (empty ? 0 : ms(h.getValueAtPercentile(p)));
  return {
    min: empty ? 0 : ms(h.minNonZeroValue),
    mean: empty ? 0 : Math.round(h.mean) / 1000,
    stdev: empty ? 0 : Math.round(h.stdDeviation) / 1000,
    max: empty ? 0 : ms(h.maxValue),
    p50: at(50),
    p75: at(75),
    p90: at(90),
    p99: at(99),
    "p99.9": at(99.9),
    "p99.99": at(99.99),
    "p99.999": at(99.999),
  };
}

/**
 * The percentile distribution for a plot: (percentile, milliseconds) points at ticks that get
 * denser towards 100% (HdrHistogram's own layout: 5 ticks per halving of the distance to 100%).
 */
export function percentileCurve(h: Histogram): { percentile: number; ms: number }[] {
  const out: { percentile: number; ms: number }[] = [];
  if (h.totalCount === 0) return out;
  // Percentiles past 1 - 1/count say nothing more: the last point is the maximum.
  const last = 100 * (1 - 1 / h.totalCount);
  for (let half = 1; half <= 2 ** 20; half *= 2) {
    for (let k = 0; k < 5; k++) {
      const p = 100 - 100 / half + (100 / half / 2) * (k / 5);
      if (p > last) {
        out.push({ percentile: last, ms: ms(h.maxValue) });
        return out;
      }
      out.push({ percentile: p, ms: ms(h.getValueAtPercentile(p)) });
    }
  }
  return out;
}
