import { readFileSync, writeFileSync } from "node:fs";
import { measureCeiling } from "../../load/ceiling.js";
import { ERROR_KINDS } from "../../load/engine.js";
import type { LoadOptions } from "../../load/options.js";
import { plotLatency } from "../../load/plot.js";
import { LOAD_RESULT_SCHEMA, type LoadResult } from "../../load/result.js";
import { runLoad } from "../../load/run-load.js";
import { parseTarget, type Scheme } from "../../load/target.js";
import { checkThresholds, parseThreshold, type Threshold } from "../../load/thresholds.js";
import { parseStrict, UsageError } from "../args.js";
import { type CliCommand, type CliIo, write } from "../io.js";
import { headerOf, integerOf, millisOf, varEditsOf } from "./common.js";

/** Exit codes of `uwsgi-codec load`. */
const LoadExit = {
  OK: 0,
  /** A --fail-if threshold held. */
  THRESHOLD: 1,
  USAGE: 2,
  /** No request completed in a run (nothing listens, or every request failed). */
  NO_ANSWER: 3,
  /** The --plot file (or a --from file) could not be written (read). */
  OUTPUT: 4,
} as const;

const HELP = `Usage: uwsgi-codec load URL [URL...] [options]
       uwsgi-codec load --plot FILE.svg --from RUN.json [--from RUN.json...]
       uwsgi-codec load --ceiling [SCHEME...]

A load generator for uwsgi://, fastcgi://, scgi:// and http:// servers (wrk2 and autocannon
speak only HTTP). The same request (method, path, headers, body) goes to each URL in its
protocol: the three CGI protocols carry the vars nginx's uwsgi_params sends, so they carry the
same request. uwsgi, FastCGI and SCGI open a connection per request (as nginx does); http keeps
connections alive. Latency goes into an HdrHistogram; with --rate it counts from when each request
was due (wrk2's coordinated-omission correction), and the uncorrected figures are shown beside.
Several URLs run one after the other.

Request:
  -X, --method METHOD     default GET (POST with a body)
  -H, --header "N: V"     a request header (repeatable)
      --body-file FILE    the body, from a file
      --data TEXT         the body, as text
      --var NAME=VALUE    set a CGI var (--var NAME removes it) for uwsgi/fastcgi/scgi
      --modifier1 N, --modifier2 N   uwsgi header bytes (default 0)
      --keep-conn         FastCGI: ask to keep the connection (php-fpm does; uWSGI closes)
      --no-keepalive      HTTP: a connection per request (as nginx's default proxy_pass)
      --unix-socket PATH  connect to this unix socket

Load:
  -c, --connections N     concurrent connections (default 10)
  -d, --duration T        how long to send (default 10s; 500ms, 2m...)
  -n, --requests N        how many requests to send (instead of a duration)
  -R, --rate N            requests per second over all connections, corrected as wrk2 does
  -t, --threads N         worker threads sharing the connections (default 1; more cores)
      --timeout T         a request slower than this fails as a timeout (default 10s)
      --label NAME        the run's name in reports and plots (default: the URL)

Output:
      --json              one JSON result per run, one per line (schema ${LOAD_RESULT_SCHEMA},
                          docs/load-json.md)
      --fail-if RULE      exit 1 when RULE holds for a run: p99>50ms, p99.9>=1s, errors>0,
                          non2xx>0, rps<1000, error-rate>1 (repeatable)
      --plot FILE.svg     draw the latency percentile distribution of the runs (needs the
                          optional packages vega and vega-lite)
      --from RUN.json     add a saved --json result to the plot (repeatable)
      --uncorrected       plot the uncorrected curves too (dashed)
      --ceiling           measure this generator's own ceiling per scheme against a trivial
                          in-process server (the URLs' schemes, or those named, or all)
  -q, --quiet             no live progress (shown on stderr when it is a terminal)
  -h, --help              this text

Exit codes:
  0  done, every --fail-if rule passed
  1  a --fail-if rule held
  2  usage error
  3  a run completed no request (nothing listens there, or every request failed)
  4  the --plot file could not be written, or a --from file read
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  method: { type: "string", short: "X" },
  header: { type: "string", short: "H", multiple: true },
  "body-file": { type: "string" },
  data: { type: "string" },
  var: { type: "string", multiple: true },
  modifier1: { type: "string" },
  modifier2: { type: "string" },
  "keep-conn": { type: "boolean" },
  "no-keepalive": { type: "boolean" },
  "unix-socket": { type: "string" },
  connections: { type: "string", short: "c" },
  duration: { type: "string", short: "d" },
  requests: { type: "string", short: "n" },
  rate: { type: "string", short: "R" },
  threads: { type: "string", short: "t" },
  timeout: { type: "string" },
  label: { type: "string" },
  json: { type: "boolean" },
  "fail-if": { type: "string", multiple: true },
  plot: { type: "string" },
  from: { type: "string", multiple: true },
  uncorrected: { type: "boolean" },
  ceiling: { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
} as const;

const n0 = (x: number) => Math.round(x).toLocaleString("en-US");
const f = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** A run in words, as wrk prints it. */
function renderResult(r: LoadResult): string {
  const o = r.options;
  const how = o.rate === null ? "as fast as answers come" : `${o.rate} req/s`;
  const what = o.requests === null ? `${(o.durationMs ?? 0) / 1000} s` : `${o.requests} requests`;
  const errors = ERROR_KINDS.filter((k) => r.errors[k] > 0).map((k) => `${k} ${r.errors[k]}`);
  const l = r.latencyMs;
  const lat = (s: LoadResult["latencyMs"]) =>
    `p50 ${f(s.p50)}  p90 ${f(s.p90)}  p99 ${f(s.p99)}  p99.9 ${f(s["p99.9"])}  p99.99 ${f(s["p99.99"])}  max ${f(s.max)} ms`;
  const lines = [
    `${r.label}  ${r.request.method} ${r.request.target}  ${r.request.wireBytes} bytes a request`,
    `  ${o.connections} connection(s), ${o.threads} thread(s), ${what}, ${how}`,
    `  requests    ${n0(r.requests.completed)} completed, ${n0(r.requests.failed)} failed${errors.length > 0 ? ` (${errors.join(", ")})` : ""}, ${n0(r.requests.non2xx)} not 2xx/3xx, in ${(r.elapsedMs / 1000).toFixed(2)} s`,
    `  throughput  ${n0(r.throughput.requestsPerSecond)} req/s, ${(r.throughput.bytesReadPerSecond / 1048576).toFixed(2)} MiB/s in, ${(r.throughput.bytesWrittenPerSecond / 1048576).toFixed(2)} MiB/s out`,
    `  latency     min ${f(l.min)}  mean ${f(l.mean)}  ${lat(l)}${o.rate === null ? "" : "  (corrected)"}`,
  ];
  if (r.uncorrectedLatencyMs !== null)
    lines.push(`  uncorrected ${" ".repeat(14)}${lat(r.uncorrectedLatencyMs)}`);
  const g = r.generator;
  lines.push(
    `  generator   busy ${Math.round(g.busy * 100)}% of the time${g.ceilingRequestsPerSecond === null ? "" : `: it could send about ${n0(g.ceilingRequestsPerSecond)} req/s${g.busy > 0.9 ? " (it, not the server, was the bound)" : ""}`}`,
  );
  const statuses = Object.entries(r.statuses).map(([s, n]) => `${s}: ${n0(n)}`);
  if (statuses.length > 0) lines.push(`  statuses    ${statuses.join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/** Several runs side by side. */
function renderTable(results: readonly LoadResult[]): string {
  const rows = results.map((r) => [
    r.label,
    n0(r.throughput.requestsPerSecond),
    f(r.latencyMs.p50),
    f(r.latencyMs.p99),
    f(r.latencyMs["p99.9"]),
    n0(r.requests.failed),
  ]);
  const head = ["run", "req/s", "p50 ms", "p99 ms", "p99.9 ms", "errors"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return `${[line(head), ...rows.map(line)].join("\n")}\n`;
}

function readRun(file: string): LoadResult[] {
  const out: LoadResult[] = [];
  for (const line of readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const r = JSON.parse(line) as LoadResult;
    if (r.schema !== LOAD_RESULT_SCHEMA)
      throw new Error(`${file}: not a ${LOAD_RESULT_SCHEMA} result`);
    out.push(r);
  }
  return out;
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseStrict(argv, OPTIONS);
  if (v.help === true) {
    await write(io.stdout, HELP);
    return LoadExit.OK;
  }
  const thresholds: Threshold[] = [];
  for (const t of v["fail-if"] ?? []) {
    try {
      thresholds.push(parseThreshold(t));
    } catch (err) {
      throw new UsageError(`--fail-if ${t}: ${(err as Error).message}`);
    }
  }
  if (v.ceiling === true) return ceiling(positionals, v, io);
  if (v.from !== undefined && v.plot === undefined) throw new UsageError("--from goes with --plot");
  const saved: LoadResult[] = [];
  for (const file of v.from ?? []) {
    try {
      saved.push(...readRun(file));
    } catch (err) {
      await write(io.stderr, `uwsgi-codec load: --from ${file}: ${(err as Error).message}\n`);
      return LoadExit.OUTPUT;
    }
  }
  if (positionals.length === 0 && saved.length === 0)
    throw new UsageError("give a URL (or --from with --plot)");
  const targets = positionals.map((url) => {
    try {
      return parseTarget(url, v["unix-socket"]);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  });
  let body: Uint8Array | undefined;
  if (v["body-file"] !== undefined && v.data !== undefined)
    throw new UsageError("--body-file or --data, not both");
  if (v["body-file"] !== undefined) {
    try {
      body = readFileSync(v["body-file"]);
    } catch (err) {
      throw new UsageError(`--body-file: ${(err as Error).message}`);
    }
  } else if (v.data !== undefined) body = Buffer.from(v.data, "utf8");
  if (v.requests !== undefined && v.duration !== undefined)
    throw new UsageError("--duration or --requests, not both");
  const vars: Record<string, string | undefined> = {};
  for (const [k, val] of varEditsOf(v.var ?? [])) vars[k] = val;
  const base: Omit<LoadOptions, "url"> = {
    ...(v.method !== undefined ? { method: v.method } : {}),
    headers: (v.header ?? []).map(headerOf),
    ...(body !== undefined ? { body } : {}),
    vars,
    ...(v.modifier1 !== undefined
      ? { modifier1: integerOf("--modifier1", v.modifier1, 0, 255) }
      : {}),
    ...(v.modifier2 !== undefined
      ? { modifier2: integerOf("--modifier2", v.modifier2, 0, 255) }
      : {}),
    keepConn: v["keep-conn"] === true,
    keepAlive: v["no-keepalive"] !== true,
    ...(v["unix-socket"] !== undefined ? { socketPath: v["unix-socket"] } : {}),
    ...(v.connections !== undefined
      ? { connections: integerOf("--connections", v.connections, 1, 100_000) }
      : {}),
    ...(v.duration !== undefined ? { duration: millisOf("--duration", v.duration) } : {}),
    ...(v.requests !== undefined
      ? { requests: integerOf("--requests", v.requests, 1, Number.MAX_SAFE_INTEGER) }
      : {}),
    ...(v.rate !== undefined ? { rate: rateOf(v.rate) } : {}),
    ...(v.threads !== undefined ? { threads: integerOf("--threads", v.threads, 1, 256) } : {}),
    ...(v.timeout !== undefined ? { timeout: millisOf("--timeout", v.timeout) } : {}),
  };
  const live = io.stderr.isTTY === true && v.quiet !== true && v.json !== true;
  const results: LoadResult[] = [];
  let code: number = LoadExit.OK;
  for (const target of targets) {
    const label = v.label !== undefined && targets.length === 1 ? v.label : target.url;
    let result: LoadResult;
    try {
      result = await runLoad({
        ...base,
        url: target.url,
        label,
        ...(live
          ? {
              onProgress: (p) =>
                io.stderr.write(
                  `\r${label}  ${(p.elapsedMs / 1000).toFixed(1)} s  ${n0(p.completed)} done  ${n0(p.failed)} failed  ${n0(p.elapsedMs > 0 ? (p.completed / p.elapsedMs) * 1000 : 0)} req/s\u001b[K`,
                ),
            }
          : {}),
      });
    } catch (err) {
      const e = err as { code?: string; message: string };
      if (typeof e.code === "string" && e.code.startsWith("ERR_")) throw new UsageError(e.message);
      throw err;
    } finally {
      if (live) io.stderr.write("\r\u001b[K");
    }
    results.push(result);
    const outcomes = checkThresholds(result, thresholds);
    if (v.json === true)
      await write(io.stdout, `${JSON.stringify({ ...result, thresholds: outcomes })}\n`);
    else {
      let text = renderResult(result);
      for (const o of outcomes)
        text += `  ${o.failed ? "FAIL" : "pass"}        --fail-if ${o.expression} (actual ${f(o.actual)})\n`;
      await write(io.stdout, `${text}\n`);
    }
    if (result.requests.completed === 0) code = LoadExit.NO_ANSWER;
    else if (outcomes.some((o) => o.failed) && code === LoadExit.OK) code = LoadExit.THRESHOLD;
  }
  if (results.length > 1 && v.json !== true) await write(io.stdout, renderTable(results));
  if (v.plot !== undefined) {
    try {
      const svg = await plotLatency([...saved, ...results], {
        uncorrected: v.uncorrected === true,
      });
      writeFileSync(v.plot, svg);
    } catch (err) {
      await write(io.stderr, `uwsgi-codec load: --plot ${v.plot}: ${(err as Error).message}\n`);
      return LoadExit.OUTPUT;
    }
  }
  return code;
}

function rateOf(text: string): number {
  const n = Number(text);
  if (!(n > 0 && Number.isFinite(n))) throw new UsageError(`--rate ${text}: not a positive number`);
  return n;
}

async function ceiling(
  names: readonly string[],
  v: { connections?: string; duration?: string; threads?: string; json?: boolean },
  io: CliIo,
): Promise<number> {
  const schemes: Scheme[] = [];
  for (const name of names.length > 0 ? names : ["uwsgi", "fastcgi", "scgi", "http"]) {
    const scheme = (name.includes("://") ? name.slice(0, name.indexOf(":")) : name) as Scheme;
    if (!["uwsgi", "fastcgi", "scgi", "http"].includes(scheme))
      throw new UsageError(`--ceiling ${name}: not a scheme`);
    schemes.push(scheme);
  }
  const results: LoadResult[] = [];
  for (const scheme of schemes) {
    const r = await measureCeiling(scheme, {
      ...(v.connections !== undefined
        ? { connections: integerOf("--connections", v.connections, 1, 100_000) }
        : {}),
      ...(v.duration !== undefined ? { duration: millisOf("--duration", v.duration) } : {}),
      ...(v.threads !== undefined ? { threads: integerOf("--threads", v.threads, 1, 256) } : {}),
    });
    results.push(r);
    await write(io.stdout, v.json === true ? `${JSON.stringify(r)}\n` : `${renderResult(r)}\n`);
  }
  if (v.json !== true) await write(io.stdout, renderTable(results));
  return LoadExit.OK;
}

/** `uwsgi-codec load`: wrk2/autocannon for uwsgi, FastCGI, SCGI and HTTP. */
export const loadCommand: CliCommand = {
  summary: "load-test a uwsgi, FastCGI, SCGI or HTTP server at full speed or a constant rate",
  help: HELP,
  run,
};
