/** Who a benchmark row measures. */
export type Protocol = "uwsgi" | "fastcgi" | "scgi" | "fastcgi-stream" | "fastcgi-client" | "limit";

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

/** Counts what a streaming parser reports; one instance per task, as a real user would keep. */
export class Counter {
  heads = 0;
  pairs = 0;
  bodyBytes = 0;
  ends = 0;
  onBody(piece: Buffer): void {
    this.bodyBytes += piece.length;
  }
  onBodyEnd(): void {
    this.ends++;
  }
}
