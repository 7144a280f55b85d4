import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Frame } from "../../../src/capture/capture-format.js";
import type { DecodeCaptureOptions } from "../../../src/capture/capture-options.js";
import { CaptureReader } from "../../../src/capture/capture-reader.js";
import { decodeCapture } from "../../../src/capture/decode-capture.js";
import type { CapturedExchange } from "../../../src/capture/exchange.js";
import { decodeFrame, FrameKind, newSegment } from "../../../src/capture/frame-decoder.js";
import { isAddedByUwsgi } from "../../interop/support/environ.js";
import type { SegmentSpec } from "./pcap-writer.js";

export const CAPTURES = fileURLToPath(new URL("../../../fixtures/captures/", import.meta.url));

export function capturePath(name: string): string {
  return `${CAPTURES}${name}`;
}

export function readCapture(name: string): Buffer {
  return readFileSync(capturePath(name));
}

/** One request of fixtures/captures/expected.json. */
export interface ExpectedRequest {
  readonly id: number;
  readonly via: "nginx" | "direct";
  readonly method?: string;
  readonly path?: string;
  readonly modifier1: number;
  readonly status?: number;
  readonly answer_body_length?: number;
  readonly answer_body_sha256?: string;
  readonly environ?: [string, string][] | null;
  readonly body_length?: number;
  readonly body_sha256?: string;
  readonly answer_hex?: string;
}

export interface Expected {
  readonly uwsgiPort: number;
  readonly nginxPort: number;
  readonly requests: readonly ExpectedRequest[];
}

export const EXPECTED: Expected = JSON.parse(readFileSync(capturePath("expected.json"), "utf8"));

/** The app's environ as bytes, minus what uWSGI adds itself: what the packet's vars must give. */
export function expectedVars(req: ExpectedRequest): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of req.environ ?? []) {
    const key = Buffer.from(k, "hex").toString("latin1");
    if (!isAddedByUwsgi(key)) out.set(key, Buffer.from(v, "hex").toString("latin1"));
  }
  return out;
}

/** The vars of an exchange as uWSGI's environ would hold them (the last of a repeated key wins). */
export function varsMap(ex: CapturedExchange): Map<string, string> {
  const out = new Map<string, string>();
  const vars = ex.vars;
  if (vars === null) return out;
  for (let i = 0; i < vars.size; i++) out.set(vars.keyAt(i), vars.valueAt(i));
  return out;
}

/** The request id each fixture request carries (X-Req-Id), or the id for the ping. */
export function requestIdOf(ex: CapturedExchange): number {
  const v = ex.vars?.get("HTTP_X_REQ_ID");
  if (v !== undefined) return Number(v);
  return EXPECTED.requests.find((r) => r.modifier1 === ex.modifier1 && r.environ === undefined)!.id;
}

export async function collect(
  source: Parameters<typeof decodeCapture>[0],
  options: DecodeCaptureOptions = {},
): Promise<CapturedExchange[]> {
  const out: CapturedExchange[] = [];
  // With digests: the tests compare bodies by their SHA-256.
  for await (const ex of decodeCapture(source, { digest: true, ...options })) out.push(ex);
  return out;
}

/** A comparable digest of an exchange: everything but the times and ids. */
export function summary(ex: CapturedExchange): unknown {
  const a = ex.answer;
  return {
    client: ex.client,
    server: ex.server,
    modifier1: ex.modifier1,
    modifier2: ex.modifier2,
    vars: ex.vars === null ? null : [...ex.vars.entries()],
    payload: ex.payload?.toString("hex") ?? null,
    body: ex.body,
    answer:
      a === null
        ? null
        : a.kind === "http"
          ? {
              kind: a.kind,
              status: a.statusLine,
              headers: a.headers,
              body: a.body,
              complete: a.complete,
            }
          : a.kind === "packets"
            ? { kind: a.kind, packets: a.packets, complete: a.complete }
            : { kind: a.kind, body: a.body, complete: a.complete },
    notes: ex.notes,
    errors: ex.errors,
  };
}

/** Summaries sorted by client port, for comparing decodes whose completion order may differ. */
export function summaries(list: readonly CapturedExchange[]): unknown[] {
  return [...list].sort((x, y) => (x.client?.port ?? 0) - (y.client?.port ?? 0)).map(summary);
}

/** A TCP segment read back out of a capture, with its time. */
export interface CapturedSegment extends SegmentSpec {
  readonly seconds: number;
  readonly nanos: number;
  readonly payload: Buffer;
  readonly ack: number;
}

/** Every TCP segment of a capture file, in file order (payloads copied). */
export function segmentsOf(file: Buffer): CapturedSegment[] {
  const out: CapturedSegment[] = [];
  const seg = newSegment();
  const reader = new CaptureReader({
    onFrame(frame: Frame) {
      if (decodeFrame(frame, seg) !== FrameKind.TCP) return;
      out.push({
        src: seg.srcAddr,
        dst: seg.dstAddr,
        srcPort: seg.srcPort,
        dstPort: seg.dstPort,
        seq: seg.seq,
        ack: seg.ack,
        flags: seg.flags,
        payload: Buffer.from(seg.payload),
        seconds: frame.seconds,
        nanos: frame.nanos,
      });
    },
  });
  reader.push(file);
  reader.end();
  return out;
}

/** A small deterministic PRNG for rewriting captures. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}
