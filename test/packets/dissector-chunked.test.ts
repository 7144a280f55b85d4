// The generated dissector on chunked request bodies that no real peer sent: every framing error
// the parser's ChunkedDecoder names, its limits, the body rule of src/parser/body-mode.ts, each
// whole and split into 1-byte segments; tshark 4.0 must show what `decode --json` shows (body
// length, error codes) and never a Lua error (runTshark fails on one).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/index.js";
import type { CapturedSegment } from "../capture/support/fixtures.js";
import { recordsOf, writePcap } from "../capture/support/rewrite.js";
import { requireBinary } from "../interop/support/process.js";
import { decodedExchanges, decodeJson } from "./support/decode-view.js";
import { differences, writeDissector } from "./support/dissector-compare.js";
import { dissection, runTshark } from "./support/dissector-view.js";
import { connection, splitEverywhere } from "./support/segments.js";

let lua: string;
let dir: string;
beforeAll(() => {
  requireBinary("tshark", "tshark");
  lua = writeDissector();
  dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-chunked-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OK = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");

/** A POST with these extra vars, then `body` as it is. */
function request(vars: [string, string][], body: string | Buffer): Buffer {
  const packet = encodePacket({
    modifier1: 0,
    modifier2: 0,
    vars: [["REQUEST_METHOD", "POST"], ["REQUEST_URI", "/up"], ...vars],
  });
  return Buffer.concat([packet, typeof body === "string" ? Buffer.from(body, "latin1") : body]);
}
const chunked = (body: string | Buffer) => request([["HTTP_TRANSFER_ENCODING", "chunked"]], body);

interface Case {
  what: string;
  bytes: Buffer;
  /** The error code both show, or null. */
  error: string | null;
  body: number;
  chunks?: number[];
}

const CASES: Case[] = [
  {
    what: "extensions, trailers, uppercase hex, a coding list ending in Chunked",
    bytes: request(
      [["HTTP_TRANSFER_ENCODING", "gzip, Chunked \t"]],
      "A;a=1;b\r\n0123456789\r\n1 ;x\r\nz\r\n0;end\r\nX-A: 1\r\nX-B:\t2\r\n\r\n",
    ),
    error: null,
    body: 11,
    chunks: [10, 1, 0],
  },
  {
    what: "a repeated HTTP_TRANSFER_ENCODING: the last value decides",
    bytes: request(
      [
        ["HTTP_TRANSFER_ENCODING", "gzip"],
        ["HTTP_TRANSFER_ENCODING", "chunked"],
      ],
      "3\r\nabc\r\n0\r\n\r\n",
    ),
    error: null,
    body: 3,
    chunks: [3, 0],
  },
  {
    what: "CONTENT_LENGTH decides over chunked",
    bytes: request(
      [
        ["HTTP_TRANSFER_ENCODING", "chunked"],
        ["CONTENT_LENGTH", "3"],
      ],
      "3\r\n",
    ),
    error: null,
    body: 3,
  },
  {
    what: "an empty CONTENT_LENGTH: no body",
    bytes: request(
      [
        ["HTTP_TRANSFER_ENCODING", "chunked"],
        ["CONTENT_LENGTH", ""],
      ],
      "",
    ),
    error: null,
    body: 0,
  },
  {
    what: "another coding without CONTENT_LENGTH",
    bytes: request([["HTTP_TRANSFER_ENCODING", "chunked, gzip"]], "abc"),
    error: "UNSUPPORTED_TRANSFER_ENCODING",
    body: 0,
  },
  { what: "a bare LF", bytes: chunked("3\nabc\r\n0\r\n\r\n"), error: "INVALID_CHUNK", body: 0 },
  { what: "no size", bytes: chunked(";x\r\n"), error: "INVALID_CHUNK", body: 0 },
  {
    what: "whitespace then no ';'",
    bytes: chunked("3 \r\nabc\r\n0\r\n\r\n"),
    error: "INVALID_CHUNK",
    body: 0,
  },
  {
    what: "no CRLF after the data",
    bytes: chunked("3\r\nabcd\r\n0\r\n\r\n"),
    error: "INVALID_CHUNK",
    body: 3,
  },
  {
    what: "a control byte in an extension",
    bytes: chunked("3;\x01\r\nabc\r\n0\r\n\r\n"),
    error: "INVALID_CHUNK",
    body: 0,
  },
  {
    what: "a trailer without a name",
    bytes: chunked("0\r\n: v\r\n\r\n"),
    error: "INVALID_CHUNK",
    body: 0,
  },
  {
    what: "a size line over 4096 bytes",
    bytes: chunked(`3;${"e".repeat(4100)}\r\nabc\r\n0\r\n\r\n`),
    error: "CHUNK_LINE_TOO_LONG",
    body: 0,
  },
  {
    what: "a size line of exactly 4096 bytes",
    bytes: chunked(`3;${"e".repeat(4096 - 5)}\r\nabc\r\n0\r\n\r\n`),
    error: null,
    body: 3,
    chunks: [3, 0],
  },
  {
    what: "a size over 2^53",
    bytes: chunked("fffffffffffffff\r\n"),
    error: "BODY_TOO_LARGE",
    body: 0,
  },
  {
    what: "trailers over 16384 bytes",
    bytes: chunked(`0\r\nX: ${"t".repeat(16400)}\r\n\r\n`),
    error: "TRAILERS_TOO_LARGE",
    body: 0,
  },
  {
    what: "a 70000-byte chunk",
    bytes: chunked(
      Buffer.concat([
        Buffer.from("11170\r\n"),
        Buffer.alloc(70000, 7),
        Buffer.from("\r\n0\r\n\r\n"),
      ]),
    ),
    error: null,
    body: 70000,
    chunks: [70000, 0],
  },
];

let written = 0;
function write(segments: readonly CapturedSegment[]): string {
  const file = join(dir, `chunked-${written++}.pcap`);
  writeFileSync(file, writePcap(recordsOf(segments), { linkType: 1 }));
  return file;
}

describe("chunked bodies the dissector reads as the parser does", () => {
  it.each([
    ["whole", 0],
    ["each request's first 4200 bytes in 1-byte segments", 1],
  ] as const)(
    "%s: each body's length, chunks and error code are decode --json's",
    async (_, split) => {
      const segments = CASES.flatMap((c, i) => connection(30000 + i, 3031, c.bytes, OK, i + 1));
      // Whole: in segments of at most 1400 bytes. Split: each request's first 4200 bytes one by one
      // (every header, size line and trailer, and the 4100-byte line that waits for its end).
      const file = write(
        split === 0
          ? splitEverywhere(segments, 0, () => 1400)
          : splitEverywhere(segments, 4200, () => 997),
      );
      const decoded = decodedExchanges(await decodeJson(file, ["--port", "3031"]));
      const { exchanges } = dissection(runTshark(lua, file, ["uwsgi.heuristic:FALSE"]));
      expect(differences(decoded, exchanges)).toEqual([]);
      for (const [i, c] of CASES.entries()) {
        const client = `127.0.0.1:${30000 + i}`;
        const x = exchanges.find((e) => e.client === client)!;
        const d = decoded.find((e) => e.client === client)!;
        const got = { what: c.what, error: x.errors[0] ?? null, body: x.bodyLength };
        expect(got).toEqual({ what: c.what, error: c.error, body: c.body });
        expect(d.errors).toEqual(x.errors);
        if (c.chunks !== undefined) {
          expect([c.what, x.chunks, x.decodedLength]).toEqual([c.what, c.chunks, c.body]);
        }
      }
    },
  );
});
