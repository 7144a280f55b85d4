import { createReadStream } from "node:fs";
import type { UwsgiError } from "../codec/errors.js";
import { readHeader } from "../codec/header.js";
import { bytesMissing, decodePacket } from "../codec/packet.js";
import { CaptureDecoder } from "./capture-decoder.js";
import { CaptureReader, captureFormatOf, DEFAULT_MAX_RECORD_SIZE } from "./capture-reader.js";
import { CAPTURE_DECODE_OPTIONS, Conversation } from "./conversation.js";
import { CaptureError } from "./errors.js";
import type { CapturedExchange } from "./exchange.js";
import { HexTextDecoder, looksLikeHexText } from "./hex-text.js";
import {
  type BodyCallback,
  type CaptureStats,
  DecodeSession,
  type ExchangeSink,
  type InputFormat,
} from "./session.js";
import { plausibleHeader } from "./uwsgi-heuristic.js";

/** What {@link decodeCapture} reads. */
export type CaptureSource =
  | string
  | Uint8Array
  | AsyncIterable<Uint8Array | string>
  | NodeJS.ReadableStream;

/** Options of {@link decodeCapture}; defaults in {@link DEFAULT_CAPTURE_OPTIONS}. */
export interface DecodeCaptureOptions {
  /**
   * Server ports of uwsgi: a connection to one of them is read as uwsgi, the side with the port
   * being the server. Default: none, and connections are recognised by the heuristic.
   */
  readonly ports?: Iterable<number>;
  /**
   * Recognise uwsgi connections by their first bytes (a whole, plausible uwsgi request). Defaults
   * to true without `ports` and false with them; it cannot be false without ports.
   */
  readonly heuristic?: boolean;
  /** `"auto"` (the default) sniffs: pcap/pcapng magic, then hex text, then raw uwsgi bytes. */
  readonly format?: InputFormat | "auto";
  /** Out-of-order bytes held per connection direction before a gap is declared. Default 1 MiB. */
  readonly maxOutOfOrderBytes?: number;
  /**
   * Out-of-order bytes held by all connections together before a gap is declared in the one that
   * asks for more. Default 64 MiB: with the other limits, the bound on what a decode holds.
   */
  readonly maxBufferedBytes?: number;
  /** Connections tracked at once; past it the oldest is reported as it is. Default 10000. */
  readonly maxConnections?: number;
  /** Largest pcap record / pcapng block held. Default 1 MiB. */
  readonly maxRecordSize?: number;
  /** Bytes of each body (and answer packet) kept as `preview`. Default 64. */
  readonly previewBytes?: number;
  /** Called with every body piece (request and answer), in order, e.g. to write them out. */
  readonly onBody?: BodyCallback;
  /** Called after each input chunk with the bytes read so far. */
  readonly onProgress?: (bytesRead: number) => void;
  /** Filled in as the decode goes (make one with `newStats()`), read it after. */
  readonly stats?: CaptureStats;
  /** Stops the decode: the iteration throws the signal's reason. */
  readonly signal?: AbortSignal;
}

/** The defaults of {@link DecodeCaptureOptions}. */
export const DEFAULT_CAPTURE_OPTIONS: Readonly<{
  format: "auto";
  maxOutOfOrderBytes: number;
  maxBufferedBytes: number;
  maxConnections: number;
  maxRecordSize: number;
  previewBytes: number;
}> = Object.freeze({
  format: "auto",
  maxOutOfOrderBytes: 1024 * 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxConnections: 10_000,
  maxRecordSize: DEFAULT_MAX_RECORD_SIZE,
  previewBytes: 64,
});

const READ_CHUNK = 256 * 1024;
const SNIFF_BYTES = 4;

/** Where sniffed input goes: the capture reader, or the raw uwsgi stream. */
interface Pipeline {
  push(chunk: Buffer): void;
  end(): void;
}

class CapturePipeline implements Pipeline {
  readonly #reader: CaptureReader;
  readonly #decoder: CaptureDecoder;
  constructor(reader: CaptureReader, decoder: CaptureDecoder) {
    this.#reader = reader;
    this.#decoder = decoder;
  }
  push(chunk: Buffer): void {
    this.#reader.push(chunk);
  }
  end(): void {
    try {
      this.#reader.end();
    } finally {
      this.#decoder.finish();
    }
  }
  abort(): void {
    this.#decoder.finish();
  }
}

/**
 * Raw uwsgi bytes: one client stream, no answer, no times. When the format was sniffed (not
 * forced), the first packet is held until whole and must decode, or the input is refused as
 * `NOT_A_CAPTURE`: a text file or an image is not mistaken for a damaged request.
 */
class RawPipeline implements Pipeline {
  readonly #conversation: Conversation;
  #head: Buffer | null;
  constructor(session: DecodeSession, sniffed: boolean) {
    this.#conversation = new Conversation(session, null, null, {
      search: false,
      searchReason: "",
      searchAfterRequest: false,
    });
    this.#head = sniffed ? Buffer.alloc(0) : null;
  }
  push(chunk: Buffer): void {
    if (this.#head !== null) {
      const head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
      const need = head.length < SNIFF_BYTES ? SNIFF_BYTES : head.length + bytesMissing(head);
      if (head.length < need) {
        if (head.length >= SNIFF_BYTES) checkRawPacket(head, false);
        this.#head = head;
        return;
      }
      this.#head = null;
      checkRawPacket(head, true);
      chunk = head;
    }
    this.#conversation.request(chunk);
  }
  end(): void {
    if (this.#head !== null) checkRawPacket(this.#head, true);
    this.#conversation.finish(true);
  }
  abort(): void {
    this.#conversation.finish(false);
  }
}

class HexPipeline implements Pipeline {
  readonly #hex: HexTextDecoder;
  readonly #raw: RawPipeline;
  constructor(raw: RawPipeline) {
    this.#raw = raw;
    this.#hex = new HexTextDecoder(raw);
  }
  push(chunk: Buffer): void {
    this.#hex.push(chunk);
  }
  end(): void {
    this.#hex.end();
    this.#raw.end();
  }
  abort(): void {
    this.#raw.abort();
  }
}

/** Refuses input that does not start with a plausible uwsgi packet (`whole`: all of it there). */
function checkRawPacket(head: Buffer, whole: boolean): void {
  let problem = "";
  if (head.length < SNIFF_BYTES) {
    problem = head.length === 0 ? "the input is empty" : `the input is only ${head.length} byte(s)`;
  } else if (!plausibleHeader(readHeader(head))) {
    problem = `the input starts with ${head.toString("hex", 0, Math.min(head.length, 8))}, which is no capture format and no plausible uwsgi header`;
  } else if (whole) {
    try {
      decodePacket(head, 0, CAPTURE_DECODE_OPTIONS);
    } catch (err) {
      // Not control flow: the codec's reason goes into the refusal.
      const e = err as UwsgiError;
      problem = `the input is no capture file and its first packet does not decode (${e.code} at byte ${e.offset}: ${e.detail})`;
    }
  }
  if (problem !== "") {
    throw new CaptureError(
      "NOT_A_CAPTURE",
      0,
      "a pcap or pcapng file, hex text, or uwsgi bytes starting with a request",
      problem,
    );
  }
}

function checkCount(name: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) {
    throw new CaptureError(
      "INVALID_ARGUMENT",
      0,
      `an integer >= ${min}`,
      `option ${name} is ${String(value)}`,
    );
  }
  return value;
}

function portsOf(ports: Iterable<number> | undefined): ReadonlySet<number> | null {
  if (ports === undefined) return null;
  const set = new Set<number>();
  for (const p of ports) {
    if (!(Number.isInteger(p) && p >= 1 && p <= 65535)) {
      throw new CaptureError("INVALID_ARGUMENT", 0, "ports 1-65535", `port ${String(p)}`);
    }
    set.add(p);
  }
  return set.size === 0 ? null : set;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array | string> {
  return typeof x === "object" && x !== null && Symbol.asyncIterator in x;
}

async function* chunksOf(source: CaptureSource): AsyncGenerator<Buffer, void, undefined> {
  if (typeof source === "string") {
    yield* chunksOf(createReadStream(source, { highWaterMark: READ_CHUNK }));
    return;
  }
  if (source instanceof Uint8Array) {
    yield Buffer.from(source.buffer, source.byteOffset, source.byteLength);
    return;
  }
  if (!isAsyncIterable(source)) {
    throw new CaptureError(
      "INVALID_ARGUMENT",
      0,
      "a file path, bytes, a readable stream or an async iterable of bytes",
      `cannot read from ${typeof source}`,
    );
  }
  for await (const chunk of source) {
    if (typeof chunk === "string") yield Buffer.from(chunk, "latin1");
    else if (chunk instanceof Uint8Array)
      yield Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    else {
      throw new CaptureError(
        "INVALID_ARGUMENT",
        0,
        "chunks of bytes",
        `the source gave a chunk of type ${typeof chunk}`,
      );
    }
  }
}

/** Turns what a source threw into a CaptureError (a missing file, an I/O error). */
function unreadable(err: unknown): CaptureError {
  if (err instanceof CaptureError) return err;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === "string" ? `${e.code}: ` : "";
  const message = typeof e?.message === "string" ? e.message : String(err);
  return new CaptureError("UNREADABLE", 0, "a readable input", `${code}${message}`);
}

/**
 * Decodes the uwsgi exchanges in a capture: a pcap or pcapng file (path, bytes or stream), raw
 * uwsgi bytes (a `.bin` of requests back to back), or a hex dump of them. The format is sniffed
 * from the first bytes, never from a file name. The input is read as a stream in bounded memory:
 * a capture of any size needs the same few MiB.
 *
 * Exchanges come out when their connection closes (or the next request on it starts), so their
 * order is that of completion; `id` gives the order of the requests' starts.
 *
 * Throws only {@link CaptureError}: `NOT_A_CAPTURE` for input that is none of the formats,
 * `UNREADABLE` when the source fails, and the reader's codes for a damaged file. Exchanges open
 * when a file turns out damaged or truncated are reported first, then the error is thrown.
 *
 * @example
 * for await (const ex of decodeCapture("traffic.pcapng", { ports: [3031] })) {
 *   console.log(ex.id, ex.vars?.get("REQUEST_URI"), ex.answer?.kind);
 * }
 */
export async function* decodeCapture(
  source: CaptureSource,
  options: DecodeCaptureOptions = {},
): AsyncGenerator<CapturedExchange, void, undefined> {
  const d = DEFAULT_CAPTURE_OPTIONS;
  const ports = portsOf(options.ports);
  const heuristic = options.heuristic ?? ports === null;
  if (!heuristic && ports === null) {
    throw new CaptureError(
      "INVALID_ARGUMENT",
      0,
      "ports, or the heuristic allowed",
      "with heuristic false, give the server ports",
    );
  }
  const maxOutOfOrder = checkCount(
    "maxOutOfOrderBytes",
    options.maxOutOfOrderBytes ?? d.maxOutOfOrderBytes,
    0,
  );
  const maxBuffered = checkCount(
    "maxBufferedBytes",
    options.maxBufferedBytes ?? d.maxBufferedBytes,
    0,
  );
  const maxConnections = checkCount(
    "maxConnections",
    options.maxConnections ?? d.maxConnections,
    1,
  );
  const maxRecordSize = checkCount("maxRecordSize", options.maxRecordSize ?? d.maxRecordSize, 64);
  const previewBytes = checkCount("previewBytes", options.previewBytes ?? d.previewBytes, 0);
  const forced = options.format ?? d.format;
  if (!["auto", "pcap", "pcapng", "raw", "hex"].includes(forced)) {
    throw new CaptureError(
      "INVALID_ARGUMENT",
      0,
      '"auto", "pcap", "pcapng", "raw" or "hex"',
      `format ${String(forced)}`,
    );
  }
  const queue: CapturedExchange[] = [];
  const sink: ExchangeSink = { onExchange: (e) => queue.push(e) };
  const session = new DecodeSession(sink, previewBytes, options.onBody, options.stats);
  const stats = session.stats;
  const signal = options.signal;
  let pipeline: (Pipeline & { abort(): void }) | null = null;
  let head: Buffer | null = null;

  const choose = (first: Buffer): Pipeline & { abort(): void } => {
    let format: InputFormat;
    if (forced !== "auto") format = forced;
    else {
      const magic =
        first.length >= 4 ? captureFormatOf(first[0]!, first[1]!, first[2]!, first[3]!) : null;
      if (magic !== null) format = magic;
      else if (looksLikeHexText(first.subarray(0, 512))) format = "hex";
      else format = "raw";
    }
    stats.format = format;
    const sniffed = forced === "auto";
    if (format === "raw") return new RawPipeline(session, sniffed);
    if (format === "hex") return new HexPipeline(new RawPipeline(session, sniffed));
    const decoder = new CaptureDecoder(session, {
      ports,
      heuristic,
      maxOutOfOrderBytes: maxOutOfOrder,
      maxBufferedBytes: maxBuffered,
      maxConnections,
    });
    return new CapturePipeline(new CaptureReader(decoder, { maxRecordSize }), decoder);
  };

  let failure: CaptureError | null = null;
  try {
    for await (const chunk of chunksOf(source)) {
      if (signal?.aborted) throw signal.reason;
      stats.bytes += chunk.length;
      if (pipeline === null) {
        head = head === null ? chunk : Buffer.concat([head, chunk]);
        if (head.length < 64) continue;
        pipeline = choose(head);
        const first = head;
        head = null;
        pipeline.push(first);
      } else {
        pipeline.push(chunk);
      }
      options.onProgress?.(stats.bytes);
      if (queue.length > 0) {
        for (const e of queue) yield e;
        queue.length = 0;
      }
    }
    if (signal?.aborted) throw signal.reason;
    if (pipeline === null) {
      const first = head ?? Buffer.alloc(0);
      if (first.length === 0) checkRawPacket(first, true);
      pipeline = choose(first);
      pipeline.push(first);
    }
    pipeline.end();
  } catch (err) {
    if (signal?.aborted && err === signal.reason) throw err;
    failure = err instanceof CaptureError ? err : unreadable(err);
    if (pipeline !== null) {
      try {
        pipeline.abort();
      } catch {
        // Reporting what was open is best effort once the input has failed.
      }
    }
  }
  for (const e of queue) yield e;
  queue.length = 0;
  if (failure !== null) throw failure;
}
