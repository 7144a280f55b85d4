import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import { type Duplex, pipeline } from "node:stream";
import { checkInteger, checkOptions, invalidArgType, missingArgs } from "../codec/arguments.js";
import {
  ADDRESS_ALIASES,
  ADDRESS_KEYS,
  connectOptions,
  timeoutOption,
  type UwsgiAddress,
} from "./address.js";
import { UwsgiClientError } from "./errors.js";
import { request } from "./request.js";
import type { UwsgiResponse } from "./response.js";
import { checkOverrides, type VarsOverrides, varsFromRequest } from "./vars-from-request.js";

/** Options of {@link gatewayHandler} and {@link createGateway}. */
export interface GatewayOptions {
  /** The uWSGI socket: `{ host, port }` or `{ path }`. */
  readonly upstream: UwsgiAddress;
  /** SERVER_NAME (nginx's `server_name`). Defaults to the request's host. */
  readonly serverName?: string;
  /** DOCUMENT_ROOT (nginx's `root`). Defaults to "". */
  readonly documentRoot?: string;
  /** More vars to set or remove, as in `varsFromRequest`. */
  readonly overrides?: VarsOverrides;
  /** Largest chunked request body, buffered to compute CONTENT_LENGTH. Defaults to 1 MiB. */
  readonly maxBufferedBody?: number;
  /** Passed to `request()`. */
  readonly connectTimeout?: number;
  /** Passed to `request()`: milliseconds without a byte from uWSGI. */
  readonly timeout?: number;
  /** Passed to `request()`. */
  readonly maxHeaderSize?: number;
  /** Told about every failed exchange (the library itself never logs). */
  readonly onError?: (err: Error, req: IncomingMessage) => void;
}

const GATEWAY_KEYS: readonly string[] = [
  "upstream",
  "serverName",
  "documentRoot",
  "overrides",
  "maxBufferedBody",
  "connectTimeout",
  "timeout",
  "maxHeaderSize",
  "onError",
];

/** Names other proxies use for ours (the unknown-option hint names the right one). */
const GATEWAY_ALIASES: Readonly<Record<string, string>> = {
  target: "upstream",
  backend: "upstream",
  root: "documentRoot",
  headersTimeout: "timeout",
  maxHeadersSize: "maxHeaderSize",
  clientMaxBodySize: "maxBufferedBody",
};

function checkString(name: string, value: unknown): void {
  if (value !== undefined && typeof value !== "string") {
    throw invalidArgType(name, "of type string", value);
  }
}

/** Checks every option once, when the handler is made, so a typo fails at start, not per request. */
function checkGatewayOptions(options: unknown): void {
  if (options === null || typeof options !== "object") {
    throw invalidArgType("options", "of type object", options);
  }
  checkOptions("createGateway()", options, GATEWAY_KEYS, GATEWAY_ALIASES);
  const o = options as GatewayOptions;
  if (o.upstream === undefined) throw missingArgs("options.upstream");
  if (o.upstream === null || typeof o.upstream !== "object") {
    throw invalidArgType("options.upstream", "of type object", o.upstream);
  }
  checkOptions("options.upstream", o.upstream, ADDRESS_KEYS, ADDRESS_ALIASES);
  connectOptions(o.upstream, "options.upstream");
  checkString("options.serverName", o.serverName);
  checkString("options.documentRoot", o.documentRoot);
  if (o.overrides !== undefined) checkOverrides("options.overrides", o.overrides);
  if (o.maxBufferedBody !== undefined) {
    checkInteger("options.maxBufferedBody", o.maxBufferedBody, 0, Number.MAX_SAFE_INTEGER);
  }
  timeoutOption("options.connectTimeout", o.connectTimeout, 0);
  timeoutOption("options.timeout", o.timeout, 0);
  if (o.maxHeaderSize !== undefined) {
    checkInteger("options.maxHeaderSize", o.maxHeaderSize, 16, 2_147_483_647);
  }
  if (o.onError !== undefined && typeof o.onError !== "function") {
    throw invalidArgType("options.onError", "of type function", o.onError);
  }
}

/** Answer headers that describe the upstream connection, not the answer: never forwarded. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "proxy-connection",
  "upgrade",
]);

/**
 * The status nginx answers when a request fails: 400 for a request it refuses, 504 for a
 * timeout, 413 for a big body, else 502.
 */
function statusFor(err: Error): number {
  const code = err instanceof UwsgiClientError ? err.code : "";
  if (code === "BAD_REQUEST") return 400;
  if (code === "TIMEOUT" || code === "CONNECT_TIMEOUT") return 504;
  if (code === "BODY_TOO_LARGE") return 413;
  return 502;
}

/**
 * Answers `status` with the gateway's own status line and a plain-text body. The reason is
 * always given: `writeHead` would otherwise keep a reason set by a failed earlier attempt (a
 * "502 OK"). The connection closes after it, as nginx's does: the request body may be unread.
 */
function answerError(res: ServerResponse, status: number): void {
  const reason = STATUS_CODES[status] ?? "Error";
  const text = `${status} ${reason}\n`;
  res.shouldKeepAlive = false;
  res.writeHead(status, reason, {
    "Content-Type": "text/plain",
    "Content-Length": text.length,
    Connection: "close",
  });
  res.end(text);
}

/** Reads a chunked request body whole (uwsgi frames a body by CONTENT_LENGTH only). */
async function bufferBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      throw new UwsgiClientError("BODY_TOO_LARGE", `the chunked request body is over ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Sets every var named `name` to `value` (adding it when there is none). */
function setVar(vars: [string, string][], name: string, value: string): void {
  let found = false;
  for (const pair of vars) {
    if (pair[0] !== name) continue;
    pair[1] = value;
    found = true;
  }
  if (!found) vars.push([name, value]);
}

function forward(answer: UwsgiResponse, res: ServerResponse): void {
  const flat: string[] = [];
  const raw = answer.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (!HOP_BY_HOP.has(raw[i]!.toLowerCase())) flat.push(raw[i]!, raw[i + 1]!);
  }
  try {
    if (answer.statusCode === 101) {
      throw new UwsgiClientError(
        "MALFORMED_ANSWER",
        "a 101 answer cannot pass through the gateway",
      );
    }
    res.writeHead(answer.statusCode, answer.statusMessage, flat);
  } catch (err) {
    // The gateway's own error answer follows; the upstream connection goes now.
    answer.body.destroy();
    throw err;
  }
  pipeline(answer.body, res, () => {
    // Errors end both streams; the client sees a cut answer, as with nginx.
  });
}

async function handle(
  options: GatewayOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const overrides: Record<string, string | undefined> = { ...options.overrides };
  if (options.serverName !== undefined) overrides["SERVER_NAME"] ??= options.serverName;
  overrides["DOCUMENT_ROOT"] ??= options.documentRoot ?? "";
  if (req.method === "TRACE") {
    // nginx refuses TRACE (405) before any location runs.
    options.onError?.(new UwsgiClientError("BAD_REQUEST", "nginx refuses TRACE"), req);
    answerError(res, 405);
    return;
  }
  try {
    const vars = varsFromRequest(req, overrides);
    let body: Buffer | AsyncIterable<Buffer> | undefined;
    const chunked = req.headers["content-length"] === undefined && req.headers["transfer-encoding"];
    if (chunked) {
      body = await bufferBody(req, options.maxBufferedBody ?? 1024 * 1024);
      setVar(vars, "CONTENT_LENGTH", String(body.length));
    } else if (Number(req.headers["content-length"] ?? 0) > 0) {
      // Not `req` itself: a failed upstream must not destroy the client's connection (the
      // client still gets its 502), and the client may send the body before uWSGI reads it.
      body = req.iterator({ destroyOnReturn: false });
    }
    const answer = await request({
      ...options.upstream,
      vars,
      ...(body === undefined ? {} : { body }),
      signal: controller.signal,
      ...(options.connectTimeout === undefined ? {} : { connectTimeout: options.connectTimeout }),
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      ...(options.maxHeaderSize === undefined ? {} : { maxHeaderSize: options.maxHeaderSize }),
      head: req.method === "HEAD",
    });
    forward(answer, res);
  } catch (err) {
    options.onError?.(err as Error, req);
    if (res.headersSent || controller.signal.aborted) {
      res.destroy();
      return;
    }
    answerError(res, statusFor(err as Error));
  }
}

/**
 * A Node `http` request listener that forwards each request to uWSGI as nginx's `uwsgi_pass`
 * with Debian's uwsgi_params does: vars from {@link varsFromRequest}, the body streamed (a chunked
 * body is buffered first, up to `maxBufferedBody`), the answer streamed back with its status line
 * and headers (hop-by-hop ones dropped; interim 1xx answers skipped). Requests nginx refuses
 * are refused the same way (400, TRACE 405: see `varsFromRequest`); uWSGI failures answer 502,
 * timeouts 504. Wrong options throw Node's argument errors here, not per request.
 */
export function gatewayHandler(options: GatewayOptions): RequestListener {
  checkGatewayOptions(options);
  return (req, res) => {
    void handle(options, req, res);
  };
}

/**
 * An `http.Server` running {@link gatewayHandler}; call `listen()` on it. A CONNECT request is
 * answered 400 and closed, as nginx 1.22 does (Node would drop the connection without a word).
 */
export function createGateway(options: GatewayOptions): Server {
  const server = createServer(gatewayHandler(options));
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    socket.on("error", () => {});
    socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  });
  return server;
}
