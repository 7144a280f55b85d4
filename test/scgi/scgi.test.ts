// The SCGI codec (uwsgi-codec/scgi): exact bytes, round trips, streaming split anywhere, errors.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeScgiRequest,
  encodeScgiRequest as encodeRequest,
  encodeScgiHead,
  type Pairs as Headers,
  ScgiError,
  ScgiParser,
  scgiRequestByteLength,
} from "../../src/scgi/index.js";
import { expectOnlyTypedErrors, thrownBy } from "../fastcgi/support.js";
import { split } from "../parser/collect.js";

const thrown = (fn: () => unknown) => thrownBy(ScgiError, fn);
// The codec hands out Buffers under Node; typed as Uint8Array because it runs anywhere.
const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.length);
const encodeScgiRequest = (headers: Headers, body?: Uint8Array, encoding?: "utf8") =>
  asBuffer(encodeRequest(headers, body, encoding));

function stream(chunks: readonly Buffer[]) {
  let headers: [string, string][] = [];
  let length = -1;
  const body: Buffer[] = [];
  let ends = 0;
  const parser = new ScgiParser({
    onHeaders(h, contentLength) {
      headers = [...h];
      length = contentLength;
    },
    onBody: (p) => body.push(Buffer.from(p)),
    onBodyEnd: () => ends++,
  });
  for (const c of chunks) parser.push(c);
  parser.end();
  return { headers, length, body: Buffer.concat(body), ends };
}

describe("SCGI encoding", () => {
  it("puts CONTENT_LENGTH and SCGI=1 first and replaces the caller's", () => {
    const out = encodeScgiRequest(
      [
        ["REQUEST_METHOD", "POST"],
        ["CONTENT_LENGTH", "999"],
        ["SCGI", "2"],
      ],
      Buffer.from("hey"),
    );
    expect(out.toString("latin1")).toBe(
      "44:CONTENT_LENGTH\x003\x00SCGI\x001\x00REQUEST_METHOD\x00POST\x00,hey",
    );
    expect(scgiRequestByteLength([["REQUEST_METHOD", "POST"]], Buffer.from("hey"))).toBe(
      out.length,
    );
  });

  it("refuses a NUL in a name or value, and a char latin1 cannot carry", () => {
    expect(thrown(() => encodeScgiRequest([["A\0", "b"]])).code).toBe("UNENCODABLE_STRING");
    expect(thrown(() => encodeScgiRequest([["A", "\u20ac"]])).code).toBe("UNENCODABLE_STRING");
    const utf8 = encodeScgiRequest([["A", "\u20ac"]], undefined, "utf8");
    expect(decodeScgiRequest(utf8, 0, { encoding: "utf8" }).headers.get("A")).toBe("\u20ac");
  });
});

const unit = fc.integer({ min: 1, max: 255 }).map((c) => String.fromCharCode(c));
const headersArb: fc.Arbitrary<Headers> = fc.array(
  fc.tuple(
    fc
      .string({ unit, minLength: 1, maxLength: 30 })
      .filter((n) => n !== "CONTENT_LENGTH" && n !== "SCGI"),
    fc.oneof(
      fc.string({ unit, maxLength: 30 }),
      fc.string({ unit, minLength: 20, maxLength: 300 }),
    ),
  ),
  { maxLength: 15 },
);

describe("SCGI round trips", () => {
  it("whole and streamed decodes give back the headers and body, split anywhere", () => {
    fc.assert(
      fc.property(
        headersArb,
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (headers, body, cuts) => {
          const out = encodeScgiRequest(headers, body);
          const expected = [["CONTENT_LENGTH", String(body.length)], ["SCGI", "1"], ...headers];
          const whole = decodeScgiRequest(out);
          expect([...whole.headers]).toEqual(expected);
          expect(asBuffer(whole.body).equals(Buffer.from(body))).toBe(true);
          expect(whole.end).toBe(out.length);
          const head = encodeScgiHead(headers, body.length);
          expect(Buffer.concat([head, body]).equals(out)).toBe(true);
          const streamed = stream(split(out, cuts));
          expect(streamed.headers).toEqual(expected);
          expect(streamed.body.equals(Buffer.from(body))).toBe(true);
          expect(streamed.ends).toBe(1);
        },
      ),
    );
  });
});

describe("SCGI bad input", () => {
  const good = encodeScgiRequest([["A", "b"]], Buffer.from("xy"));

  it("every truncation is TRUNCATED", () => {
    for (let n = 0; n < good.length; n++) {
      expect(thrown(() => decodeScgiRequest(good.subarray(0, n))).code).toBe("TRUNCATED");
      expect(thrown(() => stream([good.subarray(0, n)])).code).toBe("TRUNCATED");
    }
  });

  it("bad netstrings, a missing CONTENT_LENGTH and bytes after the body are refused", () => {
    const cases: [string, string][] = [
      ["x:,", "BAD_NETSTRING"],
      [":,", "BAD_NETSTRING"],
      ["01:", "BAD_NETSTRING"],
      ["12345678901:", "BAD_NETSTRING"],
      ["4:A\0b\0;", "BAD_NETSTRING"],
      ["4:A\0b\0,", "MISSING_CONTENT_LENGTH"],
      ["18:CONTENT_LENGTH\0-1\0,", "MISSING_CONTENT_LENGTH"],
      ["3:A\0b,", "PAIR_OVERRUNS"],
    ];
    for (const [input, code] of cases) {
      const buf = Buffer.from(input, "latin1");
      expect(thrown(() => decodeScgiRequest(buf)).code, input).toBe(code);
      expect(thrown(() => stream([buf])).code, input).toBe(code);
    }
    expect(thrown(() => stream([Buffer.concat([good, Buffer.from("!")])])).code).toBe(
      "UNEXPECTED_BYTES",
    );
    expect(thrown(() => decodeScgiRequest(good, 0, { maxPairs: 1 })).code).toBe("TOO_MANY_PAIRS");
  });

  it("random bytes give a request or a ScgiError, never anything else", () => {
    expectOnlyTypedErrors(ScgiError, 200, decodeScgiRequest, stream);
  });

  it("a prefix announcing more than maxHeaderLength is refused before anything is gathered", () => {
    const parser = new ScgiParser({ onHeaders() {}, onBody() {}, onBodyEnd() {} });
    expect(thrown(() => parser.push(Buffer.from("9999999999:"))).code).toBe("HEADERS_TOO_LARGE");
    const small = new ScgiParser(
      { onHeaders() {}, onBody() {}, onBodyEnd() {} },
      { maxHeaderLength: 10 },
    );
    expect(thrown(() => small.push(good)).code).toBe("HEADERS_TOO_LARGE");
  });

  it("a finished parser refuses more input", () => {
    const parser = new ScgiParser({ onHeaders() {}, onBody() {}, onBodyEnd() {} });
    parser.push(good);
    expect(thrown(() => parser.push(good)).code).toBe("PARSER_FAILED");
  });
});
