// createServer misused: each case is the call and the error it must give (Node's argument error
// model: TypeError/RangeError with a stable code). The lead merges these tables across areas.
import { createServer as createHttpServer, type RequestListener } from "node:http";
import { beforeAll, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { UwsgiRequest } from "../../src/server/request.js";
import type { UwsgiServerResponse } from "../../src/server/response.js";
import { createServer, type RequestHandler, UwsgiServer } from "../../src/server/server.js";
import { exchange } from "../interop/support/exchange.js";
import { argumentError } from "../support/checks.js";
import { fetchHttp, serve } from "./support/serve.js";

const handler = () => {};

interface Case {
  readonly name: string;
  readonly call: () => unknown;
  readonly error: { readonly name: string; readonly code: string };
  /** Words the message must name (the argument, a hint). */
  readonly says?: readonly string[];
}

const typeError = (code: string) => ({ name: "TypeError", code });
const rangeError = { name: "RangeError", code: "ERR_OUT_OF_RANGE" };
const make = (options: unknown) => () => createServer(options as never, handler);

const cases: Case[] = [
  {
    name: "a string for options",
    call: () => createServer("3031" as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    says: ["options"],
  },
  {
    name: "two option objects",
    call: () => createServer({}, {} as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    says: ["handler"],
  },
  {
    name: "two handlers",
    call: () => createServer(handler, handler as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    says: ["options"],
  },
  {
    name: "an unknown option",
    call: make({ maxBody: 1 }),
    error: typeError("ERR_UNKNOWN_OPTION"),
    says: ["maxBody"],
  },
  {
    name: "node:http's maxHeaderSize",
    call: make({ maxHeaderSize: 8192 }),
    error: typeError("ERR_UNKNOWN_OPTION"),
    says: ['"maxDatasize"'],
  },
  {
    name: "node:http's maxHeadersCount",
    call: make({ maxHeadersCount: 100 }),
    error: typeError("ERR_UNKNOWN_OPTION"),
    says: ['"maxVars"'],
  },
  {
    name: "node:http's timeout",
    call: make({ timeout: 1000 }),
    error: typeError("ERR_UNKNOWN_OPTION"),
    says: ['"idleTimeout"'],
  },
  {
    name: "the former headerTimeout",
    call: make({ headerTimeout: 1000 }),
    error: typeError("ERR_UNKNOWN_OPTION"),
    says: ['"headersTimeout"'],
  },
  {
    name: "a key in the wrong case",
    call: make({ idletimeout: 1000 }),
    error: typeError("ERR_UNKNOWN_OPTION"),
    says: ['"idleTimeout"'],
  },
  {
    name: "maxDatasize over 65535",
    call: make({ maxDatasize: 65536 }),
    error: rangeError,
    says: ["options.maxDatasize"],
  },
  {
    name: "a negative maxVars",
    call: make({ maxVars: -1 }),
    error: rangeError,
    says: ["options.maxVars"],
  },
  { name: "a fractional maxBodySize", call: make({ maxBodySize: 1.5 }), error: rangeError },
  { name: "a negative headersTimeout", call: make({ headersTimeout: -5 }), error: rangeError },
  { name: "a NaN idleTimeout", call: make({ idleTimeout: Number.NaN }), error: rangeError },
  {
    name: "a closeTimeout past setTimeout's range",
    call: make({ closeTimeout: 2 ** 31 }),
    error: rangeError,
  },
  {
    name: "a requestTimeout given as a string",
    call: make({ requestTimeout: "5000" }),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    says: ["options.requestTimeout"],
  },
  {
    name: "headersTimeout above requestTimeout",
    call: make({ headersTimeout: 2000, requestTimeout: 1000 }),
    error: rangeError,
    says: ["requestTimeout"],
  },
  { name: "maxConnections 0", call: make({ maxConnections: 0 }), error: rangeError },
  {
    name: "an encoding Node does not mean as latin1",
    call: make({ encoding: "ascii" }),
    error: typeError("ERR_INVALID_ARG_VALUE"),
  },
  {
    name: "strictContentLength as a string",
    call: make({ strictContentLength: "yes" }),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "allowChunked as a number",
    call: make({ allowChunked: 1 }),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
];

describe("createServer misuse", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const err = argumentError(c.call);
    expect({ name: err.name, code: err.code }).toEqual(c.error);
    for (const word of c.says ?? []) expect(err.message).toContain(word);
  });

  it("what is accepted: both argument orders, nothing, null, options given as undefined", () => {
    const calls = [
      createServer(),
      createServer(handler),
      createServer({ idleTimeout: 5 }),
      createServer({ idleTimeout: 5 }, handler),
      createServer(handler, { idleTimeout: 5 }),
      createServer(undefined, { idleTimeout: 5 }),
      createServer(null as never, handler),
      createServer({ idleTimeout: undefined, encoding: "utf-8" } as never),
    ];
    for (const s of calls) expect(s).toBeInstanceOf(UwsgiServer);
    expect(calls[3]!.options.idleTimeout).toBe(5);
    expect(calls[3]!.listenerCount("request")).toBe(1);
    expect(calls[5]!.options.idleTimeout).toBe(5);
    expect(calls[7]!.options.idleTimeout).toBe(120_000);
    expect(calls[7]!.options.encoding).toBe("utf8");
  });
});

interface InHandler {
  readonly name: string;
  readonly call: (req: UwsgiRequest, res: UwsgiServerResponse) => unknown;
  readonly error: { readonly name: string; readonly code: string };
  /**
   * What `node:http`'s ServerResponse does with the same call: "same" (the same class and code),
   * "accepts" (it writes the value as text or ignores it, where this package refuses), or
   * "not a ServerResponse call" (a request method, which IncomingMessage lacks).
   */
  readonly node: "same" | "accepts" | "not a ServerResponse call";
}

const headersSent = { name: "Error", code: "ERR_HTTP_HEADERS_SENT" };
const badStatus = { name: "RangeError", code: "ERR_HTTP_INVALID_STATUS_CODE" };
const badToken = typeError("ERR_INVALID_HTTP_TOKEN");
const badChar = typeError("ERR_INVALID_CHAR");
const badValue = typeError("ERR_HTTP_INVALID_HEADER_VALUE");

const inHandler: InHandler[] = [
  {
    name: "req.getHeader(number)",
    call: (req) => req.getHeader(5 as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    node: "not a ServerResponse call",
  },
  {
    name: "req.getHeaderAll(undefined)",
    call: (req) => req.getHeaderAll(undefined as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    node: "not a ServerResponse call",
  },
  {
    name: "res.getHeader(undefined)",
    call: (_, res) => res.getHeader(undefined as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    node: "same",
  },
  {
    name: "res.hasHeader(null)",
    call: (_, res) => res.hasHeader(null as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    node: "same",
  },
  {
    name: "res.removeHeader({})",
    call: (_, res) => res.removeHeader({} as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    node: "same",
  },
  {
    name: "res.setHeader(number, value)",
    call: (_, res) => res.setHeader(5 as never, "v"),
    error: badToken,
    node: "same",
  },
  {
    name: 'res.setHeader("a b", value): a name that is not a token',
    call: (_, res) => res.setHeader("a b", "v"),
    error: badToken,
    node: "same",
  },
  {
    name: 'res.setHeader("", value)',
    call: (_, res) => res.setHeader("", "v"),
    error: badToken,
    node: "same",
  },
  {
    name: "res.setHeader with a name not in ASCII",
    call: (_, res) => res.setHeader("X\u00e9", "v"),
    error: badToken,
    node: "same",
  },
  {
    name: 'res.appendHeader("X:Y", value)',
    call: (_, res) => res.appendHeader("X:Y", "v"),
    error: badToken,
    node: "same",
  },
  {
    name: "res.setHeader with CR LF in the value (header injection)",
    call: (_, res) => res.setHeader("X-A", "ok\r\nInjected: 1"),
    error: badChar,
    node: "same",
  },
  {
    name: "res.setHeader with a bare LF",
    call: (_, res) => res.setHeader("X-A", "ok\nx"),
    error: badChar,
    node: "same",
  },
  {
    name: "res.setHeader with NUL",
    call: (_, res) => res.setHeader("X-A", "a\0"),
    error: badChar,
    node: "same",
  },
  {
    name: "res.setHeader with DEL",
    call: (_, res) => res.setHeader("X-A", "a\x7f"),
    error: badChar,
    node: "same",
  },
  {
    name: "res.setHeader with a char above U+00FF",
    call: (_, res) => res.setHeader("X-A", "snow \u2603"),
    error: badChar,
    node: "same",
  },
  {
    name: "res.setHeader with an array holding CR LF",
    call: (_, res) => res.setHeader("X-A", ["ok", "bad\r\n"]),
    error: badChar,
    node: "same",
  },
  {
    name: "res.setHeader(name, undefined)",
    call: (_, res) => res.setHeader("X-A", undefined as never),
    error: badValue,
    node: "same",
  },
  {
    name: "res.setHeader(name, null)",
    call: (_, res) => res.setHeader("X-A", null as never),
    error: badValue,
    node: "accepts",
  },
  {
    name: "res.setHeader(name, {})",
    call: (_, res) => res.setHeader("X-A", {} as never),
    error: badValue,
    node: "accepts",
  },
  {
    name: "res.setHeader(name, NaN)",
    call: (_, res) => res.setHeader("X-A", Number.NaN),
    error: badValue,
    node: "accepts",
  },
  {
    name: "res.setHeader(name, [{}])",
    call: (_, res) => res.setHeader("X-A", [{}] as never),
    error: badValue,
    node: "accepts",
  },
  {
    name: "res.writeHead(99)",
    call: (_, res) => res.writeHead(99),
    error: badStatus,
    node: "same",
  },
  {
    name: "res.writeHead(1000)",
    call: (_, res) => res.writeHead(1000),
    error: badStatus,
    node: "same",
  },
  {
    name: "res.writeHead(200.5)",
    call: (_, res) => res.writeHead(200.5),
    error: badStatus,
    node: "accepts",
  },
  {
    name: 'res.writeHead("200"): a status code given as a string',
    call: (_, res) => res.writeHead("200" as never),
    error: badStatus,
    node: "accepts",
  },
  {
    name: "res.statusCode = 42, then res.end()",
    call: (_, res) => {
      res.statusCode = 42;
      res.end();
    },
    error: badStatus,
    node: "same",
  },
  {
    name: "res.writeHead(200, reason with CR LF)",
    call: (_, res) => res.writeHead(200, "OK\r\nX: y"),
    error: badChar,
    node: "same",
  },
  {
    name: "res.statusMessage with LF, then res.end()",
    call: (_, res) => {
      res.statusMessage = "bad\n";
      res.end();
    },
    error: badChar,
    node: "same",
  },
  {
    name: 'res.writeHead(200, { "a b": "v" })',
    call: (_, res) => res.writeHead(200, { "a b": "v" }),
    error: badToken,
    node: "same",
  },
  {
    name: "res.writeHead(200, 5): headers that are not an object",
    call: (_, res) => res.writeHead(200, 5 as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
    node: "accepts",
  },
  {
    name: 'res.writeHead(200, ["X-Flat", "v"]): not [name, value] pairs',
    call: (_, res) => res.writeHead(200, ["X-Flat", "v"] as never),
    error: typeError("ERR_INVALID_ARG_VALUE"),
    node: "accepts",
  },
  {
    name: "res.setHeader after writeHead",
    call: (_, res) => {
      res.writeHead(200);
      res.setHeader("a", "b");
    },
    error: headersSent,
    node: "same",
  },
  {
    name: "res.setHeader after a write",
    call: (_, res) => {
      res.write("x");
      res.setHeader("a", "b");
    },
    error: headersSent,
    node: "same",
  },
  {
    name: "res.appendHeader after flushHeaders",
    call: (_, res) => {
      res.flushHeaders();
      res.appendHeader("a", "b");
    },
    error: headersSent,
    node: "same",
  },
  {
    name: "res.removeHeader after writeHead",
    call: (_, res) => {
      res.writeHead(200);
      res.removeHeader("a");
    },
    error: headersSent,
    node: "same",
  },
  {
    name: "res.writeHead twice",
    call: (_, res) => {
      res.writeHead(200);
      res.writeHead(201);
    },
    error: headersSent,
    node: "same",
  },
  {
    name: "res.setHeader after end",
    call: (_, res) => {
      res.end();
      res.setHeader("a", "b");
    },
    error: headersSent,
    node: "same",
  },
];

/**
 * Runs each case's call in a handler of a server (one request per case, in order); returns what
 * each threw. `ours` false: a node:http server, where the request-only cases are skipped.
 */
async function thrownBy(
  ours: boolean,
  listen: (
    handler: (req: unknown, res: unknown) => void,
  ) => Promise<{ port: number; close(): Promise<void> }>,
  send: (port: number) => Promise<unknown>,
): Promise<unknown[]> {
  const thrown: unknown[] = [];
  let index = 0;
  const served = await listen((req, res) => {
    const i = index++;
    const c = inHandler[i]!;
    thrown[i] = "nothing thrown";
    const r = res as unknown as UwsgiServerResponse;
    if (!ours && c.node === "not a ServerResponse call") {
      thrown[i] = "not run";
      r.end();
      return;
    }
    try {
      c.call(req as UwsgiRequest, r);
    } catch (err) {
      thrown[i] = err;
    }
    try {
      if (!r.writableEnded) r.end();
    } catch {
      r.destroy(); // the head itself is bad (a status or reason set by property)
    }
  });
  try {
    for (let i = 0; i < inHandler.length; i++) await send(served.port).catch(() => {});
  } finally {
    await served.close();
  }
  expect(index).toBe(inHandler.length);
  return thrown;
}

const shape = (err: unknown) =>
  err instanceof Error ? { name: err.name, code: (err as { code?: string }).code } : err;

describe("request and answer misuse (inside a handler), as node:http reports it", () => {
  let ours: unknown[] = [];
  let node: unknown[] = [];

  beforeAll(async () => {
    ours = await thrownBy(
      true,
      async (handler) => {
        const s = await serve(handler as RequestHandler);
        return { port: s.port, close: () => s.stop() };
      },
      (port) => exchange(port, [encodePacket({ vars: { REQUEST_METHOD: "GET" } })], 5000),
    );
    node = await thrownBy(
      false,
      async (handler) => {
        const server = createHttpServer(handler as RequestListener);
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as { port: number }).port;
        return { port, close: () => new Promise<void>((r) => server.close(() => r())) };
      },
      (port) => fetchHttp(port, "/", { timeoutMs: 2000 }),
    );
  }, 60_000);

  it.each(inHandler.map((c, i) => [c.name, i] as const))("%s", (_, i) => {
    const c = inHandler[i]!;
    expect(shape(ours[i])).toEqual(c.error);
    if (c.node === "same") expect(shape(node[i])).toEqual(c.error);
  });

  it("where node:http writes a bad value as text or ignores it, this package refuses it", () => {
    const accepted = inHandler.flatMap((c, i) => (c.node === "accepts" ? [shape(node[i])] : []));
    expect(accepted).toEqual(accepted.map(() => "nothing thrown"));
  });
});
