export { parseStream } from "./adapters/async-iterable.js";
export type { ParserEvent } from "./adapters/events.js";
export { PacketDecoderStream } from "./adapters/web-stream.js";
export type { ArgumentError, ArgumentErrorCode } from "./codec/arguments.js";
export { HEADER_SIZE, MAX_DATASIZE, MAX_U16 } from "./codec/constants.js";
export { contentLengthOf } from "./codec/content-length.js";
export { UwsgiError, type UwsgiErrorCode } from "./codec/errors.js";
export type { VarBytes } from "./codec/fields.js";
export { type PacketHeader, readHeader, writeHeader } from "./codec/header.js";
export {
  DEFAULT_DECODE_OPTIONS,
  type DecodeOptions,
  type EncodeOptions,
} from "./codec/limits.js";
export {
  Modifier1,
  type Modifier1Name,
  type ModifierInfo,
  modifierInfo,
  modifierName,
  type PayloadKind,
  payloadKindOf,
} from "./codec/modifiers.js";
export {
  type ArrayPacket,
  type BytesInput,
  bytesMissing,
  decodePacket,
  encodePacket,
  encodePacketInto,
  type Packet,
  type PacketBase,
  type PacketInit,
  packetByteLength,
  type RawPacket,
  type VarsPacket,
} from "./codec/packet.js";
export * from "./codec/packets.js";
export {
  appendSignature,
  decodeSubscription,
  encodeSubscription,
  MAX_SUBSCRIPTION_FIELD,
  MAX_SUBSCRIPTION_SIZE,
  SUBSCRIPTION_MODIFIER1,
  type Subscription,
  type SubscriptionDecodeOptions,
  type SubscriptionInit,
  signingBytes,
} from "./codec/subscription.js";
export type { TextEncoding, TextEncodingName } from "./codec/text.js";
export {
  arrayByteLength,
  decodeArray,
  encodeArray,
  encodeArrayInto,
  UwsgiArray,
} from "./codec/uwsgi-array.js";
export { decodeVars } from "./codec/vars-decode.js";
export {
  encodeVars,
  encodeVarsInto,
  type VarsInput,
  varsByteLength,
} from "./codec/vars-encode.js";
export { VarsView } from "./codec/vars-view.js";
export type { BodyMode } from "./parser/body-mode.js";
export {
  ChunkedDecoder,
  type ChunkedDecoderOptions,
  type ChunkedHandler,
  DEFAULT_CHUNKED_OPTIONS,
} from "./parser/chunked-decoder.js";
export { chunkHead, chunkTail, encodeChunk, lastChunk } from "./parser/chunked-encoder.js";
export { PacketParser, type ParserHandler, type ParserOptions } from "./parser/packet-parser.js";
