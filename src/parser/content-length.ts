// Kept for the layers above that import it from here; the reading itself is the codec's.
export { contentLengthOf } from "../codec/content-length.js";
