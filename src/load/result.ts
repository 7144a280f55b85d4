import type { Histogram } from "hdr-histogram-js";
import { type EngineResult, ERROR_KINDS, type ErrorKind } from "./engine.js";
import {
  decodeHistogram,
  encodeHistogram,
  type LatencySummary,
  newHistogram,
  summarize,
} from "./histogram.js";

/** The `schema` field of every {@link LoadResult}: bumped when a field changes meaning. */
export const LOAD_RESULT_SCHEMA = "uwsgi-codec/load-result@1";

/**
 * What one load run measured: the JSON `uwsgi-codec load --json` prints (one object per target,
 * one per line) and `runLoad()` resolves with. Documented field by field in docs/load-json.md.
 */
export interface LoadResult {
  readonly schema: typeof LOAD_RESULT_SCHEMA;
  /** A name for the run (the URL, unless `label` was given). */
  readonly label: string;
  readonly url: string;
  readonly scheme: string;
  readonly request: {
    readonly method: string;
    readonly target: string;
    readonly bodyBytes: number;
    /** Bytes one request takes on the wire (framing, vars or headers, and body). */
    readonly wireBytes: number;
  };
  readonly options: {
    readonly connections: number;
    readonly threads: number;
    /** Milliseconds requests were sent for (null: a request count ended the run). */
    readonly durationMs: number | null;
    /** The request count asked for (null: the duration ended the run). */
    readonly requests: number | null;
    /** Requests per second asked for (null: as fast as possible, no correction needed). */
    readonly rate: number | null;
    readonly timeoutMs: number;
  };
  /** ISO 8601 time of the start. */
  readonly startedAt: string;
  /** Milliseconds from the first request to the last answer. */
  readonly elapsedMs: number;
  readonly requests: {
    readonly sent: number;
    readonly completed: number;
    /** Sum of `errors`. */
    readonly failed: number;
    /** Completed requests whose status was not 2xx or 3xx. */
    readonly non2xx: number;
  };
  readonly throughput: {
    /** Completed requests per second of `elapsedMs`. */
    readonly requestsPerSecond: number;
    readonly bytesReadPerSecond: number;
    readonly bytesWrittenPerSecond: number;
  };
  /**
   * Latency of completed requests, in milliseconds. With a rate, measured from when each request
   * was due (coordinated omission corrected, as wrk2); without, from when it was sent.
   */
  readonly latencyMs: LatencySummary;
  /** With a rate: latency from the actual send, as a tool without the correction reports it. */
  readonly uncorrectedLatencyMs: LatencySummary | null;
  /** Completed requests by status code. */
  readonly statuses: Readonly<Record<string, number>>;
  /** Failed requests by kind (see `ErrorKind`). */
  readonly errors: Readonly<Record<ErrorKind, number>>;
  /** The generator itself: how busy its threads were, and what that makes its ceiling. */
  readonly generator: {
    /** Share of the run its event loops were busy (0-1, mean over threads). */
    readonly busy: number;
    /**
     * Requests per second it could send with its threads fully busy: requestsPerSecond / busy
     * (null when nothing completed). A run whose requestsPerSecond is near this measured the
     * generator, not the server.
     */
    readonly ceilingRequestsPerSecond: number | null;
  };
  /** The latency histogram (µs), HdrHistogram's compressed base64 encoding: merge or replot it. */
  readonly histogram: string;
  /** The uncorrected histogram, with a rate; else null. */
  readonly uncorrectedHistogram: string | null;
}

/** How a run was set up, for its result. */
export interface RunInfo {
  readonly label: string;
  readonly url: string;
  readonly scheme: string;
  readonly method: string;
  readonly target: string;
  readonly bodyBytes: number;
  readonly wireBytes: number;
  readonly connections: number;
  readonly threads: number;
  readonly durationMs: number | null;
  readonly requests: number | null;
  readonly rate: number | null;
  readonly timeoutMs: number;
  readonly startedAt: Date;
}

/** Adds up the results of several engines (threads): counters summed, histograms added. */
export function mergeEngineResults(parts: readonly EngineResult[]): EngineResult {
  const out: EngineResult = {
    sent: 0,
    completed: 0,
    errors: { connect: 0, timeout: 0, reset: 0, closed: 0, malformed: 0, socket: 0 },
    statuses: {},
    bytesRead: 0,
    bytesWritten: 0,
    elapsedMs: 0,
    histogram: newHistogram(),
    uncorrected: parts.some((p) => p.uncorrected !== null) ? newHistogram() : null,
    busy: 0,
  };
  for (const p of parts) {
    out.sent += p.sent;
    out.completed += p.completed;
    for (const k of ERROR_KINDS) out.errors[k] += p.errors[k];
    for (const [s, n] of Object.entries(p.statuses)) out.statuses[s] = (out.statuses[s] ?? 0) + n;
    out.bytesRead += p.bytesRead;
    out.bytesWritten += p.bytesWritten;
    out.elapsedMs = Math.max(out.elapsedMs, p.elapsedMs);
    out.histogram.add(p.histogram);
    if (p.uncorrected !== null) out.uncorrected!.add(p.uncorrected);
    out.busy += p.busy / parts.length;
  }
  return out;
}

const perSecond = (n: number, ms: number) => (ms > 0 ? Math.round((n / ms) * 1000 * 100) / 100 : 0);

/** The JSON result of a run. */
export function toLoadResult(info: RunInfo, r: EngineResult): LoadResult {
  let failed = 0;
  for (const k of ERROR_KINDS) failed += r.errors[k];
  let non2xx = 0;
  for (const [s, n] of Object.entries(r.statuses)) {
    if (!(s >= "200" && s < "400")) non2xx += n;
  }
  const uncorrected: Histogram | null = r.uncorrected;
  return {
    schema: LOAD_RESULT_SCHEMA,
    label: info.label,
    url: info.url,
    scheme: info.scheme,
    request: {
      method: info.method,
      target: info.target,
      bodyBytes: info.bodyBytes,
      wireBytes: info.wireBytes,
    },
    options: {
      connections: info.connections,
      threads: info.threads,
      durationMs: info.durationMs,
      requests: info.requests,
      rate: info.rate,
      timeoutMs: info.timeoutMs,
    },
    startedAt: info.startedAt.toISOString(),
    elapsedMs: Math.round(r.elapsedMs * 1000) / 1000,
    requests: { sent: r.sent, completed: r.completed, failed, non2xx },
    throughput: {
      requestsPerSecond: perSecond(r.completed, r.elapsedMs),
      bytesReadPerSecond: perSecond(r.bytesRead, r.elapsedMs),
      bytesWrittenPerSecond: perSecond(r.bytesWritten, r.elapsedMs),
    },
    latencyMs: summarize(r.histogram),
    uncorrectedLatencyMs: uncorrected === null ? null : summarize(uncorrected),
    statuses: { ...r.statuses },
    errors: { ...r.errors },
    generator: {
      busy: Math.round(r.busy * 1000) / 1000,
      ceilingRequestsPerSecond:
        r.completed > 0 && r.busy > 0
          ? Math.round(perSecond(r.completed, r.elapsedMs) / r.busy)
          : null,
    },
    histogram: encodeHistogram(r.histogram),
    uncorrectedHistogram: uncorrected === null ? null : encodeHistogram(uncorrected),
  };
}

/**
 * Several runs of the same request as one (rounds of a benchmark): counters and elapsed times
 * summed, histograms added exactly, throughput over the summed time. The options and request
 * are the first run's; `label` names the sum.
 */
export function mergeLoadResults(results: readonly LoadResult[], label: string): LoadResult {
  const first = results[0];
  if (first === undefined) throw new RangeError("mergeLoadResults needs at least one result");
  const parts: EngineResult[] = results.map((r) => ({
    sent: r.requests.sent,
    completed: r.requests.completed,
    errors: { ...r.errors },
    statuses: { ...r.statuses },
    bytesRead: (r.throughput.bytesReadPerSecond * r.elapsedMs) / 1000,
    bytesWritten: (r.throughput.bytesWrittenPerSecond * r.elapsedMs) / 1000,
    elapsedMs: r.elapsedMs,
    histogram: decodeHistogram(r.histogram),
    uncorrected: r.uncorrectedHistogram === null ? null : decodeHistogram(r.uncorrectedHistogram),
    busy: r.generator.busy,
  }));
  const merged = mergeEngineResults(parts);
  // Busy is a share of time: weigh each run by its length.
  const total = results.reduce((n, r) => n + r.elapsedMs, 0);
  merged.busy =
    total > 0 ? results.reduce((n, r) => n + r.generator.busy * r.elapsedMs, 0) / total : 0;
  merged.elapsedMs = results.reduce((n, r) => n + r.elapsedMs, 0);
  return toLoadResult(
    {
      label,
      url: first.url,
      scheme: first.scheme,
      method: first.request.method,
      target: first.request.target,
      bodyBytes: first.request.bodyBytes,
      wireBytes: first.request.wireBytes,
      connections: first.options.connections,
      threads: first.options.threads,
      durationMs: first.options.durationMs,
      requests: first.options.requests,
      rate: first.options.rate,
      timeoutMs: first.options.timeoutMs,
      startedAt: new Date(first.startedAt),
    },
    merged,
  );
}
