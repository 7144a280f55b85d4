// Latency percentiles in fixed memory: a log-linear histogram (as HdrHistogram does, coarser).
// Each power of two of microseconds is split into 16 linear buckets, so a percentile is exact to
// within 1/16 (6%) of its value, from 1 us to about 70 minutes, in 2 KiB per node.

const SUB = 16;
const SUB_BITS = 4;
const EXPONENTS = 33;

/** Percentiles of a node's request durations, in milliseconds. */
export interface LatencySnapshot {
  /** Requests measured. */
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** A latency histogram: `record` is a few integer operations, `snapshot` walks 528 buckets. */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(EXPONENTS * SUB);
  #count = 0;
  #max = 0;

  /** Records one duration in milliseconds (fractions kept to the microsecond). */
  record(ms: number): void {
    let us = Math.round(ms * 1000);
    if (!(us > 0)) us = 0;
    if (us > 0xffffffff) us = 0xffffffff;
    this.#counts[bucketOf(us)]!++;
    this.#count++;
    if (us > this.#max) this.#max = us;
  }

  /** Percentiles so far (0 for each when nothing was recorded). */
  snapshot(): LatencySnapshot {
    return {
      count: this.#count,
      p50: this.#percentile(0.5),
      p90: this.#percentile(0.9),
      p99: this.#percentile(0.99),
      max: this.#max / 1000,
    };
  }

  #percentile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil(q * this.#count);
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return Math.min(upperBound(i), this.#max) / 1000;
    }
    return this.#max / 1000;
  }
}

/** Bucket of a duration in microseconds. */
function bucketOf(us: number): number {
  if (us < SUB) return us;
  const exponent = 31 - Math.clz32(us);
  const sub = (us >>> (exponent - SUB_BITS)) & (SUB - 1);
  return (exponent - SUB_BITS + 1) * SUB + sub;
}

/** The largest duration (us) that falls in bucket `i`. */
function upperBound(i: number): number {
  if (i < SUB) return i;
  const exponent = Math.floor(i / SUB) + SUB_BITS - 1;
  const sub = i % SUB;
  return (SUB + sub + 1) * 2 ** (exponent - SUB_BITS) - 1;
}
