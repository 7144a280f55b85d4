import { CaptureDecoder } from "./capture-decoder.js";
import { type CaptureFormat, captureFormatOf } from "./capture-format.js";
import { type CapturePlan, capturePlan, type DecodeCaptureOptions } from "./capture-options.js";
import { CaptureReader } from "./capture-reader.js";
import {
  type CaptureSource,
  checkSource,
  chunksOf,
  isChunkError,
  unreadable,
} from "./capture-source.js";
import { CaptureError } from "./errors.js";
import type { CapturedExchange } from "./exchange.js";
import { looksLikeHexText } from "./hex-text.js";
import {
  CapturePipeline,
  checkRawPacket,
  HexPipeline,
  type Pipeline,
  RawPipeline,
} from "./pipelines.js";
import { DecodeSession, type ExchangeSink, type InputFormat } from "./session.js";

// Bytes looked at to tell the formats apart.
const SNIFF = 64;

/**
 * Decodes the uwsgi exchanges in a capture: a pcap or pcapng file (path, bytes or stream), raw
 * uwsgi bytes (a `.bin` of requests back to back), or a hex dump of them. The format is sniffed
 * from the first bytes, never from a file name. The input is read as a stream in bounded memory:
 * a capture of any size needs the same few MiB, and the work done is linear in its size whatever
 * its content.
 *
 * Exchanges come out when their connection closes (or the next request on it starts), so their
 * order is that of completion; `id` gives the order of the requests' starts.
 *
 * Wrong arguments throw at the call: `TypeError`/`RangeError` with Node's codes
 * (`ERR_INVALID_ARG_TYPE`, `ERR_OUT_OF_RANGE`, `ERR_INVALID_ARG_VALUE`, `ERR_UNKNOWN_OPTION`).
 * The iteration throws {@link CaptureError} about the input: `NOT_A_CAPTURE` for input that is
 * none of the formats, `UNREADABLE` when the source fails (with its error as `cause`), and the
 * reader's codes for a damaged file; exchanges open when a file turns out damaged or truncated are
 * reported first. What a callback (`onBody`, `onProgress`) throws comes out as it is, and so does
 * the signal's reason.
 *
 * @example
 * for await (const ex of decodeCapture("traffic.pcapng", { ports: [3031] })) {
 *   console.log(ex.id, ex.vars?.get("REQUEST_URI"), ex.answer?.kind);
 * }
 */
export function decodeCapture(
  source: CaptureSource,
  options?: DecodeCaptureOptions,
): AsyncGenerator<CapturedExchange, void, undefined> {
  checkSource(source);
  return decode(source, capturePlan(options));
}

async function* decode(
  source: CaptureSource,
  plan: CapturePlan,
): AsyncGenerator<CapturedExchange, void, undefined> {
  const queue: CapturedExchange[] = [];
  const sink: ExchangeSink = { onExchange: (e) => queue.push(e) };
  const session = new DecodeSession(sink, plan.previewBytes, plan.digest, plan.onBody, plan.stats);
  const stats = session.stats;
  const signal = plan.signal;
  let pipeline: Pipeline | null = null;
  // The first bytes, until there are enough to tell the format.
  let head: Buffer | null = null;
  let failure: CaptureError | null = null;
  const chunks = chunksOf(source);
  try {
    for (;;) {
      let chunk: Buffer;
      try {
        const next = await chunks.next();
        if (next.done) break;
        chunk = next.value;
      } catch (err) {
        // The source failed; a chunk that is not bytes is an argument error, and goes on.
        if (isChunkError(err)) throw err;
        failure = unreadable(err, stats.bytes);
        break;
      }
      if (signal?.aborted) throw signal.reason;
      stats.bytes += chunk.length;
      if (pipeline === null) {
        // Copied: a source's chunk is valid only until the next one is read.
        head = head === null ? Buffer.from(chunk) : Buffer.concat([head, chunk]);
        if (head.length < SNIFF) continue;
        chunk = head;
        head = null;
        pipeline = choose(chunk, plan, session);
      }
      failure = push(pipeline, chunk);
      if (failure !== null) break;
      plan.onProgress?.(stats.bytes);
      if (queue.length > 0) {
        for (const e of queue) yield e;
        queue.length = 0;
      }
    }
    if (signal?.aborted) throw signal.reason;
    if (failure === null) {
      if (pipeline === null) {
        const first = head ?? Buffer.alloc(0);
        if (first.length === 0) checkRawPacket(first, true);
        pipeline = choose(first, plan, session);
        failure = push(pipeline, first);
      }
      if (failure === null) failure = end(pipeline);
    }
    if (failure !== null && pipeline !== null) {
      // Reporting what was open is best effort once the input has failed.
      pipeline.abort();
    }
  } finally {
    await chunks.return();
  }
  for (const e of queue) yield e;
  queue.length = 0;
  if (failure !== null) throw failure;
}

/** Feeds a chunk; returns the input's `CaptureError` (anything else goes on as it is). */
function push(pipeline: Pipeline, chunk: Buffer): CaptureError | null {
  try {
    pipeline.push(chunk);
    return null;
  } catch (err) {
    if (err instanceof CaptureError) return err;
    throw err;
  }
}

function end(pipeline: Pipeline): CaptureError | null {
  try {
    pipeline.end();
    return null;
  } catch (err) {
    if (err instanceof CaptureError) return err;
    throw err;
  }
}

function magic(first: Buffer): CaptureFormat | null {
  return first.length >= 4 ? captureFormatOf(first[0]!, first[1]!, first[2]!, first[3]!) : null;
}

/** The pipeline for the format asked for, or sniffed from the first bytes. */
function choose(first: Buffer, plan: CapturePlan, session: DecodeSession): Pipeline {
  let format: InputFormat;
  if (plan.format !== "auto") format = plan.format;
  else {
    const sniffed = magic(first);
    if (sniffed !== null) format = sniffed;
    else if (looksLikeHexText(first.subarray(0, 512))) format = "hex";
    else format = "raw";
  }
  if ((plan.format === "pcap" || plan.format === "pcapng") && magic(first) !== plan.format) {
    const is = magic(first);
    throw new CaptureError(
      "NOT_A_CAPTURE",
      0,
      `a ${plan.format} file (format "${plan.format}" was asked for)`,
      is === null
        ? `the input is no ${plan.format} file (no capture magic number)`
        : `the input is a ${is} file, not ${plan.format}: drop the format, or ask for "${is}"`,
    );
  }
  session.stats.format = format;
  const sniffed = plan.format === "auto";
  if (format === "raw") return new RawPipeline(session, sniffed);
  if (format === "hex") return new HexPipeline(new RawPipeline(session, sniffed));
  const decoder = new CaptureDecoder(session, plan);
  return new CapturePipeline(
    new CaptureReader(decoder, { maxRecordSize: plan.maxRecordSize }),
    decoder,
  );
}
