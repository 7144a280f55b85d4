// Chunked request bodies as uWSGI's http router (--http-chunked-input) forwards them: the
// capture decoder de-chunks them with the parser's rule and decoder, in the real traffic of
// fixtures/captures/chunked/chunked.pcapng and in rewritten copies of it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { sha256 } from "../support/bytes.js";
import {
  type CapturedSegment,
  capturePath,
  collect,
  prng,
  segmentsOf,
} from "./support/fixtures.js";
import { pcapOf, resegment } from "./support/rewrite.js";

interface Upload {
  readonly what: string;
  readonly path: string;
  readonly body_length: number | null;
  readonly body_sha256: string | null;
  readonly wire_length: number;
  readonly status: number | null;
  readonly app: { body_length: number; body_sha256: string } | null;
}
const FILE = capturePath("chunked/chunked.pcapng");
const EXPECTED = JSON.parse(readFileSync(capturePath("chunked/expected.json"), "utf8")) as {
  uwsgiPort: number;
  requests: Upload[];
};
const PORT = EXPECTED.uwsgiPort;
const ORIGINAL = segmentsOf(readFileSync(FILE));
const BAD = EXPECTED.requests.findIndex((r) => r.path === "/upload/bad");

/** What the tests compare of a decode of the chunked capture, by upload path. */
async function decoded(file: string | Buffer, options = {}) {
  const list = await collect(file, { ports: [PORT], ...options });
  return list.map((ex) => ({
    path: ex.vars?.get("REQUEST_URI"),
    framing: ex.bodyFraming,
    contentLength: ex.contentLength,
    length: ex.body.length,
    sha256: ex.body.sha256,
    complete: ex.body.complete,
    errors: ex.errors.map((e) => [e.code, e.offset]),
  }));
}

/** The request offset of the bad chunk-size line's first byte: after the packet and "5\r\nhello\r\n". */
function badChunkOffset(): number {
  const first = ORIGINAL.find(
    (s) => s.dstPort === PORT && s.payload.toString("latin1").includes("/upload/bad"),
  )!;
  return first.payload.length + "5\r\nhello\r\n".length;
}

const WANT = EXPECTED.requests.map((r, i) =>
  i === BAD
    ? {
        path: r.path,
        framing: "chunked",
        contentLength: 0,
        length: 5,
        sha256: sha256(Buffer.from("hello")),
        complete: false,
        errors: [["INVALID_CHUNK", badChunkOffset()]],
      }
    : {
        path: r.path,
        framing: "chunked",
        contentLength: 0,
        length: r.body_length,
        sha256: r.body_sha256,
        complete: true,
        errors: [],
      },
);

describe("chunked.pcapng: uWSGI's http router forwarding chunked uploads", () => {
  it("each body is de-chunked: the length and SHA-256 uWSGI's app read", async () => {
    // The app's own reading agrees with what was sent, where it answered.
    for (const r of EXPECTED.requests) {
      if (r.app !== null && r.body_sha256 !== null) expect(r.app.body_sha256).toBe(r.body_sha256);
    }
    expect(await decoded(FILE)).toEqual(WANT);
  });

  it("re-cut into 1-byte segments, and at random: the same", async () => {
    expect(await decoded(pcapOf(resegment(ORIGINAL, () => 1)))).toEqual(WANT);
    const rand = prng(3);
    const random = resegment(ORIGINAL, () => 1 + Math.floor(rand() * 40));
    expect(await decoded(pcapOf(random))).toEqual(WANT);
  });

  it("found by the heuristic without a port", async () => {
    expect(await decoded(FILE, { ports: undefined })).toEqual(WANT);
  });

  it("decode --body writes the decoded bodies, --json says chunked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-chunked-"));
    try {
      let out = "";
      const io = {
        stdout: {
          write: (t: string | Uint8Array) => {
            out += t;
            return true;
          },
        },
        stderr: { write: () => true },
      };
      expect(await main(["decode", FILE, "--json", "--body", dir, "-q"], io)).toBe(1);
      const lines = out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.bodyFraming)).toEqual(EXPECTED.requests.map(() => "chunked"));
      for (const [i, r] of EXPECTED.requests.entries()) {
        const file = join(dir, `${lines[i].id}.request.bin`);
        const want = i === BAD ? sha256(Buffer.from("hello")) : r.body_sha256;
        if (r.body_length === 0) continue; // nothing written for an empty body
        expect(sha256(readFileSync(file))).toBe(want);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The segments of the first upload's connection, and the others unchanged. */
function firstUpload(): { mine: CapturedSegment[]; client: (s: CapturedSegment) => boolean } {
  const first = ORIGINAL.find((s) => s.dstPort === PORT && s.payload.length > 0)!;
  const client = (s: CapturedSegment) => s.srcPort === first.srcPort && s.dstPort === PORT;
  const mine = ORIGINAL.filter((s) => s.srcPort === first.srcPort || s.dstPort === first.srcPort);
  return { mine, client };
}

describe("chunked bodies the capture did not keep whole", () => {
  it("a lost segment inside a chunked body: a GAP, the body cut there, the next request looked for", async () => {
    const { mine, client } = firstUpload();
    const cut = resegment(mine, () => 1000);
    const data = cut.filter((s) => client(s) && s.payload.length > 0);
    // Drop a piece well inside the body (past the packet, before the end).
    const lost = data[20]!;
    const list = await collect(pcapOf(cut.filter((s) => s !== lost)), { ports: [PORT] });
    expect(list).toHaveLength(1);
    const ex = list[0]!;
    expect(ex.errors).toEqual([
      {
        code: "GAP",
        direction: "request",
        offset: expect.any(Number),
        message:
          "1000 byte(s) of the chunked body were not captured (its framing is lost with them); looking for the next request",
      },
    ]);
    expect(ex.body.complete).toBe(false);
    expect(ex.body.missing).toBe(0);
    // What was decoded before the hole is the body's start.
    const body = EXPECTED.requests[0]!;
    expect(ex.body.length).toBeLessThan(body.body_length!);
    expect(ex.body.length).toBeGreaterThan(0);
    // The answer is still paired with the request.
    expect(ex.answer).toMatchObject({ kind: "http", status: 200 });
  });

  it("a capture that ends inside a chunked body: TRUNCATED, with what was read", async () => {
    const { mine, client } = firstUpload();
    const data = mine.filter((s) => client(s) && s.payload.length > 0);
    const last = data.at(-1)!;
    const until = mine.indexOf(last);
    const list = await collect(pcapOf(mine.slice(0, until)), { ports: [PORT] });
    expect(list).toHaveLength(1);
    expect(list[0]!.errors).toEqual([
      expect.objectContaining({ code: "TRUNCATED", direction: "request" }),
    ]);
    expect(list[0]!.body.complete).toBe(false);
  });

  it("a chunked body with a hole after its last chunk: the next bytes are searched, nothing made up", async () => {
    const { mine, client } = firstUpload();
    const cut = resegment(mine, () => 2);
    const data = cut.filter((s) => client(s) && s.payload.length > 0);
    // The last chunk's "0\r\n\r\n" spans the last three 2-byte pieces: lose the middle one.
    const lost = data.at(-2)!;
    const list = await collect(pcapOf(cut.filter((s) => s !== lost)), { ports: [PORT] });
    expect(list).toHaveLength(1);
    expect(list[0]!.errors.map((e) => e.code)).toEqual(["GAP"]);
    expect(list[0]!.body).toMatchObject({
      length: EXPECTED.requests[0]!.body_length,
      missing: 0,
      complete: false,
    });
  });
});
