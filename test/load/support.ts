import type { Histogram } from "hdr-histogram-js";
import { decodeHistogram } from "../../src/load/histogram.js";
import type { Scheme } from "../../src/load/index.js";
import { parseTarget } from "../../src/load/target.js";
import { encodeWire } from "../../src/load/wire.js";

/** Requests in `h` slower than `ms` (the rank where the latency first passes it, by bisection). */
export function countAbove(encoded: string | Histogram, ms: number): number {
  const h = typeof encoded === "string" ? decodeHistogram(encoded) : encoded;
  const total = h.totalCount;
  const limit = ms * 1000;
  let lo = 1;
  let hi = total + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (h.getValueAtPercentile((100 * mid) / total) > limit) hi = mid;
    else lo = mid + 1;
  }
  return total - lo + 1;
}

/** Host header and SERVER_PORT fixed, so the wire size does not depend on the port. */
export const FIXED = { headers: [["Host", "x"]] as [string, string][], vars: { SERVER_PORT: "1" } };

/** Bytes one GET / with {@link FIXED} takes on the wire for `scheme`. */
export function wireBytes(scheme: Scheme, body?: Uint8Array): number {
  return encodeWire(
    parseTarget(`${scheme}://127.0.0.1:1/`),
    {
      method: body === undefined ? "GET" : "POST",
      target: "/",
      headers: FIXED.headers,
      body: body ?? new Uint8Array(0),
      hasBody: body !== undefined,
    },
    { vars: new Map(Object.entries(FIXED.vars)) },
  ).byteLength;
}
