// "uwsgi-codec/fastcgi": the FastCGI 1.0 codec, built to the uwsgi codec's standard (sized once and
// written once, lazy pair views, streaming parsers split anywhere, typed errors). Pure: no Node
// globals, so it loads anywhere the core does.

export type { Pairs } from "../pairs/pairs-input.js";
export type { PairsView } from "../pairs/pairs-view.js";
export { FastcgiError, type FastcgiErrorCode } from "./errors.js";
export {
  DEFAULT_PARAMS_OPTIONS,
  decodeParams,
  encodeParams,
  type ParamsDecodeOptions,
} from "./params.js";
export {
  FCGI_VERSION,
  FcgiProtocolStatus,
  FcgiRole,
  FcgiType,
  KEEP_CONN,
  MAX_CONTENT_LENGTH,
  NGINX_STDIN_RECORD,
  RECORD_HEADER_SIZE,
} from "./record.js";
export { FcgiRecordParser, type RecordHandler } from "./record-parser.js";
export { decodeFcgiRequest, type FcgiRequest } from "./request-decode.js";
export {
  encodeFcgiRequest,
  encodeFcgiRequestParts,
  type FcgiRequestInit,
  fcgiRequestByteLength,
} from "./request-encode.js";
export { type FcgiRequestHandler, FcgiRequestParser } from "./request-parser.js";
export { encodeFcgiResponse, type FcgiResponseInit } from "./response-encode.js";
export { type FcgiResponseHandler, FcgiResponseParser } from "./response-parser.js";
