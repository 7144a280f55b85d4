// "uwsgi-codec/scgi": the SCGI codec (netstring of NUL-terminated headers, then the body), built to
// the uwsgi codec's standard. Pure: no Node globals, so it loads anywhere the core does.

export type { Pairs } from "../pairs/pairs-input.js";
export type { PairsView } from "../pairs/pairs-view.js";
export { ScgiError, type ScgiErrorCode } from "./errors.js";
export {
  DEFAULT_SCGI_OPTIONS,
  decodeScgiHeaders,
  decodeScgiRequest,
  type ScgiDecodeOptions,
  type ScgiRequest,
} from "./request-decode.js";
export { encodeScgiHead, encodeScgiRequest, scgiRequestByteLength } from "./request-encode.js";
export { type ScgiHandler, ScgiParser } from "./request-parser.js";
