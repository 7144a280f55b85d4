import { OffsetSlab } from "../codec/offset-pool.js";

// The FastCGI and SCGI pair tables live in the uwsgi codec's slab class (src/codec/offset-pool.ts),
// with u32 entries because their blocks can be longer than 65535 bytes: four entries a pair (name
// start and end, value start and end). A view keeps the slab, its base and its count.

/** @internal The pair tables' slab. */
export const PAIR_SLAB: OffsetSlab<Uint32Array> = new OffsetSlab(
  (n) => new Uint32Array(n),
  64 * 1024,
);
