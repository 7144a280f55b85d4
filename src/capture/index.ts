// The "uwsgi-codec/capture" entry point: decoding uwsgi traffic out of pcap/pcapng captures (Node only).
export type { AnswerProblem } from "./answer-decoder.js";
export type { CaptureFormat, Frame, FrameHandler } from "./capture-format.js";
export { DEFAULT_CAPTURE_OPTIONS, type DecodeCaptureOptions } from "./capture-options.js";
export {
  CaptureReader,
  type CaptureReaderOptions,
  DEFAULT_MAX_RECORD_SIZE,
} from "./capture-reader.js";
export type { CaptureSource } from "./capture-source.js";
export { decodeCapture } from "./decode-capture.js";
export { CaptureError, type CaptureErrorCode } from "./errors.js";
export type {
  AnswerBase,
  AnswerPacket,
  BodySummary,
  CapturedAnswer,
  CapturedExchange,
  CaptureTime,
  Endpoint,
  ExchangeError,
  HttpAnswer,
  PacketsAnswer,
  RawAnswer,
  RequestBodyFraming,
} from "./exchange.js";
export { LinkType } from "./frame-decoder.js";
export {
  type BodyCallback,
  type CaptureStats,
  type InputFormat,
  newStats,
} from "./session.js";
export { looksLikeUwsgi, Verdict } from "./uwsgi-heuristic.js";
