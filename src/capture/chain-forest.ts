import { HEADER_SIZE } from "../codec/constants.js";
import type { CaptureWork } from "./session.js";
import { Check, headerVerdict, MAX_ITEMS, Verdict } from "./uwsgi-heuristic.js";

/**
 * Checks every candidate request start in a window of bytes at once, in time linear in the window.
 *
 * Walking a vars block (or array) from a position is a chain: each var (item) at `p` says where
 * the next starts, `next(p) > p`. A candidate header at `k` with datasize `d` is a request when
 * the chain from `k + 4` lands exactly on `k + 4 + d`, every var on the way having a non-empty
 * printable key. Checking each candidate alone walks up to 64 KiB, so a window full of candidate
 * headers costs the window's size squared. Here the chains of all positions form a forest
 * (parent = next var), built in one pass, then numbered in preorder with subtree sizes in two more:
 * "the chain from `p` reaches `e`" is "`e` is an ancestor of `p`", one comparison per candidate.
 *
 * The arrays are scratch, reused by every check of a decode (the decode is single-threaded and a
 * check runs to completion); they grow to the largest window (2 x 65540 positions), about 5 MiB.
 */
export class ChainForest {
  readonly #work: CaptureWork;
  #capacity = 0;
  /** First position >= p whose byte is not printable ASCII (or the window's end). */
  #bad = new Int32Array(0);
  readonly #vars = new Forest();
  readonly #items = new Forest();

  constructor(work: CaptureWork) {
    this.#work = work;
  }

  /** The verdict at the offset the last {@link scan} returned (NO when it returned -1). */
  verdict = 0;

  /**
   * The first offset in `[from, limit)` of `buf[0, len)` whose verdict is not NO (the verdict
   * `looksLikeUwsgi` gives there, with NEED_MORE read as NO when `final`), or -1; the verdict
   * goes to {@link verdict}.
   */
  scan(buf: Uint8Array, from: number, limit: number, len: number, final: boolean): number {
    const n = len - from + 1;
    this.#ensure(n);
    this.#work.scanSteps += n;
    let varsBuilt = false;
    let itemsBuilt = false;
    const bad = this.#bad;
    let next = len;
    for (let p = len - 1; p >= from; p--) {
      const c = buf[p]!;
      if (c < 0x21 || c > 0x7e) next = p;
      bad[p - from] = next;
    }
    bad[n - 1] = len;
    for (let k = from; k < limit; k++) {
      let verdict = headerVerdict(buf, k, len);
      if (verdict === Check.VARS || verdict === Check.ARRAY) {
        const p0 = k + HEADER_SIZE;
        const e = p0 + (buf[k + 1]! | (buf[k + 2]! << 8));
        if (verdict === Check.VARS) {
          if (!varsBuilt) {
            this.#buildVars(buf, from, len);
            varsBuilt = true;
          }
          verdict = this.#vars.reaches(p0 - from, e - from) > 0 ? Verdict.YES : Verdict.NO;
        } else {
          if (!itemsBuilt) {
            this.#buildItems(buf, from, len);
            itemsBuilt = true;
          }
          const steps = this.#items.reaches(p0 - from, e - from);
          const first = buf[p0]! | (buf[p0 + 1]! << 8);
          const named = first > 0 && bad[p0 + 2 - from]! >= p0 + 2 + first;
          verdict = steps > 0 && steps <= MAX_ITEMS && named ? Verdict.YES : Verdict.NO;
        }
      }
      if (verdict === Verdict.NEED_MORE && final) verdict = Verdict.NO;
      if (verdict !== Verdict.NO) {
        this.verdict = verdict;
        return k;
      }
    }
    this.verdict = Verdict.NO;
    return -1;
  }

  #ensure(n: number): void {
    if (this.#capacity >= n) return;
    const size = Math.max(n, Math.min(2 * this.#capacity, 2 * 65540 + 1));
    this.#capacity = size;
    this.#bad = new Int32Array(size);
    this.#vars.resize(size);
    this.#items.resize(size);
  }

  /** A var at p: u16 key length (not 0), printable key, u16 value length, value. */
  #buildVars(buf: Uint8Array, from: number, len: number): void {
    const parent = this.#vars.parent;
    const bad = this.#bad;
    for (let p = from; p < len; p++) {
      let up = -1;
      if (len - p >= 4) {
        const keyLen = buf[p]! | (buf[p + 1]! << 8);
        const valField = p + 2 + keyLen;
        if (keyLen > 0 && len - valField >= 2 && bad[p + 2 - from]! >= valField) {
          const next = valField + 2 + (buf[valField]! | (buf[valField + 1]! << 8));
          if (next <= len) up = next - from;
        }
      }
      parent[p - from] = up;
    }
    parent[len - from] = -1;
    this.#vars.number(len - from + 1);
    this.#work.scanSteps += 3 * (len - from + 1);
  }

  /** An item at p: u16 length, then that many bytes. */
  #buildItems(buf: Uint8Array, from: number, len: number): void {
    const parent = this.#items.parent;
    for (let p = from; p < len; p++) {
      let up = -1;
      if (len - p >= 2) {
        const next = p + 2 + (buf[p]! | (buf[p + 1]! << 8));
        if (next <= len) up = next - from;
      }
      parent[p - from] = up;
    }
    parent[len - from] = -1;
    this.#items.number(len - from + 1);
    this.#work.scanSteps += 3 * (len - from + 1);
  }
}

/** A forest whose every parent is at a higher index than its children. */
class Forest {
  parent = new Int32Array(0);
  #size = new Int32Array(0);
  #order = new Int32Array(0);
  #depth = new Int32Array(0);
  #free = new Int32Array(0);

  resize(n: number): void {
    this.parent = new Int32Array(n);
    this.#size = new Int32Array(n);
    this.#order = new Int32Array(n);
    this.#depth = new Int32Array(n);
    this.#free = new Int32Array(n);
  }

  /** Subtree sizes (children first), then preorder numbers and depths (parents first). */
  number(n: number): void {
    const parent = this.parent;
    const size = this.#size;
    const order = this.#order;
    const depth = this.#depth;
    const free = this.#free;
    size.fill(1, 0, n);
    for (let i = 0; i < n; i++) {
      const up = parent[i]!;
      if (up >= 0) size[up]! += size[i]!;
    }
    let counter = 0;
    for (let i = n - 1; i >= 0; i--) {
      const up = parent[i]!;
      let at: number;
      if (up < 0) {
        at = counter;
        counter += size[i]!;
        depth[i] = 0;
      } else {
        at = free[up]!;
        free[up] = at + size[i]!;
        depth[i] = depth[up]! + 1;
      }
      order[i] = at;
      free[i] = at + 1;
    }
  }

  /** How many steps up from `i` reach `e`, or 0 when `e` is not a proper ancestor of `i`. */
  reaches(i: number, e: number): number {
    const order = this.#order;
    const oi = order[i]!;
    const oe = order[e]!;
    if (oe < oi && oi < oe + this.#size[e]!) return this.#depth[i]! - this.#depth[e]!;
    return 0;
  }
}
