// The FastCGI and SCGI entry points as an API: Node's argument errors, the pair view's methods,
// typed errors with offsets, and the pure-layer promise (no Node global in their sources; they
// run with Buffer and process deleted).
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeFcgiRequest,
  decodeParams,
  encodeFcgiRequest,
  encodeFcgiResponse,
  encodeParams,
  FastcgiError,
  FcgiRecordParser,
  FcgiRequestParser,
  FcgiResponseParser,
  fcgiRequestByteLength,
} from "../../src/fastcgi/index.js";
import {
  decodeScgiHeaders,
  decodeScgiRequest,
  encodeScgiHead,
  encodeScgiRequest,
  ScgiError,
  ScgiParser,
  scgiRequestByteLength,
} from "../../src/scgi/index.js";
import { compileEntries, filesNamingNodeGlobals } from "../support/pure-sources.js";
import { thrownBy } from "./support.js";

const code = (c: string) => expect.objectContaining({ code: c });

describe("arguments are checked as Node checks them", () => {
  it("FastCGI", () => {
    expect(() => encodeFcgiRequest(null as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => encodeFcgiRequest({ params: [], bogus: 1 } as never)).toThrow(
      code("ERR_UNKNOWN_OPTION"),
    );
    expect(() => encodeFcgiRequest({ params: [["a"]] } as never)).toThrow(
      code("ERR_INVALID_ARG_TYPE"),
    );
    expect(() => encodeFcgiRequest({ params: {} } as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => encodeFcgiRequest({ params: [], body: "x" } as never)).toThrow(
      code("ERR_INVALID_ARG_TYPE"),
    );
    expect(() => encodeFcgiRequest({ params: [], requestId: 0 })).toThrow(code("ERR_OUT_OF_RANGE"));
    expect(() => encodeFcgiRequest({ params: [], stdinRecord: 65536 })).toThrow(
      code("ERR_OUT_OF_RANGE"),
    );
    expect(() => encodeFcgiRequest({ params: [], keepConn: 1 } as never)).toThrow(
      code("ERR_INVALID_ARG_TYPE"),
    );
    expect(() => encodeFcgiRequest({ params: [], encoding: "ascii" as never })).toThrow(
      code("ERR_INVALID_ARG_VALUE"),
    );
    expect(() => encodeFcgiResponse(5 as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => encodeFcgiResponse({ stdout: "x" } as never)).toThrow(
      code("ERR_INVALID_ARG_TYPE"),
    );
    expect(() => encodeFcgiResponse({ stdout: new Uint8Array(0), stderr: "x" } as never)).toThrow(
      code("ERR_INVALID_ARG_TYPE"),
    );
    expect(() => encodeFcgiResponse({ stdout: new Uint8Array(0), appStatus: -1 })).toThrow(
      code("ERR_OUT_OF_RANGE"),
    );
    expect(() => decodeFcgiRequest("x" as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => decodeFcgiRequest(new Uint8Array(8), 9)).toThrow(code("ERR_OUT_OF_RANGE"));
    expect(() => decodeParams(new Uint8Array(0), { maxPairs: -1 })).toThrow(
      code("ERR_OUT_OF_RANGE"),
    );
    expect(() => decodeParams(new Uint8Array(0), { nope: 1 } as never)).toThrow(
      code("ERR_UNKNOWN_OPTION"),
    );
    const parser = new FcgiRecordParser({ onRecord() {}, onContent() {}, onRecordEnd() {} });
    expect(() => parser.push("text" as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => parser.push(5 as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
  });

  it("SCGI", () => {
    expect(() => encodeScgiRequest({} as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => encodeScgiRequest([], "x" as never)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => encodeScgiHead([], -1)).toThrow(code("ERR_INVALID_ARG_TYPE"));
    expect(() => scgiRequestByteLength([], undefined, "x" as never)).toThrow(
      code("ERR_INVALID_ARG_VALUE"),
    );
    expect(() => decodeScgiRequest(new Uint8Array(0), 0, { maxHeaderLength: -1 })).toThrow(
      code("ERR_OUT_OF_RANGE"),
    );
    expect(
      () =>
        new ScgiParser({ onHeaders() {}, onBody() {}, onBodyEnd() {} }, { encoding: 5 } as never),
    ).toThrow(code("ERR_INVALID_ARG_TYPE"));
  });
});

describe("pair views", () => {
  it("has, get, getBytes (views), toObject (last wins), and INVALID_UTF8 as each protocol's error", () => {
    const params = decodeParams(
      encodeParams([
        ["A", "1"],
        ["B", "\u00e9"],
        ["A", "2"],
      ]),
    );
    expect([
      params.size,
      params.has("A"),
      params.has("Z"),
      params.get("A"),
      params.get("Z"),
    ]).toEqual([3, true, false, "2", undefined]);
    expect([...params.getBytes("B")!]).toEqual([0xe9]);
    expect(params.getBytes("Z")).toBeUndefined();
    expect(params.toObject()).toEqual({ A: "2", B: "\u00e9" });
    const utf8 = decodeParams(encodeParams([["K", "\u00e9"]]), { encoding: "utf8" });
    expect(thrownBy(FastcgiError, () => utf8.get("K"))).toMatchObject({
      code: "INVALID_UTF8",
      offset: 3,
    });
    const scgi = decodeScgiHeaders(new Uint8Array([0x4b, 0, 0xff, 0]), { encoding: "utf8" });
    expect(thrownBy(ScgiError, () => scgi.valueAt(0))).toMatchObject({
      code: "INVALID_UTF8",
      offset: 2,
    });
    expect(encodeParams([["N", "v".repeat(200)]], "utf8").length).toBe(1 + 4 + 1 + 200);
  });

  it("errors carry code, offset, needed, expected and detail; the message says the detail once", () => {
    const e = thrownBy(FastcgiError, () => decodeFcgiRequest(new Uint8Array([1, 1, 0])));
    expect([e.code, e.offset, e.needed]).toEqual(["TRUNCATED", 0, 5]);
    expect(e.expected).toBe("the header of a BEGIN_REQUEST record");
    expect(e.message).toBe(`${e.detail} (offset 0)`);
    const s = thrownBy(ScgiError, () => decodeScgiRequest(Buffer.from("5:ab")));
    expect([s.code, s.needed, s.expected]).toEqual(["TRUNCATED", 4, "6 bytes of netstring"]);
    expect(s.detail).toContain("4 bytes before");
  });
});

describe("parsers after errors and at the end", () => {
  it("FastCGI: a failed record parser ends quietly; a response's END_REQUEST in pieces", () => {
    const parser = new FcgiRecordParser({ onRecord() {}, onContent() {}, onRecordEnd() {} });
    expect(() => parser.push(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0]))).toThrow(FastcgiError);
    expect(() => parser.end()).not.toThrow();
    const answer = encodeFcgiResponse({
      stdout: new Uint8Array([65]),
      appStatus: 0xfffffffe,
      protocolStatus: 3,
      requestId: 7,
    });
    const ends: number[][] = [];
    const response = new FcgiResponseParser({
      onStdout() {},
      onStderr() {},
      onEnd: (a, p) => ends.push([a, p]),
    });
    for (let i = 0; i < answer.length; i++) response.push(answer.subarray(i, i + 1));
    response.end();
    expect(ends).toEqual([[0xfffffffe, 3]]);
    const request = new FcgiRequestParser({ onParams() {}, onBody() {}, onBodyEnd() {} });
    const wire = encodeFcgiRequest({ params: [["A", "b"]] });
    request.push(wire.subarray(0, 20));
    expect(thrownBy(FastcgiError, () => request.end()).code).toBe("TRUNCATED");
    expect(fcgiRequestByteLength({ params: [["A", "b"]] })).toBe(wire.length);
    const begin9 = Uint8Array.from(wire);
    begin9[5] = 9;
    expect(
      thrownBy(FastcgiError, () =>
        new FcgiRequestParser({ onParams() {}, onBody() {}, onBodyEnd() {} }).push(begin9),
      ).code,
    ).toBe("UNEXPECTED_RECORD");
  });

  it("SCGI: a block split across chunks is gathered; a comma missing there is BAD_NETSTRING", () => {
    const wire = Buffer.from(encodeScgiRequest([["A", "b"]]));
    const seen: string[] = [];
    const parser = new ScgiParser({
      onHeaders: (h) => seen.push(h.get("A")!),
      onBody() {},
      onBodyEnd() {},
    });
    parser.push(wire.subarray(0, 5));
    parser.push(wire.subarray(5));
    expect(seen).toEqual(["b"]);
    const bad = Buffer.from(wire);
    bad[bad.length - 1] = 0x3b;
    const broken = new ScgiParser({ onHeaders() {}, onBody() {}, onBodyEnd() {} });
    broken.push(bad.subarray(0, 5));
    expect(thrownBy(ScgiError, () => broken.push(bad.subarray(5)))).toMatchObject({
      code: "BAD_NETSTRING",
      offset: bad.length - 1,
    });
    expect(() => broken.end()).not.toThrow();
  });
});

describe("runs anywhere", () => {
  it("no file of src/fastcgi, src/scgi or src/pairs names a Node global", () => {
    expect(filesNamingNodeGlobals(["src/fastcgi", "src/scgi", "src/pairs"])).toEqual([]);
  });

  it("encodes and decodes with Buffer and process deleted, as with them", () => {
    const out = compileEntries(
      ["src/fastcgi/index.ts", "src/scgi/index.ts"],
      "uwsgi-codec-fcgi-anywhere-",
    );
    try {
      const script = join(out, "run.mjs");
      writeFileSync(
        script,
        `const bare = process.argv[2] === "bare";
const write = process.stdout.write.bind(process.stdout);
if (bare) for (const n of ["Buffer", "process", "global", "setImmediate"]) delete globalThis[n];
const f = await import(${JSON.stringify(`file://${out}/dist/fastcgi/index.js`)});
const s = await import(${JSON.stringify(`file://${out}/dist/scgi/index.js`)});
const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, "0")).join("");
const req = f.encodeFcgiRequest({ params: [["K", "\\u00e9"], ["L", "x".repeat(300)]], body: new Uint8Array([1, 2, 3]) });
const d = f.decodeFcgiRequest(req);
const scgi = s.encodeScgiRequest([["A", "b"]], new Uint8Array([9]));
const seen = [];
const p = new s.ScgiParser({ onHeaders: (h) => seen.push([...h]), onBody: (b) => seen.push(hex(b)), onBodyEnd: () => seen.push("end") });
p.push(scgi.subarray(0, 3)); p.push(scgi.subarray(3));
write(JSON.stringify({ kind: req.constructor.name, req: hex(req), params: [...d.params], body: d.body.map(hex), scgi: hex(scgi), seen }));`,
      );
      const run = (mode: string) =>
        JSON.parse(execFileSync(process.execPath, [script, mode], { encoding: "utf8" })) as Record<
          string,
          unknown
        >;
      const bare = run("bare");
      const node = run("node");
      expect([bare["kind"], node["kind"]]).toEqual(["Uint8Array", "Buffer"]);
      delete bare["kind"];
      delete node["kind"];
      expect(bare).toEqual(node);
      expect(bare["params"]).toEqual([
        ["K", "\u00e9"],
        ["L", "x".repeat(300)],
      ]);
      expect(bare["seen"]).toEqual([
        [
          ["CONTENT_LENGTH", "1"],
          ["SCGI", "1"],
          ["A", "b"],
        ],
        "09",
        "end",
      ]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});
