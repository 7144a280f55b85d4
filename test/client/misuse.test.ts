// Misuse of the client's entry points gets Node's argument errors: a TypeError or RangeError with
// a stable code, naming the argument and saying what to pass instead. One row per mistake.
import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { createGateway, gatewayHandler } from "../../src/client/gateway.js";
import { ping } from "../../src/client/ping.js";
import { request } from "../../src/client/request.js";
import { documentUri, varsFromRequest } from "../../src/client/vars-from-request.js";

type Code =
  | "ERR_INVALID_ARG_TYPE"
  | "ERR_INVALID_ARG_VALUE"
  | "ERR_OUT_OF_RANGE"
  | "ERR_MISSING_ARGS"
  | "ERR_UNKNOWN_OPTION";

/** [what the user did, the call, the code, words the message must have (what to do)] */
type Row = [string, () => unknown, Code, string?];

// biome-ignore lint/suspicious/noExplicitAny: the rows call the API the wrong way on purpose.
const anyRequest = request as (options?: any) => Promise<unknown>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
const anyPing = ping as (address?: any, options?: any) => Promise<unknown>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
const anyGateway = createGateway as (options?: any) => unknown;
// biome-ignore lint/suspicious/noExplicitAny: as above.
const anyVars = varsFromRequest as (req?: any, overrides?: any) => unknown;
const req = {
  url: "/",
  method: "GET",
  httpVersion: "1.0",
  headers: {},
  rawHeaders: [],
  socket: {},
} as unknown as IncomingMessage;

const rows: Row[] = [
  ["request() without options", () => anyRequest(), "ERR_INVALID_ARG_TYPE", '"options"'],
  ["request('localhost:3031')", () => anyRequest("localhost:3031"), "ERR_INVALID_ARG_TYPE"],
  [
    "request({}): no address",
    () => anyRequest({}),
    "ERR_MISSING_ARGS",
    '"options.port" or "options.path"',
  ],
  [
    "a host with the port in it",
    () => anyRequest({ host: "localhost:3032" }),
    "ERR_INVALID_ARG_VALUE",
    '{ host: "localhost", port: 3032 }',
  ],
  [
    "an IPv6 host with the port in it",
    () => anyRequest({ host: "[::1]:3032" }),
    "ERR_INVALID_ARG_VALUE",
    '{ host: "::1", port: 3032 }',
  ],
  ["a host without a port", () => anyRequest({ host: "localhost" }), "ERR_MISSING_ARGS"],
  ["a port as a string", () => anyRequest({ port: "3031" }), "ERR_INVALID_ARG_TYPE", "number"],
  ["port 0", () => anyRequest({ port: 0 }), "ERR_OUT_OF_RANGE", ">= 1 && <= 65535"],
  ["port 70000", () => anyRequest({ port: 70000 }), "ERR_OUT_OF_RANGE"],
  ["a fractional port", () => anyRequest({ port: 80.5 }), "ERR_OUT_OF_RANGE"],
  [
    "node:http's URL `path` with a port",
    () => anyRequest({ port: 80, path: "/hello" }),
    "ERR_INVALID_ARG_VALUE",
    "PATH_INFO",
  ],
  ["an empty unix path", () => anyRequest({ path: "" }), "ERR_INVALID_ARG_VALUE"],
  ["a path that is not a string", () => anyRequest({ path: 5 }), "ERR_INVALID_ARG_TYPE"],
  ["an empty host", () => anyRequest({ host: "", port: 80 }), "ERR_INVALID_ARG_VALUE"],
  ["a host that is not a string", () => anyRequest({ host: 1, port: 80 }), "ERR_INVALID_ARG_TYPE"],
  [
    "node:http's hostname",
    () => anyRequest({ hostname: "h", port: 80 }),
    "ERR_UNKNOWN_OPTION",
    'did you mean "host"',
  ],
  [
    "node:http's socketPath",
    () => anyRequest({ socketPath: "/run/u.sock" }),
    "ERR_UNKNOWN_OPTION",
    'did you mean "path"',
  ],
  [
    "undici's headersTimeout",
    () => anyRequest({ port: 80, headersTimeout: 5 }),
    "ERR_UNKNOWN_OPTION",
    'did you mean "timeout"',
  ],
  [
    "node:http's method",
    () => anyRequest({ port: 80, method: "GET" }),
    "ERR_UNKNOWN_OPTION",
    'did you mean "vars"',
  ],
  [
    "a key in the wrong case",
    () => anyRequest({ port: 80, ContentLength: 3 }),
    "ERR_UNKNOWN_OPTION",
    'did you mean "contentLength"',
  ],
  ["an unknown option", () => anyRequest({ port: 80, retries: 3 }), "ERR_UNKNOWN_OPTION"],
  ["a negative timeout", () => anyRequest({ port: 80, timeout: -1 }), "ERR_OUT_OF_RANGE"],
  [
    "a NaN connectTimeout",
    () => anyRequest({ port: 80, connectTimeout: Number.NaN }),
    "ERR_OUT_OF_RANGE",
  ],
  ["a timeout as a string", () => anyRequest({ port: 80, timeout: "5" }), "ERR_INVALID_ARG_TYPE"],
  ["a tiny maxHeaderSize", () => anyRequest({ port: 80, maxHeaderSize: 4 }), "ERR_OUT_OF_RANGE"],
  ["a body that is a number", () => anyRequest({ port: 80, body: 42 }), "ERR_INVALID_ARG_TYPE"],
  [
    "a negative contentLength",
    () => anyRequest({ port: 80, body: "x", contentLength: -1 }),
    "ERR_OUT_OF_RANGE",
  ],
  ["modifier1 256", () => anyRequest({ port: 80, modifier1: 256 }), "ERR_OUT_OF_RANGE"],
  ["modifier2 as a string", () => anyRequest({ port: 80, modifier2: "5" }), "ERR_INVALID_ARG_TYPE"],
  ["head as a string", () => anyRequest({ port: 80, head: "yes" }), "ERR_INVALID_ARG_TYPE"],
  ["chunked as a number", () => anyRequest({ port: 80, chunked: 1 }), "ERR_INVALID_ARG_TYPE"],
  [
    "chunked with contentLength",
    () => anyRequest({ port: 80, chunked: true, contentLength: 3, body: "abc" }),
    "ERR_INVALID_ARG_VALUE",
  ],
  [
    "chunked with CONTENT_LENGTH in the vars",
    () => anyRequest({ port: 80, chunked: true, vars: { CONTENT_LENGTH: "3" }, body: "abc" }),
    "ERR_INVALID_ARG_VALUE",
  ],
  [
    "chunked with another transfer coding in the vars",
    () => anyRequest({ port: 80, chunked: true, vars: { HTTP_TRANSFER_ENCODING: "gzip" } }),
    "ERR_INVALID_ARG_VALUE",
  ],
  ["a signal that is not one", () => anyRequest({ port: 80, signal: {} }), "ERR_INVALID_ARG_TYPE"],
  [
    "onInformation that is not a function",
    () => anyRequest({ port: 80, onInformation: "log" }),
    "ERR_INVALID_ARG_TYPE",
  ],
  ["ping() without an address", () => anyPing(), "ERR_INVALID_ARG_TYPE"],
  [
    "ping with a host:port",
    () => anyPing({ host: "localhost:3032" }),
    "ERR_INVALID_ARG_VALUE",
    '{ host: "localhost", port: 3032 }',
  ],
  [
    "ping with a negative timeout",
    () => anyPing({ port: 80 }, { timeout: -1 }),
    "ERR_OUT_OF_RANGE",
  ],
  [
    "ping's timeout given in the address",
    () => anyPing({ port: 80, timeout: 5 }),
    "ERR_UNKNOWN_OPTION",
  ],
  [
    "ping with an unknown option",
    () => anyPing({ port: 80 }, { retries: 2 }),
    "ERR_UNKNOWN_OPTION",
  ],
  ["createGateway() without options", () => anyGateway(), "ERR_INVALID_ARG_TYPE"],
  ["a gateway without upstream", () => anyGateway({}), "ERR_MISSING_ARGS", '"options.upstream"'],
  [
    "a gateway upstream with host:port",
    () => anyGateway({ upstream: { host: "localhost:3032" } }),
    "ERR_INVALID_ARG_VALUE",
    '"options.upstream.host"',
  ],
  [
    "a gateway upstream as a string",
    () => anyGateway({ upstream: "127.0.0.1:3031" }),
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "a gateway `target`",
    () => anyGateway({ target: { port: 3031 } }),
    "ERR_UNKNOWN_OPTION",
    'did you mean "upstream"',
  ],
  [
    "a gateway option in the wrong case",
    () => anyGateway({ upstream: { port: 3031 }, servername: "x" }),
    "ERR_UNKNOWN_OPTION",
    'did you mean "serverName"',
  ],
  [
    "a gateway serverName that is not a string",
    () => anyGateway({ upstream: { port: 3031 }, serverName: 1 }),
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "a gateway with a negative timeout",
    () => anyGateway({ upstream: { port: 3031 }, timeout: -5 }),
    "ERR_OUT_OF_RANGE",
  ],
  [
    "a gateway with a negative maxBufferedBody",
    () => anyGateway({ upstream: { port: 3031 }, maxBufferedBody: -1 }),
    "ERR_OUT_OF_RANGE",
  ],
  [
    "a gateway onError that is not a function",
    () => anyGateway({ upstream: { port: 3031 }, onError: true }),
    "ERR_INVALID_ARG_TYPE",
  ],
  [
    "a gateway override that is not a string",
    () => gatewayHandler({ upstream: { port: 3031 }, overrides: { X: 5 as unknown as string } }),
    "ERR_INVALID_ARG_TYPE",
    '"options.overrides.X"',
  ],
  ["varsFromRequest() without a request", () => anyVars(), "ERR_INVALID_ARG_TYPE"],
  ["varsFromRequest with a number override", () => anyVars(req, { X: 5 }), "ERR_INVALID_ARG_TYPE"],
  ["documentUri of a number", () => documentUri(5 as unknown as string), "ERR_INVALID_ARG_TYPE"],
];

const RANGE: ReadonlySet<Code> = new Set(["ERR_OUT_OF_RANGE"]);

describe("misuse of the client gets Node's argument errors", () => {
  for (const [name, call, code, words] of rows) {
    it(`${name} -> ${code}`, async () => {
      let error: unknown;
      try {
        await call();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(RANGE.has(code) ? RangeError : TypeError);
      expect((error as { code: string }).code).toBe(code);
      if (words !== undefined) expect((error as Error).message).toContain(words);
    });
  }

  it("a good gateway configuration does not throw", () => {
    expect(typeof gatewayHandler({ upstream: { port: 3031 }, overrides: { A: undefined } })).toBe(
      "function",
    );
  });
});
