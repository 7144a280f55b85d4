import { HEADER_SIZE } from "../codec/constants.js";
import type { ChainForest } from "./chain-forest.js";
import type { CaptureWork } from "./session.js";
import { Check, headerVerdict, looksLikeUwsgi, Verdict } from "./uwsgi-heuristic.js";

const EMPTY = Buffer.alloc(0);

/** Room for one whole packet (65539 bytes) to be looked for at any offset of the first 64 KiB. */
const FINDER_CAPACITY: number = 2 * 65540;

// Checking candidates one by one may cost up to this many steps per byte searched; past it, the
// search checks all candidates of its window at once (ChainForest). Real traffic stays far below:
// a search usually ends at its first candidate.
const DIRECT_STEPS_PER_BYTE = 2;

/** Where a finder gets its counters and the decode's shared scratch (the session). */
export interface FinderHost {
  readonly work: CaptureWork;
  forest(): ChainForest;
}

/**
 * Looks for the offset where a whole, plausible uwsgi request starts (`looksLikeUwsgi`) in bytes
 * that arrive in pieces, in work linear in the bytes: candidates are checked one by one while that
 * is cheap, and all at once over the window (see `ChainForest`) once a flood of candidates makes
 * it dear; the window is then re-checked only after it has doubled, so no byte is looked at
 * more than a few times. Holds at most {@link FINDER_CAPACITY} bytes: the offsets before the first
 * one still open are dropped (and counted) as the window fills.
 */
export class RequestFinder {
  readonly #host: FinderHost;
  readonly #work: CaptureWork;
  #buf: Buffer | null = null;
  #length = 0;
  /** The first offset not yet ruled out. */
  #from = 0;
  /** Steps the one-by-one checks may still take. */
  #allowance = 0;
  #batch = false;
  /** Window length at which the next all-at-once check runs. */
  #batchAt = 0;

  constructor(host: FinderHost) {
    this.#host = host;
    this.#work = host.work;
  }

  /** Bytes held. */
  get length(): number {
    return this.#length;
  }

  /** The first offset not yet ruled out (bytes before it are not a request's start). */
  get from(): number {
    return this.#from;
  }

  /** The bytes held (a view, valid until the next call). */
  get bytes(): Buffer {
    return (this.#buf ?? EMPTY).subarray(0, this.#length);
  }

  /** Appends as much of `data[off..]` as fits; returns how many bytes it took. */
  append(data: Uint8Array, off: number): number {
    let buf = this.#buf;
    const want = this.#length + data.length - off;
    if (buf === null || (buf.length < want && buf.length < FINDER_CAPACITY)) {
      // Grown as needed: a search usually ends within the first bytes (256 and less come from
      // Node's shared pool; a connection probed is often one short segment).
      const grown = Buffer.allocUnsafe(Math.min(FINDER_CAPACITY, Math.max(256, 2 * want)));
      if (buf !== null) buf.copy(grown, 0, 0, this.#length);
      buf = grown;
      this.#buf = buf;
    }
    const n = Math.min(buf.length - this.#length, data.length - off);
    buf.set(data.subarray(off, off + n), this.#length);
    this.#length += n;
    this.#allowance += DIRECT_STEPS_PER_BYTE * n;
    return n;
  }

  /**
   * The first offset below `limit` where a request starts (verdict YES), or -1 when there is none
   * yet: every offset before `from` is ruled out and the one at `from` waits for more bytes.
   * `final`: no more bytes will come, so a candidate still waiting is not one.
   */
  find(limit: number, final: boolean): number {
    const buf = this.#buf ?? EMPTY;
    const len = this.#length;
    const end = Math.min(limit, len);
    if (this.#batch) {
      if (!final && len < this.#batchAt && len < FINDER_CAPACITY) return -1;
      return this.#findAll(buf, end, len, final);
    }
    const work = this.#work;
    let k = this.#from;
    for (; k < end; k++) {
      const quick = headerVerdict(buf, k, len);
      let cost = 1;
      if (quick === Check.VARS || quick === Check.ARRAY) cost += buf[k + 1]! | (buf[k + 2]! << 8);
      if (cost > this.#allowance) {
        // Too dear one by one: all the rest at once.
        this.#from = k;
        this.#batch = true;
        return this.#findAll(buf, end, len, final);
      }
      this.#allowance -= cost;
      work.scanSteps += cost;
      let verdict =
        quick === Check.VARS || quick === Check.ARRAY ? looksLikeUwsgi(buf, k, len) : quick;
      if (verdict === Verdict.NEED_MORE && final) verdict = Verdict.NO;
      if (verdict === Verdict.YES) {
        this.#from = k;
        return k;
      }
      if (verdict === Verdict.NEED_MORE) break;
    }
    this.#from = k;
    return -1;
  }

  #findAll(buf: Buffer, end: number, len: number, final: boolean): number {
    const forest = this.#host.forest();
    const k = forest.scan(buf, this.#from, end, len, final);
    const verdict = forest.verdict;
    const from = k < 0 ? end : k;
    this.#from = from;
    // Re-checked once the window, from its first open offset, has doubled (so a check costs no
    // more than twice the bytes that came since the last), and not before the candidate there
    // can be whole (nothing after it counts until it is decided).
    let next = len + Math.max(64, len - from);
    if (verdict === Verdict.NEED_MORE && len - from >= HEADER_SIZE) {
      next = Math.max(next, from + HEADER_SIZE + (buf[from + 1]! | (buf[from + 2]! << 8)));
    }
    this.#batchAt = next;
    return verdict === Verdict.YES ? k : -1;
  }

  /**
   * Drops the bytes before `from` when they are at least half of the window (or the window is
   * full), so that moving the rest costs no more than the bytes dropped; returns how many.
   */
  compact(): number {
    const from = this.#from;
    if (from === 0 || this.#buf === null) return 0;
    if (2 * from < this.#length && this.#length < FINDER_CAPACITY) return 0;
    this.#buf.copyWithin(0, from, this.#length);
    this.#length -= from;
    this.#batchAt -= from;
    this.#from = 0;
    return from;
  }

  /**
   * Hands over the bytes from `at` to the end (a view of memory the finder no longer uses) and
   * starts over empty.
   */
  take(at: number): Buffer {
    const rest = (this.#buf ?? EMPTY).subarray(at, this.#length);
    this.#buf = null;
    this.reset();
    return rest;
  }

  /** Starts a new search (keeps the buffer). */
  reset(): void {
    this.#length = 0;
    this.#from = 0;
    this.#allowance = 0;
    this.#batch = false;
    this.#batchAt = 0;
  }
}
