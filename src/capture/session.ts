import { ChainForest } from "./chain-forest.js";
import type { CapturedExchange, CaptureTime } from "./exchange.js";
import { RequestFinder } from "./request-finder.js";

/** Receives finished exchanges. One object, so no closure is made per exchange. */
export interface ExchangeSink {
  onExchange(exchange: CapturedExchange): void;
}

/**
 * Called with each captured piece of a body, in order (request bodies and answer bodies).
 * `offset` is where the piece starts in its body: a piece that starts past the end of the
 * previous one follows bytes the capture lost (they are never made up as zeros).
 */
export type BodyCallback = (
  id: number,
  part: "request" | "answer",
  piece: Buffer,
  offset: number,
) => void;

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
  /**
   * With `ports` and without the heuristic: connections on other ports whose first bytes are a
   * uwsgi request all the same (they are not decoded), by server port. Empty otherwise.
   */
  uwsgiElsewhere: Map<number, number>;
  /** Exchanges reported, and those with at least one error. */
  exchanges: number;
  exchangesWithErrors: number;
  /** Bytes lost to gaps, over all connections and directions. */
  gapBytes: number;
  /** Bytes dropped as retransmitted or overlapping. */
  duplicateBytes: number;
  /**
   * @internal What the decode did, for the tests that prove its cost is linear in the input
   * whatever the input: each counter is bounded by a small multiple of the bytes read.
   */
  work: CaptureWork;
}

/**
 * Work counters of one decode (see `CaptureStats.work`, which is internal). Not exported by the
 * package, but left in the declarations: the decoder's own classes name it.
 */
export interface CaptureWork {
  /** Bytes fed to SHA-256. */
  hashedBytes: number;
  /** Segments held out of order (each insertion counts one). */
  heldSegments: number;
  /** Comparisons made by the out-of-order segment heap. */
  orderSteps: number;
  /** Positions examined while searching for the start of a request (heuristic). */
  scanSteps: number;
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
    uwsgiElsewhere: new Map(),
    exchanges: 0,
    exchangesWithErrors: 0,
    gapBytes: 0,
    duplicateBytes: 0,
    work: { hashedBytes: 0, heldSegments: 0, orderSteps: 0, scanSteps: 0 },
  };
}

/**
 * What every conversation of one decode shares: the clock, ids, limits, scratch memory and where
 * results go.
 */
export class DecodeSession {
  readonly sink: ExchangeSink;
  readonly previewBytes: number;
  /** Compute bodies' SHA-256. */
  readonly digest: boolean;
  readonly onBody: BodyCallback | undefined;
  readonly stats: CaptureStats;
  readonly work: CaptureWork;
  #ids = 0;
  // The time of the frame being processed; its object is made when asked for (most frames are
  // ACKs no exchange records).
  #timed = false;
  #seconds = 0;
  #nanos = 0;
  #now: CaptureTime | null = null;
  #forest: ChainForest | null = null;

  constructor(
    sink: ExchangeSink,
    previewBytes: number,
    digest: boolean,
    onBody: BodyCallback | undefined,
    stats: CaptureStats = newStats(),
  ) {
    this.sink = sink;
    this.stats = stats;
    // A stats object made by hand, before the counters existed, still works.
    stats.work ??= newStats().work;
    this.work = stats.work;
    this.previewBytes = previewBytes;
    this.digest = digest;
    this.onBody = onBody;
  }

  /** The time of the frame being processed, or null without timestamps (raw and hex input). */
  get now(): CaptureTime | null {
    if (!this.#timed) return null;
    this.#now ??= { seconds: this.#seconds, nanos: this.#nanos };
    return this.#now;
  }

  /** The frame being processed was captured at this time. */
  setTime(seconds: number, nanos: number): void {
    if (this.#timed && seconds === this.#seconds && nanos === this.#nanos) return;
    this.#timed = true;
    this.#seconds = seconds;
    this.#nanos = nanos;
    this.#now = null;
  }

  /** The scratch of the all-at-once request search, made on first need and shared. */
  forest(): ChainForest {
    this.#forest ??= new ChainForest(this.work);
    return this.#forest;
  }

  /** A finder for a request search, sharing this decode's scratch. */
  finder(): RequestFinder {
    return new RequestFinder(this);
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
