export { PacketDecoder } from "./adapters/node-stream.js";
export type { UwsgiAddress } from "./client/address.js";
export type { AnswerHead } from "./client/answer-head.js";
export { UwsgiClientError, type UwsgiClientErrorCode } from "./client/errors.js";
export { createGateway, type GatewayOptions, gatewayHandler } from "./client/gateway.js";
export { type PingOptions, type PingResult, ping } from "./client/ping.js";
export { DEFAULT_REQUEST_OPTIONS, type RequestOptions, request } from "./client/request.js";
export type { RequestBody } from "./client/request-packet.js";
export { type InformationalAnswer, UwsgiResponse } from "./client/response.js";
export { documentUri, type VarsOverrides, varsFromRequest } from "./client/vars-from-request.js";
export type { HeaderValue, ResponseHeaders } from "./server/headers.js";
export {
  DEFAULT_SERVER_OPTIONS,
  type ResolvedServerOptions,
  type ServerOptions,
} from "./server/options.js";
export type { UwsgiRequest } from "./server/request.js";
export type { UwsgiServerResponse } from "./server/response.js";
export {
  type ClientErrorListener,
  createServer,
  type RequestHandler,
  UwsgiServer,
} from "./server/server.js";
export { UwsgiServerError, type UwsgiServerErrorCode } from "./server/server-error.js";
