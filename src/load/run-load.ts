import { Worker } from "node:worker_threads";
import { type EnginePlan, type EngineResult, runEngine } from "./engine.js";
import { decodeHistogram, encodeHistogram } from "./histogram.js";
import { type LoadOptions, type ResolvedLoad, resolveLoadOptions } from "./options.js";
import { type LoadResult, mergeEngineResults, toLoadResult } from "./result.js";
import { encodeWire } from "./wire.js";

const PROGRESS_MS = 200;

/** An engine result as a worker posts it: histograms encoded. */
export interface PostedResult extends Omit<EngineResult, "histogram" | "uncorrected"> {
  readonly histogram: string;
  readonly uncorrected: string | null;
}

/** A worker's messages to the main thread. */
export type WorkerMessage =
  | {
      readonly type: "progress";
      readonly sent: number;
      readonly completed: number;
      readonly failed: number;
    }
  | { readonly type: "done"; readonly result: PostedResult };

/** @internal An engine result ready to post. */
export function postable(r: EngineResult): PostedResult {
  return {
    ...r,
    histogram: encodeHistogram(r.histogram),
    uncorrected: r.uncorrected === null ? null : encodeHistogram(r.uncorrected),
  };
}

function unposted(r: PostedResult): EngineResult {
  return {
    ...r,
    histogram: decodeHistogram(r.histogram),
    uncorrected: r.uncorrected === null ? null : decodeHistogram(r.uncorrected),
  };
}

function failedOf(r: { readonly errors: Readonly<Record<string, number>> }): number {
  let n = 0;
  for (const v of Object.values(r.errors)) n += v;
  return n;
}

/** Shares `total` out as evenly as whole numbers allow. */
function share(total: number, parts: number, i: number): number {
  return Math.floor(total / parts) + (i < total % parts ? 1 : 0);
}

/**
 * Runs a load test and resolves with its {@link LoadResult}: `connections` connections send the
 * same request (encoded once for the URL's protocol) for `duration` ms or `requests` requests,
 * as fast as answers come or at a constant `rate` with wrk2's coordinated-omission correction,
 * and every answer's latency goes into an HdrHistogram. With `threads` > 1, worker threads each
 * run a share of the connections (and of the rate and count); their histograms are added.
 *
 * Rejects only with Node's argument errors (a wrong option, a URL it cannot use) or a
 * `UwsgiError`/`FastcgiError`/`ScgiError` for a request it cannot encode; failed requests are
 * counted in `errors`, by kind.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return runLoadOn(options, false);
}

/**
 * @internal runLoad, with the engines in worker threads even for one thread (`workers`), so that
 * this thread stays free for a server it runs itself (the ceiling's trivial server).
 */
export async function runLoadOn(options: LoadOptions, workers: boolean): Promise<LoadResult> {
  const o = resolveLoadOptions(options);
  const wire = encodeWire(o.target, o.spec, {
    vars: o.vars,
    modifier1: o.modifier1,
    modifier2: o.modifier2,
    keepConn: o.keepConn,
  });
  const startedAt = new Date();
  const plans: EnginePlan[] = [];
  for (let i = 0; i < o.threads; i++) {
    plans.push({
      target: o.target,
      wire,
      connections: share(o.connections, o.threads, i),
      rate: o.rate > 0 ? (o.rate * share(o.connections, o.threads, i)) / o.connections : 0,
      requests: o.requests > 0 ? share(o.requests, o.threads, i) : 0,
      durationMs: o.durationMs,
      timeoutMs: o.timeoutMs,
      keepConn: o.keepConn,
      keepAlive: o.keepAlive,
    });
  }
  const merged =
    o.threads === 1 && !workers ? await runHere(plans[0]!, o) : await runThreads(plans, o);
  return toLoadResult(
    {
      label: o.label,
      url: o.target.url,
      scheme: o.target.scheme,
      method: o.spec.method,
      target: o.spec.target,
      bodyBytes: o.spec.body.length,
      wireBytes: wire.byteLength,
      connections: o.connections,
      threads: o.threads,
      durationMs: o.durationMs > 0 ? o.durationMs : null,
      requests: o.requests > 0 ? o.requests : null,
      rate: o.rate > 0 ? o.rate : null,
      timeoutMs: o.timeoutMs,
      startedAt,
    },
    merged,
  );
}

async function runHere(plan: EnginePlan, o: ResolvedLoad): Promise<EngineResult> {
  const engine = runEngine(plan);
  const started = performance.now();
  const onAbort = () => engine.stop();
  if (o.signal?.aborted) engine.stop();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    o.onProgress === undefined
      ? undefined
      : setInterval(() => {
          const r = engine.result;
          o.onProgress!({
            sent: r.sent,
            completed: r.completed,
            failed: failedOf(r),
            elapsedMs: performance.now() - started,
          });
        }, PROGRESS_MS);
  try {
    return await engine.done;
  } finally {
    clearInterval(timer);
    o.signal?.removeEventListener("abort", onAbort);
  }
}

async function runThreads(plans: readonly EnginePlan[], o: ResolvedLoad): Promise<EngineResult> {
  const url = new URL("./worker.js", import.meta.url);
  const started = performance.now();
  const live = plans.map(() => ({ sent: 0, completed: 0, failed: 0 }));
  const workers = plans.map((plan) => new Worker(url, { workerData: plan }));
  const onAbort = () => {
    for (const w of workers) w.postMessage("stop");
  };
  if (o.signal?.aborted) onAbort();
  o.signal?.addEventListener("abort", onAbort, { once: true });
  const timer =
    o.onProgress === undefined
      ? undefined
      : setInterval(() => {
          let sent = 0;
          let completed = 0;
          let failed = 0;
          for (const l of live) {
            sent += l.sent;
            completed += l.completed;
            failed += l.failed;
          }
          o.onProgress!({ sent, completed, failed, elapsedMs: performance.now() - started });
        }, PROGRESS_MS);
  try {
    const results = await Promise.all(
      workers.map(
        (worker, i) =>
          new Promise<EngineResult>((resolve, reject) => {
            let result: EngineResult | undefined;
            worker.on("message", (m: WorkerMessage) => {
              if (m.type === "progress") live[i] = m;
              else {
                result = unposted(m.result);
                resolve(result);
              }
            });
            worker.once("error", reject);
            worker.once("exit", (code) => {
              if (result !== undefined) resolve(result);
              else reject(new Error(`load worker ${i} exited (${code}) without a result`));
            });
          }),
      ),
    );
    return mergeEngineResults(results);
  } finally {
    clearInterval(timer);
    o.signal?.removeEventListener("abort", onAbort);
    for (const w of workers) void w.terminate();
  }
}
