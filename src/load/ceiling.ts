import type { LoadResult } from "./result.js";
import { runLoadOn } from "./run-load.js";
import { parseTarget, type Scheme } from "./target.js";
import { startTrivialServer } from "./trivial-server.js";
import { encodeWire } from "./wire.js";

/** Options of {@link measureCeiling}. */
export interface CeilingOptions {
  /** Milliseconds to run. Defaults to 3000. */
  readonly duration?: number;
  /** Defaults to 16. */
  readonly connections?: number;
  /** Worker threads of the generator. Defaults to 1. */
  readonly threads?: number;
  /** The request body's size in bytes (a POST when > 0). Defaults to 0 (a GET). */
  readonly bodyBytes?: number;
}

/**
 * The generator's own ceiling for `scheme` on this machine: a closed-loop run against a trivial
 * server in this process, which answers each request with canned bytes without parsing it. The
 * server keeps this thread; the generator runs in `threads` worker threads. No server can be
 * measured faster than this; a result near it measures the generator, not the server.
 */
export async function measureCeiling(
  scheme: Scheme,
  options: CeilingOptions = {},
): Promise<LoadResult> {
  const body = new Uint8Array(options.bodyBytes ?? 0);
  const spec = {
    method: body.length > 0 ? "POST" : "GET",
    target: "/",
    headers: [["Host", "localhost"]] as [string, string][],
    body,
    hasBody: body.length > 0,
  };
  const wire = encodeWire(parseTarget(`${scheme}://127.0.0.1:1/`), spec, {
    vars: new Map([["SERVER_PORT", "1"]]),
  });
  const server = await startTrivialServer(scheme, wire.byteLength);
  try {
    return await runLoadOn(
      {
        url: `${scheme}://127.0.0.1:${server.port}/`,
        label: `${scheme} ceiling`,
        method: spec.method,
        headers: spec.headers,
        ...(body.length > 0 ? { body } : {}),
        vars: { SERVER_PORT: "1" },
        duration: options.duration ?? 3000,
        connections: options.connections ?? 16,
        threads: options.threads ?? 1,
      },
      true,
    );
  } finally {
    await server.close();
  }
}
