import { allocBytes } from "../codec/bytes.js";

// A packet that straddles chunks is gathered into memory of its own, exactly its size. Above
// Node's buffer-pool threshold (4 KiB), Buffer.allocUnsafe goes off-heap for every packet, and
// streaming the 59 KB benchmark packet took 1.3-2x as long as with slices of a shared slab
// (npm run bench -- --filter="large-60k uwsgi stream"). The trade-off is Node's own pool's: a
// view keeps its whole slab alive, so `detach()` what you keep. Every slice is filled before it is
// decoded, so no stale bytes of an earlier packet can show through.

const SLAB_SIZE = 256 * 1024;
let slab: Uint8Array = allocBytes(0);
let used = 0;

/** Memory for `size` gathered bytes: from Node's pool when small, else a slice of the slab. */
// Node's default Buffer.poolSize (8 KiB) >>> 1: at or below it, allocUnsafe slices Node's own pool.
const POOLED = 4096;

export function gatherBuffer(size: number): Uint8Array {
  if (size <= POOLED) return allocBytes(size);
  if (used + size > slab.length) {
    slab = allocBytes(Math.max(SLAB_SIZE, size));
    used = 0;
  }
  const out = slab.subarray(used, used + size);
  // Keep slices 8-byte aligned.
  used += (size + 7) & ~7;
  return out;
}
