import {
  checkBoolean,
  checkInteger,
  checkOptions,
  invalidArgType,
  invalidArgValue,
} from "../codec/arguments.js";
import type { HttpRequestSpec } from "../tools/http-request.js";
import { parseTarget, type Target } from "./target.js";

/** Progress of a run, reported about 5 times a second. */
export interface LoadProgress {
  readonly sent: number;
  readonly completed: number;
  readonly failed: number;
  /** Milliseconds since the start. */
  readonly elapsedMs: number;
}

/** Options of {@link runLoad}. Only `url` is required. */
export interface LoadOptions {
  /** `uwsgi://`, `fastcgi://`, `scgi://` or `http://` host, port, path and query. */
  readonly url: string;
  /** Connect to this unix socket instead of the URL's host and port. */
  readonly socketPath?: string;
  /** A name for the run in reports and plots. Defaults to the URL. */
  readonly label?: string;
  /** Defaults to GET, or POST with a body. */
  readonly method?: string;
  /** Request headers, in order. A `Host` header overrides the URL's. */
  readonly headers?: readonly (readonly [string, string])[];
  /** The request body (a string is sent as UTF-8). */
  readonly body?: Uint8Array | string;
  /** CGI var edits for uwsgi/FastCGI/SCGI: a string sets the var, undefined removes it. */
  readonly vars?: Readonly<Record<string, string | undefined>>;
  /** uwsgi modifier1. Defaults to 0. */
  readonly modifier1?: number;
  /** uwsgi modifier2. Defaults to 0. */
  readonly modifier2?: number;
  /** FastCGI: ask to keep the connection (and reuse it when the server does). Defaults to false. */
  readonly keepConn?: boolean;
  /**
   * HTTP: reuse connections the server keeps open. Defaults to true (as wrk and autocannon);
   * false opens a connection per request, as uwsgi, SCGI and nginx's default proxy_pass do.
   */
  readonly keepAlive?: boolean;
  /** Concurrent connections. Defaults to 10. */
  readonly connections?: number;
  /** Worker threads sharing the connections (for more than one core). Defaults to 1 (this thread). */
  readonly threads?: number;
  /** Milliseconds to send requests for. Defaults to 10000 unless `requests` is given. */
  readonly duration?: number;
  /** Requests to send in all (then the run ends). */
  readonly requests?: number;
  /** Requests per second, for all connections together, with wrk2's correction. Defaults to none. */
  readonly rate?: number;
  /** Milliseconds one request may take. Defaults to 10000. */
  readonly timeout?: number;
  /** Stops sending; the run ends when the requests in flight are done. */
  readonly signal?: AbortSignal;
  /** Called about 5 times a second while the run goes on. */
  readonly onProgress?: (progress: LoadProgress) => void;
}

/** Defaults of {@link LoadOptions}. */
export const DEFAULT_LOAD_OPTIONS: Readonly<{
  connections: number;
  threads: number;
  duration: number;
  timeout: number;
}> = Object.freeze({ connections: 10, threads: 1, duration: 10_000, timeout: 10_000 });

const KEYS = [
  "url",
  "socketPath",
  "label",
  "method",
  "headers",
  "body",
  "vars",
  "modifier1",
  "modifier2",
  "keepConn",
  "keepAlive",
  "connections",
  "threads",
  "duration",
  "requests",
  "rate",
  "timeout",
  "signal",
  "onProgress",
];

const ALIASES: Readonly<Record<string, string>> = {
  amount: "requests",
  count: "requests",
  overallRate: "rate",
  workers: "threads",
  path: "socketPath",
  socket: "socketPath",
};

/** Options checked, defaults in. */
export interface ResolvedLoad {
  readonly target: Target;
  readonly label: string;
  readonly spec: HttpRequestSpec;
  readonly vars: ReadonlyMap<string, string | undefined>;
  readonly modifier1: number;
  readonly modifier2: number;
  readonly keepConn: boolean;
  readonly keepAlive: boolean;
  readonly connections: number;
  readonly threads: number;
  readonly durationMs: number;
  readonly requests: number;
  readonly rate: number;
  readonly timeoutMs: number;
  readonly signal: AbortSignal | undefined;
  readonly onProgress: ((progress: LoadProgress) => void) | undefined;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function checkHeaders(headers: unknown): (readonly [string, string])[] {
  if (headers === undefined) return [];
  if (!Array.isArray(headers))
    throw invalidArgType("options.headers", "an array of [name, value] pairs", headers);
  return headers.map((pair: unknown, i) => {
    if (!Array.isArray(pair) || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      throw invalidArgType(`options.headers[${i}]`, "a [name, value] pair of strings", pair);
    }
    if (!TOKEN.test(pair[0]) || /[\r\n\0]/.test(pair[1])) {
      throw invalidArgValue(
        `options.headers[${i}]`,
        pair,
        "must be a header name token and a value without CR, LF or NUL",
      );
    }
    return [pair[0], pair[1]] as const;
  });
}

/** Checks {@link LoadOptions}; throws Node's argument errors. */
export function resolveLoadOptions(options: unknown): ResolvedLoad {
  if (options === null || typeof options !== "object") {
    throw invalidArgType("options", "of type object", options);
  }
  checkOptions("runLoad()", options, KEYS, ALIASES);
  const o = options as LoadOptions;
  if (typeof o.url !== "string") throw invalidArgType("options.url", "of type string", o.url);
  if (o.socketPath !== undefined && typeof o.socketPath !== "string") {
    throw invalidArgType("options.socketPath", "of type string", o.socketPath);
  }
  const target = parseTarget(o.url, o.socketPath, "options.url");
  let body: Uint8Array;
  if (o.body === undefined) body = new Uint8Array(0);
  else if (typeof o.body === "string") body = Buffer.from(o.body, "utf8");
  else if (o.body instanceof Uint8Array) body = o.body;
  else throw invalidArgType("options.body", "a Uint8Array or a string", o.body);
  const hasBody = o.body !== undefined;
  const method = o.method ?? (hasBody ? "POST" : "GET");
  if (typeof method !== "string" || !TOKEN.test(method)) {
    throw invalidArgValue("options.method", method, "must be an HTTP method token");
  }
  const vars = new Map<string, string | undefined>();
  if (o.vars !== undefined) {
    if (o.vars === null || typeof o.vars !== "object")
      throw invalidArgType("options.vars", "of type object", o.vars);
    for (const [k, v] of Object.entries(o.vars)) {
      if (v !== undefined && typeof v !== "string")
        throw invalidArgType(`options.vars.${k}`, "a string or undefined", v);
      vars.set(k, v);
    }
  }
  const d = DEFAULT_LOAD_OPTIONS;
  const int = (name: string, v: unknown, fallback: number, min: number, max: number) =>
    v === undefined ? fallback : checkInteger(`options.${name}`, v, min, max);
  const requests = int("requests", o.requests, 0, 1, Number.MAX_SAFE_INTEGER);
  const durationMs = int("duration", o.duration, requests > 0 ? 0 : d.duration, 1, 2_147_483_647);
  const connections = int("connections", o.connections, d.connections, 1, 100_000);
  let rate = 0;
  if (o.rate !== undefined) {
    if (typeof o.rate !== "number") throw invalidArgType("options.rate", "of type number", o.rate);
    if (!(o.rate > 0 && Number.isFinite(o.rate))) {
      throw invalidArgValue(
        "options.rate",
        o.rate,
        "must be a positive number of requests per second",
      );
    }
    rate = o.rate;
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw invalidArgType("options.signal", "an instance of AbortSignal", o.signal);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== "function") {
    throw invalidArgType("options.onProgress", "of type function", o.onProgress);
  }
  if (o.label !== undefined && typeof o.label !== "string") {
    throw invalidArgType("options.label", "of type string", o.label);
  }
  return {
    target,
    label: o.label ?? o.url,
    spec: { method, target: target.path, headers: checkHeaders(o.headers), body, hasBody },
    vars,
    modifier1: int("modifier1", o.modifier1, 0, 0, 255),
    modifier2: int("modifier2", o.modifier2, 0, 0, 255),
    keepConn: o.keepConn === undefined ? false : checkBoolean("options.keepConn", o.keepConn),
    keepAlive: o.keepAlive === undefined ? true : checkBoolean("options.keepAlive", o.keepAlive),
    connections,
    threads: Math.min(connections, int("threads", o.threads, d.threads, 1, 256)),
    durationMs,
    requests,
    rate,
    timeoutMs: int("timeout", o.timeout, d.timeout, 1, 2_147_483_647),
    signal: o.signal,
    onProgress: o.onProgress,
  };
}
