// The FastCGI codec (uwsgi-codec/fastcgi): exact bytes, round trips, streaming split anywhere
// agreeing with the whole-buffer decode, and typed errors for bad input.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeFcgiRequest,
  decodeParams,
  encodeFcgiRequestParts,
  encodeFcgiRequest as encodeRequest,
  encodeFcgiResponse as encodeResponse,
  FastcgiError,
  type FcgiRequestInit,
  FcgiRequestParser,
  type FcgiResponseInit,
  FcgiResponseParser,
  fcgiRequestByteLength,
  type Pairs,
  type PairsView,
} from "../../src/fastcgi/index.js";
import { chunksOf, split } from "../parser/collect.js";
import { expectOnlyTypedErrors, thrownBy } from "./support.js";

const thrown = (fn: () => unknown) => thrownBy(FastcgiError, fn);
// The codec hands out Buffers under Node; typed as Uint8Array because it runs anywhere.
const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.length);
const encodeFcgiRequest = (init: FcgiRequestInit) => asBuffer(encodeRequest(init));
const encodeFcgiResponse = (init: FcgiResponseInit) => asBuffer(encodeResponse(init));

const pairsOf = (v: PairsView) => [...v];

interface Seen {
  params: [string, string][];
  requestId: number;
  role: number;
  keepConn: boolean;
  body: Buffer;
  ends: number;
}

function stream(chunks: readonly Buffer[]): Seen[] {
  const out: Seen[] = [];
  const parts: Buffer[] = [];
  const parser = new FcgiRequestParser({
    onParams(params, requestId, role, keepConn) {
      out.push({ params: [...params], requestId, role, keepConn, body: Buffer.alloc(0), ends: 0 });
    },
    onBody(piece) {
      parts.push(Buffer.from(piece));
    },
    onBodyEnd() {
      const last = out.at(-1)!;
      last.body = Buffer.concat(parts);
      parts.length = 0;
      last.ends++;
    },
  });
  for (const c of chunks) parser.push(c);
  parser.end();
  return out;
}

describe("FastCGI request encoding", () => {
  it("writes BEGIN_REQUEST, one padded PARAMS record, the empty PARAMS, STDIN and the empty STDIN", () => {
    const out = encodeFcgiRequest({
      params: [["A", "bc"]],
      body: Buffer.from("xyz"),
      keepConn: true,
    });
    expect(out.toString("hex")).toBe(
      [
        "0101000100080000",
        "0001010000000000", // BEGIN_REQUEST: responder, keep-conn
        "0104000100050300",
        "0102416263000000", // PARAMS "A"="bc" + 3 pad
        "0104000100000000", // empty PARAMS
        "0105000100030500",
        "78797a0000000000", // STDIN "xyz" + 5 pad
        "0105000100000000", // empty STDIN
      ].join(""),
    );
    expect(fcgiRequestByteLength({ params: [["A", "bc"]], body: Buffer.from("xyz") })).toBe(
      out.length,
    );
  });

  it("uses 4-byte lengths over 127 bytes, with the top bit set", () => {
    const out = encodeFcgiRequest({ params: [["N", "v".repeat(128)]] });
    expect(out.subarray(24, 30).toString("hex")).toBe("01800000804e");
  });

  it("splits PARAMS at pair boundaries and straddles only a pair larger than a record", () => {
    const params: Pairs = [
      ["A", "x".repeat(60)],
      ["B", "y".repeat(60)],
      ["C", "z".repeat(300)],
    ];
    const out = encodeFcgiRequest({ params, paramsRecord: 100 });
    // Records: [A] (63), [B] (63), C straddling 100+100+100+7 (C is 1+4+1+300 = 306 bytes).
    const lengths: number[] = [];
    for (let p = 16; out[p + 1] === 4; p += 8 + out.readUInt16BE(p + 4) + out[p + 6]!) {
      lengths.push(out.readUInt16BE(p + 4));
      if (out.readUInt16BE(p + 4) === 0) break;
    }
    expect(lengths).toEqual([63, 63, 100, 100, 100, 6, 0]);
    expect(pairsOf(decodeFcgiRequest(out).params)).toEqual(params);
  });

  it("splits the body into STDIN records of 32 KiB, as nginx does", () => {
    const body = Buffer.alloc(70_000, 7);
    const req = decodeFcgiRequest(encodeFcgiRequest({ params: [], body }));
    expect(req.body.map((b) => b.length)).toEqual([32768, 32768, 4464]);
    expect(Buffer.concat(req.body).equals(body)).toBe(true);
    expect(req.bodyLength).toBe(70_000);
  });

  it("refuses a char latin1 cannot carry, with a typed error", () => {
    expect(thrown(() => encodeFcgiRequest({ params: [["K", "\u20ac"]] })).code).toBe(
      "UNENCODABLE_STRING",
    );
    const utf8 = encodeFcgiRequest({ params: [["K", "\u20ac"]], encoding: "utf8" });
    expect(decodeFcgiRequest(utf8, 0, { encoding: "utf8" }).params.get("K")).toBe("\u20ac");
  });
});

const latin1 = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const longText = fc.string({
  unit: fc.constantFrom("a", "b", "\u00ff"),
  minLength: 120,
  maxLength: 400,
});
const pairsArb = fc.array(fc.tuple(fc.oneof(latin1, longText), fc.oneof(latin1, longText)), {
  maxLength: 20,
});

describe("FastCGI round trips", () => {
  it("whole-buffer decode gives back the params and body, for any record sizes", () => {
    fc.assert(
      fc.property(
        pairsArb,
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 1, max: 65535 }),
        (params, body, paramsRecord, stdinRecord, requestId) => {
          const out = encodeFcgiRequest({ params, body, paramsRecord, stdinRecord, requestId });
          expect(out.length).toBe(
            fcgiRequestByteLength({ params, body, paramsRecord, stdinRecord }),
          );
          const req = decodeFcgiRequest(out);
          expect(pairsOf(req.params)).toEqual(params);
          expect(Buffer.concat(req.body).equals(Buffer.from(body))).toBe(true);
          expect(req.requestId).toBe(requestId);
          expect(req.end).toBe(out.length);
        },
      ),
    );
  });

  it("the parts for a gathered write are the same bytes, with the body as views, not copies", () => {
    fc.assert(
      fc.property(
        pairsArb,
        fc.uint8Array({ maxLength: 3000 }),
        fc.integer({ min: 1, max: 1000 }),
        (params, bytes, stdinRecord) => {
          // Buffer.alloc is never pooled, so only views of the body share its memory.
          const body = Buffer.alloc(bytes.length);
          body.set(bytes);
          const parts = encodeFcgiRequestParts({ params, body, stdinRecord });
          expect(
            Buffer.concat(parts).equals(encodeFcgiRequest({ params, body, stdinRecord })),
          ).toBe(true);
          const views = parts.filter((p) => p.buffer === body.buffer && body.length > 0);
          expect(views.reduce((n, v) => n + v.length, 0)).toBe(body.length);
        },
      ),
    );
  });

  it("streaming decode split anywhere agrees with the whole-buffer decode", () => {
    fc.assert(
      fc.property(
        pairsArb,
        fc.uint8Array({ maxLength: 2000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (params, body, paramsRecord, cuts) => {
          const one = encodeFcgiRequest({ params, body, paramsRecord, stdinRecord: 500 });
          // Two requests on one connection, as with KEEP_CONN.
          const two = encodeFcgiRequest({
            params: params.slice(0, 2),
            requestId: 9,
            keepConn: true,
          });
          const seen = stream(split(Buffer.concat([one, two]), cuts));
          expect(seen.map((s) => s.params)).toEqual([params, params.slice(0, 2)]);
          expect(seen[0]!.body.equals(Buffer.from(body))).toBe(true);
          expect(seen.map((s) => [s.requestId, s.keepConn, s.ends])).toEqual([
            [1, false, 1],
            [9, true, 1],
          ]);
        },
      ),
    );
  });

  it("streams a 1 MiB body in 1460-byte chunks", () => {
    const body = Buffer.alloc(1 << 20, 0x5a);
    const seen = stream(
      chunksOf(encodeFcgiRequest({ params: [["CONTENT_LENGTH", "1048576"]], body }), 1460),
    );
    expect(seen[0]!.body.equals(body)).toBe(true);
  });
});

describe("FastCGI responses", () => {
  it("encode and stream-decode STDOUT, STDERR and END_REQUEST", () => {
    const stdout = Buffer.alloc(100_000, 0x41);
    const out = encodeFcgiResponse({ stdout, stderr: Buffer.from("warn"), appStatus: 3 });
    for (const size of [1, 7, 1460, out.length]) {
      const got: Buffer[] = [];
      const err: Buffer[] = [];
      const ends: number[][] = [];
      const parser = new FcgiResponseParser({
        onStdout: (p) => got.push(Buffer.from(p)),
        onStderr: (p) => err.push(Buffer.from(p)),
        onEnd: (app, proto) => ends.push([app, proto]),
      });
      for (const c of chunksOf(out, size)) parser.push(c);
      parser.end();
      expect(Buffer.concat(got).equals(stdout)).toBe(true);
      expect(Buffer.concat(err).toString()).toBe("warn");
      expect(ends).toEqual([[3, 0]]);
    }
  });

  it("refuses a record a response cannot have", () => {
    const parser = new FcgiResponseParser({ onStdout() {}, onStderr() {}, onEnd() {} });
    expect(thrown(() => parser.push(encodeFcgiRequest({ params: [] }))).code).toBe(
      "UNEXPECTED_RECORD",
    );
  });
});

describe("FastCGI bad input", () => {
  const good = encodeFcgiRequest({ params: [["K", "v".repeat(200)]], body: Buffer.from("hi") });

  it("every truncation is TRUNCATED, whole or streamed", () => {
    for (let n = 0; n < good.length; n++) {
      expect(thrown(() => decodeFcgiRequest(good.subarray(0, n))).code).toBe("TRUNCATED");
      // No bytes at all is no request, not a cut one.
      if (n > 0) expect(thrown(() => stream([good.subarray(0, n)])).code).toBe("TRUNCATED");
    }
  });

  it("a wrong version, record type or request id is refused with its offset", () => {
    const badVersion = Buffer.from(good);
    badVersion[16] = 2;
    expect(thrown(() => decodeFcgiRequest(badVersion))).toMatchObject({
      code: "BAD_VERSION",
      offset: 16,
    });
    expect(thrown(() => stream([badVersion]))).toMatchObject({ code: "BAD_VERSION", offset: 16 });
    const badType = Buffer.from(good);
    badType[1] = 5;
    expect(thrown(() => decodeFcgiRequest(badType)).code).toBe("UNEXPECTED_RECORD");
    expect(thrown(() => stream([badType])).code).toBe("UNEXPECTED_RECORD");
    const badId = Buffer.from(good);
    badId[19] = 2;
    expect(thrown(() => decodeFcgiRequest(badId)).code).toBe("UNEXPECTED_RECORD");
    expect(thrown(() => stream([badId])).code).toBe("UNEXPECTED_RECORD");
  });

  it("a pair running past its params is PAIR_OVERRUNS; a cut length is TRUNCATED", () => {
    expect(thrown(() => decodeParams(Buffer.from([1, 5, 0x41]))).code).toBe("PAIR_OVERRUNS");
    expect(thrown(() => decodeParams(Buffer.from([0x80, 0]))).code).toBe("TRUNCATED");
    expect(thrown(() => decodeParams(Buffer.from([1]))).code).toBe("TRUNCATED");
    expect(thrown(() => decodeParams(Buffer.from([1, 0x80, 0]))).code).toBe("TRUNCATED");
    expect(
      thrown(() => decodeParams(Buffer.from([1, 0, 0x41, 1, 0, 0x42]), { maxPairs: 1 })).code,
    ).toBe("TOO_MANY_PAIRS");
  });

  it("random bytes give a request or a FastcgiError, never anything else", () => {
    expectOnlyTypedErrors(FastcgiError, 300, decodeFcgiRequest, stream);
  });

  it("PARAMS are gathered up to maxParamsLength, then refused", () => {
    const params: Pairs = Array.from({ length: 10 }, (_, i) => [`K${i}`, "v".repeat(100)]);
    const wire = encodeFcgiRequest({ params, paramsRecord: 200 });
    const parser = (max: number) =>
      new FcgiRequestParser(
        { onParams() {}, onBody() {}, onBodyEnd() {} },
        { maxParamsLength: max },
      );
    expect(() => parser(2000).push(wire)).not.toThrow();
    expect(thrown(() => parser(500).push(wire)).code).toBe("PARAMS_TOO_LARGE");
  });

  it("a failed parser refuses more input", () => {
    const parser = new FcgiRequestParser({ onParams() {}, onBody() {}, onBodyEnd() {} });
    expect(thrown(() => parser.push(Buffer.from([9, 9, 9, 9, 9, 9, 9, 9]))).code).toBe(
      "BAD_VERSION",
    );
    expect(thrown(() => parser.push(good)).code).toBe("PARSER_FAILED");
  });
});
