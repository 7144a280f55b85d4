// Pair tables come from a shared slab, as the uwsgi codec's do (src/codec/offset-pool.ts): a fresh
// typed array over 64 bytes costs about 1 us in V8. Four u32 entries a pair, because FastCGI params
// and SCGI blocks can be longer than 65535 bytes. Decoding is synchronous and never re-entered.

const SLAB_ENTRIES = 64 * 1024;
let slab = new Uint32Array(0);
let used = 0;

/** Room for `max` entries; write them from {@link reservedBase}, then {@link commitTable}. */
export function reserveTable(max: number): Uint32Array {
  if (used + max > slab.length) {
    slab = new Uint32Array(Math.max(SLAB_ENTRIES, max));
    used = 0;
  }
  return slab;
}

/** Where the current reservation starts in the slab. */
export function reservedBase(): number {
  return used;
}

/** Takes the first `count` reserved entries as a view (no copy). */
export function commitTable(table: Uint32Array, count: number): Uint32Array {
  const view = new Uint32Array(table.buffer, used * 4, count);
  used += (count + 3) & ~3;
  return view;
}
