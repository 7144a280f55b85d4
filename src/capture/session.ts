import type { CapturedExchange, CaptureTime } from "./exchange.js";

/** Receives finished exchanges. One object, so no closure is made per exchange. */
export interface ExchangeSink {
  onExchange(exchange: CapturedExchange): void;
}

/** Called with each piece of a body, in order (request bodies and answer bodies). */
export type BodyCallback = (id: number, part: "request" | "answer", piece: Buffer) => void;

/** What the input was: a capture file, raw uwsgi bytes, or a hex dump of them. */
export type InputFormat = "pcap" | "pcapng" | "raw" | "hex";

/** Counters of what a decode met. */
export interface CaptureStats {
  /** The input's format once sniffed, else null. */
  format: InputFormat | null;
  /** Input bytes read. */
  bytes: number;
  /** Frames (packets) read from the capture. */
  frames: number;
  /** TCP segments among them. */
  tcpSegments: number;
  /** Frames that were not IP, or IP but not TCP. */
  otherFrames: number;
  /** IP fragments skipped (not reassembled). */
  fragments: number;
  /** Frames whose headers were cut short or malformed. */
  malformed: number;
  /** TCP connections seen, and those recognised as uwsgi. */
  connections: number;
  uwsgiConnections: number;
  /** Exchanges reported, and those with at least one error. */
  exchanges: number;
  exchangesWithErrors: number;
  /** Bytes lost to gaps, over all connections and directions. */
  gapBytes: number;
  /** Bytes dropped as retransmitted or overlapping. */
  duplicateBytes: number;
}

/** Makes zeroed stats. */
export function newStats(): CaptureStats {
  return {
    format: null,
    bytes: 0,
    frames: 0,
    tcpSegments: 0,
    otherFrames: 0,
    fragments: 0,
    malformed: 0,
    connections: 0,
    uwsgiConnections: 0,
    exchanges: 0,
    exchangesWithErrors: 0,
    gapBytes: 0,
    duplicateBytes: 0,
  };
}

/** What every conversation of one decode shares: the clock, ids, limits and where results go. */
export class DecodeSession {
  readonly sink: ExchangeSink;
  readonly previewBytes: number;
  readonly onBody: BodyCallback | undefined;
  readonly stats: CaptureStats;
  /** The time of the frame being processed, or null without timestamps (raw and hex input). */
  now: CaptureTime | null = null;
  #ids = 0;

  constructor(
    sink: ExchangeSink,
    previewBytes: number,
    onBody: BodyCallback | undefined,
    stats: CaptureStats = newStats(),
  ) {
    this.sink = sink;
    this.stats = stats;
    this.previewBytes = previewBytes;
    this.onBody = onBody;
  }

  /** The next exchange id (1-based). */
  nextId(): number {
    return ++this.#ids;
  }

  /** Hands a finished exchange on. */
  emit(exchange: CapturedExchange): void {
    this.stats.exchanges++;
    if (exchange.errors.length > 0) this.stats.exchangesWithErrors++;
    this.sink.onExchange(exchange);
  }
}
