/** Receives one direction's bytes in sequence order. One object for both directions: no closures. */
export interface StreamOwner {
  /** Contiguous new bytes of direction `dir` (a view; copy what you keep). */
  onStreamData(dir: number, data: Buffer): void;
  /** `bytes` of direction `dir` were never captured: the stream skips over them. */
  onStreamGap(dir: number, bytes: number): void;
}

/** Out-of-order bytes held by all streams of a decode, against a shared limit. */
export interface PendingBudget {
  used: number;
  readonly max: number;
}

interface Pending {
  readonly seq: number;
  readonly data: Buffer;
  /** Sequence space after `data` that the capture did not keep (snap length). */
  readonly missing: number;
}

/**
 * Reassembles one direction of a TCP connection. Sequence numbers wrap at 2^32 (compared as
 * signed 32-bit differences). Bytes already delivered are never replaced: a retransmission is
 * dropped and an overlap is trimmed to its new bytes, so the first copy delivered wins.
 * Segments ahead of the next expected byte wait, copied, in sequence order; when they hold more
 * than `maxPending` bytes (or all streams together more than the shared budget) the missing range
 * before the first of them is declared a gap.
 */
export class TcpStream {
  readonly #owner: StreamOwner;
  readonly #dir: number;
  readonly #maxPending: number;
  readonly #budget: PendingBudget;
  #started = false;
  #next = 0;
  #fin = -1;
  #closed = false;
  #pending: Pending[] = [];
  #pendingBytes = 0;
  /** True when the first segment seen was not a SYN: the stream started before the capture. */
  midstream = false;
  /** Bytes seen again (retransmissions, overlaps) and dropped. */
  duplicateBytes = 0;
  /** Bytes declared lost in gaps. */
  gapBytes = 0;

  constructor(owner: StreamOwner, dir: number, maxPending: number, budget: PendingBudget) {
    this.#owner = owner;
    this.#dir = dir;
    this.#maxPending = maxPending;
    this.#budget = budget;
  }

  /** True once the FIN's sequence number has been reached. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True once any segment of this direction has been seen. */
  get started(): boolean {
    return this.#started;
  }

  /** Bytes waiting for a missing segment. */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /** A SYN with this sequence number: data starts at `seq + 1`. */
  syn(seq: number): void {
    if (this.#started) return;
    this.#started = true;
    this.#next = (seq + 1) >>> 0;
  }

  /** A segment: `payload` then `missing` uncaptured bytes from `seq`; `fin` when FIN is set. */
  segment(seq: number, payload: Buffer, missing: number, fin: boolean): void {
    if (this.#closed) return;
    const total = payload.length + missing;
    if (!this.#started) {
      this.#started = true;
      this.midstream = true;
      this.#next = seq;
    }
    if (total > 0) this.#accept(seq, payload, missing);
    if (fin) {
      this.#fin = (seq + total) >>> 0;
      this.#checkFin();
    }
  }

  /** Delivers everything still waiting, declaring the holes before it gaps (end of capture, RST). */
  flush(): void {
    while (this.#pending.length > 0) this.#skipToPending();
  }

  #accept(seq: number, payload: Buffer, missing: number): void {
    const rel = (seq - this.#next) | 0;
    if (rel > 0) {
      this.#hold(seq, payload, missing);
      return;
    }
    this.#deliver(seq, payload, missing);
    this.#drain();
  }

  /** Delivers the part of a segment at or before the next expected byte that is new. */
  #deliver(seq: number, payload: Buffer, missing: number): void {
    const total = payload.length + missing;
    const trim = (this.#next - seq) | 0;
    if (trim >= total) {
      this.duplicateBytes += total;
      return;
    }
    this.duplicateBytes += trim;
    if (trim < payload.length) {
      const data = trim === 0 ? payload : payload.subarray(trim);
      this.#next = (this.#next + data.length) >>> 0;
      this.#owner.onStreamData(this.#dir, data);
    }
    const lost = total - Math.max(trim, payload.length);
    if (lost > 0) this.#gap(lost);
  }

  #gap(bytes: number): void {
    this.#next = (this.#next + bytes) >>> 0;
    this.gapBytes += bytes;
    this.#owner.onStreamGap(this.#dir, bytes);
  }

  #hold(seq: number, payload: Buffer, missing: number): void {
    const list = this.#pending;
    let i = list.length;
    while (i > 0 && ((list[i - 1]!.seq - seq) | 0) > 0) i--;
    // Copied: the frame's memory is reused once the callback returns.
    list.splice(i, 0, { seq, data: Buffer.from(payload), missing });
    this.#pendingBytes += payload.length;
    this.#budget.used += payload.length;
    const budget = this.#budget;
    while ((this.#pendingBytes > this.#maxPending || budget.used > budget.max) && list.length > 0) {
      this.#skipToPending();
    }
  }

  /** Declares the hole before the first waiting segment a gap, then delivers what follows. */
  #skipToPending(): void {
    const first = this.#pending[0]!;
    const hole = (first.seq - this.#next) | 0;
    if (hole > 0) this.#gap(hole);
    this.#drain();
  }

  #drain(): void {
    const list = this.#pending;
    while (list.length > 0) {
      const first = list[0]!;
      if (((first.seq - this.#next) | 0) > 0) break;
      list.shift();
      this.#pendingBytes -= first.data.length;
      this.#budget.used -= first.data.length;
      this.#deliver(first.seq, first.data, first.missing);
    }
    this.#checkFin();
  }

  #checkFin(): void {
    if (this.#fin >= 0 && ((this.#next - this.#fin) | 0) >= 0 && this.#pending.length === 0) {
      this.#closed = true;
    }
  }
}
