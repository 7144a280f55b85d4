// Offset tables for decoded views come from a shared slab. A fresh typed array of more than 64
// bytes gets its own off-heap backing store in V8, which costs about 1 us (33+ vars measured 1.3 us
// against 0.26 us for 32, Node 20.20), and even a typed-array view of the slab costs an object
// and a native getter per decode: a view keeps the slab, its base and its count instead.
// Decoding is synchronous and never re-entered, so reserve -> write -> commit cannot interleave.
// OffsetSlab serves the FastCGI and SCGI pair views (u32: their blocks can be longer); the uwsgi
// vars and arrays have their own u16 slab below.

/** @internal A slab of offsets of one width; views keep (slab, base, count). */
export class OffsetSlab<T extends Uint16Array | Uint32Array> {
  /** The current slab: write a reservation's entries into it from {@link base}. */
  slab: T;
  /** Where the current reservation starts. */
  base = 0;
  readonly #make: (entries: number) => T;
  readonly #entries: number;

  /** `make` makes a slab of a number of entries; new slabs have at least `entries`. */
  constructor(make: (entries: number) => T, entries: number) {
    this.#make = make;
    this.#entries = entries;
    this.slab = make(0);
  }

  /** Makes room for up to `max` entries from {@link base}; returns the slab. Nothing is taken yet. */
  reserve(max: number): T {
    if (this.base + max > this.slab.length) {
      this.slab = this.#make(Math.max(this.#entries, max));
      this.base = 0;
    }
    return this.slab;
  }

  /** Takes the first `count` reserved entries; the rest stays free. */
  commit(count: number): void {
    // Keep tables 8-byte aligned so neighbouring tables never share a cache-line-sized word.
    this.base += (count + 3) & ~3;
  }
}

// The uwsgi views' slab (u16 offsets: a packet is at most 65535 bytes) is kept in two variables
// rather than in an OffsetSlab: every decode reserves and commits, and calls through the class it
// shares with the pair views' u32 slab were polymorphic (its slab field holds both array types),
// which made V8 compile the vars walk one of two ways from run to run (nginx-get's lazy decode
// 128-135 or 160-170 ns in npm run bench).
// 64 KiB holds the largest possible uwsgi table (16384 entries of 2 bytes) twice over.
const U16_ENTRIES = 32 * 1024;
let u16Slab = new Uint16Array(0);
let u16Base = 0;

/**
 * Makes room for up to `max` entries and returns the slab to write them into, starting at
 * {@link reservedBase}. Nothing is taken until {@link commitOffsets}.
 */
export function reserveOffsets(max: number): Uint16Array {
  if (u16Base + max > u16Slab.length) {
    u16Slab = new Uint16Array(Math.max(U16_ENTRIES, max));
    u16Base = 0;
  }
  return u16Slab;
}

/** Where the entries of the current reservation start in the slab. */
export function reservedBase(): number {
  return u16Base;
}

/** Takes the first `count` reserved entries; the rest stays free. Views keep (slab, base, count). */
export function commitOffsets(count: number): void {
  // Keep tables 8-byte aligned so neighbouring tables never share a cache-line-sized word.
  u16Base += (count + 3) & ~3;
}
