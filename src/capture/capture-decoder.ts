import type { Frame, FrameHandler } from "./capture-format.js";
import { Connection } from "./connection.js";
import { ConnectionTable } from "./connection-table.js";
import { decodeFrame, FrameKind, newSegment, TcpFlag, type TcpSegment } from "./frame-decoder.js";
import type { DecodeSession } from "./session.js";
import type { PendingBudget } from "./tcp-stream.js";

/** Limits of {@link CaptureDecoder}. */
export interface CaptureDecoderLimits {
  /** Server ports that mark uwsgi connections; null to recognise them by the heuristic. */
  readonly ports: ReadonlySet<number> | null;
  /** Recognise connections not on `ports` by the heuristic. */
  readonly heuristic: boolean;
  /** Out-of-order bytes held per direction before a gap is declared. */
  readonly maxOutOfOrderBytes: number;
  /** Out-of-order bytes held by all connections together before a gap is declared. */
  readonly maxBufferedBytes: number;
  /**
   * Connections tracked at once, closed ones included (kept so late retransmissions are known);
   * past it the oldest is dropped, reported first if still open.
   */
  readonly maxConnections: number;
}

/**
 * Frames in, exchanges out: decodes each frame's headers, finds its connection (by 4-tuple, either
 * direction), and feeds the segment to it. Connections are reported when they close or reset,
 * when they are evicted, and at the end for whatever is still open. A closed connection is kept
 * (without its buffers) until evicted, so that its late retransmissions are dropped; a new SYN on
 * the same addresses and ports starts a new connection.
 */
export class CaptureDecoder implements FrameHandler {
  readonly #session: DecodeSession;
  readonly #limits: CaptureDecoderLimits;
  readonly #segment: TcpSegment = newSegment();
  readonly #connections = new ConnectionTable<Connection>();
  // Tracked connections, oldest first (from #oldest on): eviction takes the oldest in O(1), where
  // a Map's first entry is found by stepping over the holes its deletions left.
  #order: Connection[] = [];
  #last: Connection | null = null;
  #oldest = 0;
  #tracked = 0;
  readonly #budget: PendingBudget;

  constructor(session: DecodeSession, limits: CaptureDecoderLimits) {
    this.#session = session;
    this.#limits = limits;
    this.#budget = { used: 0, max: limits.maxBufferedBytes, work: session.stats.work };
  }

  /** CaptureReader callback. */
  onFrame(frame: Frame): void {
    const stats = this.#session.stats;
    stats.frames++;
    const seg = this.#segment;
    const kind = decodeFrame(frame, seg);
    if (kind !== FrameKind.TCP) {
      if (kind === FrameKind.FRAGMENT) stats.fragments++;
      else if (kind === FrameKind.MALFORMED) stats.malformed++;
      else stats.otherFrames++;
      return;
    }
    stats.tcpSegments++;
    this.#session.setTime(frame.seconds, frame.nanos);
    // Frames come in runs of one connection: the last one found is tried first.
    const last = this.#last;
    let conn: Connection | undefined;
    if (last !== null && !last.forgotten && last.carries(seg)) conn = last;
    else conn = this.#connections.find(seg);
    if (conn?.isNewSyn(seg)) {
      this.#forget(conn);
      conn = undefined;
    }
    if (conn === undefined) {
      // Only a SYN or a segment with data opens a connection; stray ACKs, FINs and RSTs do not.
      if ((seg.flags & (TcpFlag.SYN | TcpFlag.RST)) !== TcpFlag.SYN && seg.payload.length === 0) {
        return;
      }
      conn = this.#track(seg);
      if (conn.ignored) return;
    }
    this.#last = conn;
    // A closed connection stays as a tombstone, so that late retransmissions are dropped rather
    // than read as a new connection that started before the capture.
    if (conn.ignored || conn.finished) return;
    conn.segment(seg, conn.directionOf(seg));
  }

  /** The capture ended: reports every connection still open. */
  finish(): void {
    const order = this.#order;
    for (let i = this.#oldest; i < order.length; i++) {
      const conn = order[i]!;
      if (!conn.forgotten && !conn.finished) conn.finish();
    }
    this.#connections.clear();
    this.#last = null;
    this.#order = [];
    this.#oldest = 0;
    this.#tracked = 0;
  }

  #track(seg: TcpSegment): Connection {
    if (this.#tracked >= this.#limits.maxConnections) {
      // The oldest first: usually closed already (a tombstone), else reported as it stands.
      const order = this.#order;
      while (order[this.#oldest]!.forgotten) this.#oldest++;
      this.#forget(order[this.#oldest]!);
    }
    const conn = new Connection(
      this.#session,
      seg,
      this.#limits.ports,
      this.#limits.heuristic,
      this.#limits.maxOutOfOrderBytes,
      this.#budget,
    );
    this.#session.stats.connections++;
    this.#connections.add(conn);
    this.#order.push(conn);
    this.#tracked++;
    return conn;
  }

  #forget(conn: Connection): void {
    conn.finish();
    this.#connections.delete(conn);
    conn.forgotten = true;
    this.#tracked--;
    // Forgotten connections leave the order lazily, all at once when they are most of it (a new
    // SYN on a reused 4-tuple forgets one from the middle): O(1) a connection over the decode.
    const order = this.#order;
    while (this.#oldest < order.length && order[this.#oldest]!.forgotten) this.#oldest++;
    if (order.length - this.#oldest > 2 * this.#tracked + 1024) {
      this.#order = order.filter((c, i) => i >= this.#oldest && !c.forgotten);
      this.#oldest = 0;
    } else if (this.#oldest > 1024 && 2 * this.#oldest > order.length) {
      this.#order = order.slice(this.#oldest);
      this.#oldest = 0;
    }
  }
}
