import type { Scenario } from "../scenarios.js";

/** Who a benchmark row measures. */
export type Protocol =
  | "uwsgi"
  | "fastcgi"
  | "scgi"
  | "fastcgi-stream"
  | "fastcgi-client"
  | "limit"
  // The codec as it was before the issue 11/12 work (bench/baseline-v0/), for same-run ratios.
  | "uwsgi before";

/** A benchmark task: `fn` runs the operation once and returns a number (kept, so it is not dead code). */
export interface BenchTask {
  readonly scenario: string;
  readonly protocol: Protocol;
  readonly task: string;
  /** Bytes one operation handles (this protocol's request on the wire), for MB/s. */
  readonly bytes: number;
  readonly fn: () => number;
}

/** The standard task names every protocol of ours has, in table order. */
export const TASKS = {
  encode: "encode",
  decode: "decode (lazy)",
  strings: "decode + all strings",
  stream1460: "stream, 1460 B chunks",
  stream16k: "stream, 16 KiB chunks",
} as const;

/** `buf` cut into `size`-byte views, as a socket would deliver it. */
export function chunksOf(buf: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

/** Throws when a task's result is wrong: a benchmark of a broken operation measures nothing. */
export function sanity(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench sanity: ${what}`);
}

/**
 * Counts what a streaming parser reports: the handler of all three protocols' parsers (a packet,
 * params or headers arrive as one "head"). One instance per task, as a real user would keep.
 */
export class Counter {
  heads = 0;
  bodyBytes = 0;
  ends = 0;
  onPacket(): void {
    this.heads++;
  }
  onParams(): void {
    this.heads++;
  }
  onHeaders(): void {
    this.heads++;
  }
  onBody(piece: Buffer): void {
    this.bodyBytes += piece.length;
  }
  onBodyEnd(): void {
    this.ends++;
  }
}

/** A push parser as the three protocols have it. */
export interface PushParser {
  push(chunk: Buffer): void;
  end(): void;
}

/** A task maker for one scenario and protocol: every row carries the same wire size. */
export function taskMaker(
  s: Scenario,
  protocol: Protocol,
  bytes: number,
): (task: string, fn: () => number) => BenchTask {
  return (task, fn) => ({ scenario: s.name, protocol, task, bytes, fn });
}

/**
 * A streaming-decode operation: a new parser (as a new connection needs) fed `wire` in `size`-byte
 * chunks; checks that one request head and the whole body came through.
 */
export function streamDecode(
  s: Scenario,
  wire: Buffer,
  size: number,
  counter: Counter,
  parser: () => PushParser,
): () => number {
  const chunks = chunksOf(wire, size);
  return () => {
    const heads = counter.heads;
    const body = counter.bodyBytes;
    const p = parser();
    for (const c of chunks) p.push(c);
    p.end();
    sanity(
      counter.heads === heads + 1 && counter.bodyBytes - body === s.body.length,
      `${s.name} stream`,
    );
    return counter.ends;
  };
}

/** Makes every name and value of a decoded view a string; returns their total length. */
export function allStrings(view: {
  readonly size: number;
  keyAt(i: number): string;
  valueAt(i: number): string;
}): number {
  let n = 0;
  for (let i = 0; i < view.size; i++) n += view.keyAt(i).length + view.valueAt(i).length;
  return n;
}
