import type { CaptureWork } from "./session.js";

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
  readonly work: CaptureWork;
}

/**
 * What holding one segment costs beyond its payload (the entry, the copy's object, a map slot),
 * charged against the limits so that they also cap how many segments wait: a flood of one-byte
 * segments cannot hold more than `limit / 129` of them.
 */
export const HELD_SEGMENT_COST = 128;

/** A segment waiting for the bytes before it. */
interface Held {
  /** Stream position of its first byte (bytes since the stream's first, not wrapped). */
  readonly at: number;
  readonly data: Buffer;
  /** Sequence space after `data` that the capture did not keep (snap length). */
  readonly missing: number;
}

const NONE: Held[] = [];

/**
 * Reassembles one direction of a TCP connection. Sequence numbers wrap at 2^32 (compared as
 * signed 32-bit differences) and are turned into unwrapped stream positions. Bytes already
 * delivered are never replaced: a retransmission is dropped and an overlap is trimmed to its new
 * bytes, so the first copy delivered wins.
 *
 * Segments ahead of the next expected byte wait, copied, in a binary heap ordered by position
 * (O(log n) to add or take one, whatever order they come in); a copy of one already waiting at
 * the same position adds only what it has beyond it. When the waiting segments cost more than
 * `maxPending` (or all streams together more than the shared budget), each counted as its bytes
 * plus {@link HELD_SEGMENT_COST}, the missing range before the first of them is declared a gap.
 */
export class TcpStream {
  readonly #owner: StreamOwner;
  readonly #dir: number;
  readonly #maxPending: number;
  readonly #budget: PendingBudget;
  readonly #work: CaptureWork;
  #started = false;
  /** Sequence number of the next expected byte, and its stream position. */
  #next = 0;
  #nextAt = 0;
  #finAt = -1;
  #closed = false;
  // Made on the first segment that must wait: most streams never need them.
  #heap: Held[] = NONE;
  #byStart: Map<number, Held> | null = null;
  #charged = 0;
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
    this.#work = budget.work;
  }

  /** True once the FIN's sequence number has been reached. */
  get closed(): boolean {
    return this.#closed;
  }

  /** True once any segment of this direction has been seen. */
  get started(): boolean {
    return this.#started;
  }

  /** Payload bytes waiting for a missing segment. */
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
    const at = this.#nextAt + ((seq - this.#next) | 0);
    if (fin && this.#finAt < 0) this.#finAt = at + total;
    if (total > 0) {
      if (at > this.#nextAt) this.#hold(at, payload, missing);
      else {
        this.#deliver(at, payload, missing);
        this.#drain();
      }
    }
    this.#checkFin();
  }

  /** Delivers everything still waiting, declaring the holes before it gaps (end of capture, RST). */
  flush(): void {
    while (this.#heap.length > 0) this.#skipToPending();
  }

  /** Delivers the part of a segment at `at` (at or before the next expected byte) that is new. */
  #deliver(at: number, payload: Buffer, missing: number): void {
    const total = payload.length + missing;
    const trim = this.#nextAt - at;
    if (trim >= total) {
      this.duplicateBytes += total;
      return;
    }
    this.duplicateBytes += trim;
    if (trim < payload.length) {
      const data = trim === 0 ? payload : payload.subarray(trim);
      this.#advance(data.length);
      this.#owner.onStreamData(this.#dir, data);
    }
    const lost = total - Math.max(trim, payload.length);
    if (lost > 0) this.#gap(lost);
  }

  #advance(bytes: number): void {
    this.#next = (this.#next + bytes) >>> 0;
    this.#nextAt += bytes;
  }

  #gap(bytes: number): void {
    this.#advance(bytes);
    this.gapBytes += bytes;
    this.#owner.onStreamGap(this.#dir, bytes);
  }

  #hold(at: number, payload: Buffer, missing: number): void {
    let start = at;
    let data = payload;
    let lost = missing;
    if (this.#byStart === null) {
      this.#byStart = new Map();
      this.#heap = [];
    }
    const byStart = this.#byStart;
    // A copy of a segment already waiting at the same position adds only what goes beyond it.
    let same = byStart.get(start);
    while (same !== undefined) {
      const have = same.data.length + same.missing;
      const total = data.length + lost;
      if (total <= have) {
        this.duplicateBytes += total;
        return;
      }
      this.duplicateBytes += have;
      if (have < data.length) data = data.subarray(have);
      else {
        lost -= have - data.length;
        data = data.subarray(data.length);
      }
      start += have;
      same = byStart.get(start);
    }
    // Copied: the frame's memory is reused once the callback returns.
    const held: Held = { at: start, data: Buffer.from(data), missing: lost };
    byStart.set(start, held);
    this.#push(held);
    this.#work.heldSegments++;
    const cost = data.length + HELD_SEGMENT_COST;
    this.#charged += cost;
    this.#pendingBytes += data.length;
    const budget = this.#budget;
    budget.used += cost;
    while (
      (this.#charged > this.#maxPending || budget.used > budget.max) &&
      this.#heap.length > 0
    ) {
      this.#skipToPending();
    }
  }

  /** Declares the hole before the first waiting segment a gap, then delivers what follows. */
  #skipToPending(): void {
    const hole = this.#heap[0]!.at - this.#nextAt;
    if (hole > 0) this.#gap(hole);
    this.#drain();
  }

  #drain(): void {
    const heap = this.#heap;
    while (heap.length > 0 && heap[0]!.at <= this.#nextAt) {
      const first = this.#pop();
      const byStart = this.#byStart!;
      if (byStart.get(first.at) === first) byStart.delete(first.at);
      const cost = first.data.length + HELD_SEGMENT_COST;
      this.#charged -= cost;
      this.#pendingBytes -= first.data.length;
      this.#budget.used -= cost;
      this.#deliver(first.at, first.data, first.missing);
    }
    this.#checkFin();
  }

  #checkFin(): void {
    if (this.#finAt >= 0 && this.#nextAt >= this.#finAt && this.#heap.length === 0) {
      this.#closed = true;
    }
  }

  #push(held: Held): void {
    const heap = this.#heap;
    const work = this.#work;
    let i = heap.length;
    heap.push(held);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      work.orderSteps++;
      if (heap[parent]!.at <= held.at) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = held;
  }

  #pop(): Held {
    const heap = this.#heap;
    const work = this.#work;
    const top = heap[0]!;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      let child = left;
      work.orderSteps++;
      if (right < n) {
        work.orderSteps++;
        if (heap[right]!.at < heap[left]!.at) child = right;
      }
      if (heap[child]!.at >= last.at) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
    return top;
  }
}
