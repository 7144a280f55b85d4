// UwsgiRequest's IncomingMessage-like fields: httpVersion from SERVER_PROTOCOL, rawHeaders rebuilt
// from the HTTP_* vars (and CONTENT_TYPE/CONTENT_LENGTH where no HTTP_ var says them).
import { describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { UwsgiRequest } from "../../src/server/request.js";
import { exchange } from "../interop/support/exchange.js";
import { serveForTest } from "./support/serve.js";

/** Serves one packet; returns what `look` read off the request. */
async function seenFor<T>(vars: [string, string][], look: (req: UwsgiRequest) => T): Promise<T> {
  let seen: T | undefined;
  const s = await serveForTest((req, res) => {
    seen = look(req);
    res.end();
  });
  await exchange(s.port, [encodePacket({ vars })]);
  return seen as T;
}

describe("httpVersion", () => {
  it.each([
    ["HTTP/1.1", "1.1", 1, 1],
    ["HTTP/1.0", "1.0", 1, 0],
    ["HTTP/2.0", "2.0", 2, 0],
    ["HTTP/3", "3", 3, 0],
  ])("SERVER_PROTOCOL %s is %s", async (protocol, version, major, minor) => {
    const seen = await seenFor([["SERVER_PROTOCOL", protocol]], (r) => [
      r.httpVersion,
      r.httpVersionMajor,
      r.httpVersionMinor,
    ]);
    expect(seen).toEqual([version, major, minor]);
  });

  it("without SERVER_PROTOCOL (or not HTTP) it is 1.0, as uWSGI assumes", async () => {
    expect(await seenFor([["REQUEST_METHOD", "GET"]], (r) => r.httpVersion)).toBe("1.0");
    expect(await seenFor([["SERVER_PROTOCOL", "FOO/9"]], (r) => r.httpVersion)).toBe("1.0");
  });
});

describe("rawHeaders", () => {
  it("nginx's vars: names rebuilt word by word, wire order, repeats kept, CGI vars left out", async () => {
    const seen = await seenFor(
      [
        ["REQUEST_METHOD", "POST"],
        ["CONTENT_TYPE", "text/plain"],
        ["CONTENT_LENGTH", "3"],
        ["SERVER_PROTOCOL", "HTTP/1.1"],
        ["HTTP_HOST", "example.com"],
        ["HTTP_X_REQUEST_ID", "abc"],
        ["HTTP_CONTENT_TYPE", "text/plain"],
        ["HTTP_CONTENT_LENGTH", "3"],
        ["HTTP_COOKIE", "a=1"],
        ["HTTP_COOKIE", "b=2"],
        ["HTTP_DNT", "1"],
      ],
      (r) => ({ raw: r.rawHeaders, headers: { ...r.headers } }),
    );
    expect(seen.raw).toEqual([
      "Host",
      "example.com",
      "X-Request-Id",
      "abc",
      "Content-Type",
      "text/plain",
      "Content-Length",
      "3",
      "Cookie",
      "a=1",
      "Cookie",
      "b=2",
      "Dnt",
      "1",
    ]);
    expect(seen.headers).toEqual({
      host: "example.com",
      "x-request-id": "abc",
      "content-type": "text/plain",
      "content-length": "3",
      cookie: "a=1; b=2",
      dnt: "1",
    });
  });

  it("uWSGI's http router's vars: Content-Type and Content-Length from the CGI vars", async () => {
    const seen = await seenFor(
      [
        ["REQUEST_METHOD", "POST"],
        ["HTTP_HOST", "h"],
        ["HTTP_TRANSFER_ENCODING", "chunked"],
        ["CONTENT_TYPE", "application/json"],
        ["CONTENT_LENGTH", ""],
      ],
      (r) => [r.rawHeaders, r.getHeader("content-type"), r.getHeaderAll("Content-Length")],
    );
    expect(seen).toEqual([
      ["Host", "h", "Transfer-Encoding", "chunked", "Content-Type", "application/json"],
      "application/json",
      [],
    ]);
  });
});
