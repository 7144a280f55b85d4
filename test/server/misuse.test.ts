// createServer misused: each case is the call and the error it must give (Node's argument error
// model: TypeError/RangeError with a stable code). The lead merges these tables across areas.
import { afterEach, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { UwsgiRequest } from "../../src/server/request.js";
import type { UwsgiServerResponse } from "../../src/server/response.js";
import { createServer, UwsgiServer } from "../../src/server/server.js";
import { exchange } from "../interop/support/exchange.js";
import { type Served, serve } from "./support/serve.js";

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
    let thrown: unknown;
    try {
      c.call();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    const err = thrown as Error & { code: string };
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

const stops: Served[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!.stop();
});

interface InHandler {
  readonly name: string;
  readonly call: (req: UwsgiRequest, res: UwsgiServerResponse) => unknown;
  readonly error: { readonly name: string; readonly code: string };
}

const serverError = (code: string) => ({ name: "UwsgiServerError", code });

const inHandler: InHandler[] = [
  {
    name: "req.getHeader(number)",
    call: (req) => req.getHeader(5 as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "req.getHeaderAll(undefined)",
    call: (req) => req.getHeaderAll(undefined as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "res.setHeader(number, value)",
    call: (_, res) => res.setHeader(5 as never, "v"),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "res.getHeader(undefined)",
    call: (_, res) => res.getHeader(undefined as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "res.hasHeader(null)",
    call: (_, res) => res.hasHeader(null as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "res.removeHeader({})",
    call: (_, res) => res.removeHeader({} as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "res.writeHead(200, 5): headers that are not an object",
    call: (_, res) => res.writeHead(200, 5 as never),
    error: typeError("ERR_INVALID_ARG_TYPE"),
  },
  {
    name: "res.setHeader with a name that is not a token",
    call: (_, res) => res.setHeader("Bad Name", "v"),
    error: serverError("INVALID_HEADER"),
  },
  {
    name: "res.writeHead(99)",
    call: (_, res) => res.writeHead(99),
    error: serverError("INVALID_STATUS"),
  },
];

describe("request and answer misuse (inside a handler)", () => {
  it.each(inHandler.map((c) => [c.name, c] as const))("%s", async (_, c) => {
    let thrown: unknown = "nothing thrown";
    const s = await serve((req, res) => {
      try {
        c.call(req, res);
      } catch (err) {
        thrown = err;
      }
      res.end();
    });
    stops.push(s);
    await exchange(s.port, [encodePacket({ vars: { REQUEST_METHOD: "GET" } })]);
    const err = thrown as Error & { code: string };
    expect({ name: err.name, code: err.code }).toEqual(c.error);
  });
});
