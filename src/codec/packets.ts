// The special packets beside requests and ping: RPC, cache, signal, spooler, echo, uWSGI's
// status answer, and what answer each request gets. Re-exported by src/index.ts.

export {
  type AnswerFraming,
  answerFramingOf,
  type RequestTrailer,
  requestTrailerOf,
} from "./answer-framing.js";
export {
  CACHE_MODIFIER1,
  type CacheAnswer,
  type CacheAnswerHead,
  type CacheAnswerInit,
  type CacheAnswerReady,
  type CacheCommand,
  CacheModifier2,
  type CacheRequest,
  type CacheRequestInit,
  decodeCacheAnswer,
  decodeCacheRequest,
  encodeCacheAnswer,
  encodeCacheRequest,
  readCacheAnswerHead,
} from "./cache.js";
export {
  CACHE_GET_PREFIX_SIZE,
  type CacheDumpHead,
  type CachePacket,
  type CachePacketInit,
  decodeCachePacket,
  encodeCachePacket,
  readCacheDumpHead,
} from "./cache-simple.js";
export { ECHO_MODIFIER1, encodeEcho } from "./echo.js";
export type { FramedAnswerHead, FramedAnswerReady, FramedAnswerWaiting } from "./framed-answer.js";
export {
  decodeRpcAnswer,
  decodeRpcCall,
  encodeRpcAnswer,
  encodeRpcAnswerHead,
  encodeRpcCall,
  MAX_RPC_ARGS,
  MAX_RPC_NAME_LENGTH,
  RPC_MODIFIER1,
  type RpcAnswer,
  type RpcCall,
  type RpcCallOptions,
  type RpcDecodeOptions,
  RpcModifier2,
  readRpcAnswerHead,
} from "./rpc.js";
export { decodeSignal, encodeSignal, SIGNAL_MODIFIER1, type SignalPacket } from "./signal.js";
export {
  decodeSpoolFile,
  decodeSpoolJob,
  encodeSpoolJob,
  SPOOLER_MODIFIER1,
  SpoolerKey,
  type SpoolFile,
  type SpoolJob,
} from "./spooler.js";
export {
  decodeStatusAnswer,
  encodeStatusAnswer,
  RESPONSE_MODIFIER1,
  type StatusAnswer,
} from "./status-answer.js";
