export { PacketDecoder } from "./adapters/node-stream.js";
export type { UwsgiAddress } from "./client/address.js";
export type { AnswerHead } from "./client/answer-head.js";
export {
  type CacheAddress,
  type CacheEntry,
  type CacheSetOptions,
  UwsgiCache,
} from "./client/cache.js";
export { echo } from "./client/echo.js";
export { UwsgiClientError, type UwsgiClientErrorCode } from "./client/errors.js";
export { createGateway, type GatewayOptions, gatewayHandler } from "./client/gateway.js";
export type { PacketCallOptions } from "./client/packet-exchange.js";
export { type PingOptions, type PingResult, ping } from "./client/ping.js";
export { DEFAULT_REQUEST_OPTIONS, type RequestOptions, request } from "./client/request.js";
export type { RequestBody } from "./client/request-packet.js";
export { type InformationalAnswer, UwsgiResponse } from "./client/response.js";
export { type RpcAddress, rpc } from "./client/rpc.js";
export { raiseSignal } from "./client/signal.js";
export { type SpoolOptions, spool } from "./client/spool.js";
export { documentUri, type VarsOverrides, varsFromRequest } from "./client/vars-from-request.js";
export {
  DEFAULT_DISSECTOR_OPTIONS,
  type DissectorOptions,
  generateDissector,
} from "./dissector/generate.js";
export type { BalancerName } from "./router/balancer.js";
export { UwsgiRouterError, type UwsgiRouterErrorCode } from "./router/errors.js";
export type { NodeEvent } from "./router/health.js";
export type { LatencySnapshot } from "./router/latency.js";
export * as middleware from "./router/middleware.js";
export type { NodeInit, NodeStats } from "./router/node.js";
export { DEFAULT_ROUTER_OPTIONS, type RouterOptions } from "./router/options.js";
export type { PoolOptions, PoolStats } from "./router/pool.js";
export { type AnswerHeaders, type Middleware, RouterRequest } from "./router/request.js";
export { createRouter, type RouterStats, UwsgiRouter } from "./router/router.js";
export { type SubscribeOptions, Subscriber, subscribe } from "./router/subscribe.js";
export type {
  SubscriptionServerOptions,
  SubscriptionVerifyOptions,
} from "./router/subscription-options.js";
export {
  type DatagramSource,
  type SubscriptionRefusal,
  SubscriptionServer,
} from "./router/subscription-server.js";
export { VarsEditor } from "./router/vars-editor.js";
export type { RpcFunction } from "./rpc/rpc-answer.js";
export { createRpcServer, type RpcFunctionsInit, serveRpc } from "./rpc/rpc-server.js";
export type { HeaderValue, ResponseHeaders } from "./server/headers.js";
export {
  DEFAULT_SERVER_OPTIONS,
  type ResolvedServerOptions,
  type ServerOptions,
} from "./server/options.js";
export type { UwsgiRequest } from "./server/request.js";
export type { UwsgiServerResponse } from "./server/response.js";
export type { ResponseError, ResponseErrorCode } from "./server/response-errors.js";
export {
  type ClientErrorListener,
  createServer,
  type RequestHandler,
  UwsgiServer,
} from "./server/server.js";
export { UwsgiServerError, type UwsgiServerErrorCode } from "./server/server-error.js";
