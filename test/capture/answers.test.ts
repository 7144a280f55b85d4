// Answers framed as uWSGI frames them (answerFramingOf), and what follows a request packet
// (requestTrailerOf): the RPC results over 64 KiB and raw, the cache's magic answers and values,
// the simple gets' pointer bytes, the spooler's and the signal's status, read from the real
// traffic of fixtures/captures/packets.pcapng and from synthetic streams.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AnswerDecoder } from "../../src/capture/answer-decoder.js";
import type { CapturedAnswer, CapturedExchange } from "../../src/capture/exchange.js";
import { DecodeSession } from "../../src/capture/session.js";
import type { AnswerFraming } from "../../src/codec/answer-framing.js";
import { encodeCacheAnswer, encodeCacheRequest } from "../../src/codec/cache.js";
import { encodePacket } from "../../src/codec/packet.js";
import { encodeRpcAnswer } from "../../src/codec/rpc.js";
import { capturePath, collect } from "./support/fixtures.js";

interface Step {
  readonly what: string;
  readonly result?: { readonly length: number; readonly hex: string } | boolean | null;
}
const EXPECTED = JSON.parse(readFileSync(capturePath("packets-expected.json"), "utf8")) as {
  ports: { uwsgi: number; nodeRpc: number };
  steps: Step[];
};
const result = (what: string) => {
  const r = EXPECTED.steps.find((s) => s.what.startsWith(what))?.result;
  if (typeof r !== "object" || r === null) throw new Error(`no bytes for ${what}`);
  return r;
};

/** What a test compares of an answer: its kind, its packet's header and its content's bytes. */
function shape(a: CapturedAnswer | null): unknown {
  if (a === null) return null;
  const content = { length: a.kind === "http" ? -1 : a.body.length, complete: a.complete };
  if (a.kind === "packets") {
    const p = a.packets[0];
    return {
      kind: a.kind,
      packet: p === undefined ? null : [p.modifier1, p.datasize, p.modifier2],
      ...content,
      preview: a.body.preview.toString("hex"),
    };
  }
  if (a.kind === "raw")
    return { kind: a.kind, ...content, preview: a.body.preview.toString("hex") };
  return { kind: a.kind, status: a.status };
}

const expectedPreview = (r: { hex: string }) => r.hex.slice(0, 128);

describe("packets.pcapng: every answer as uWSGI framed it", () => {
  let list: CapturedExchange[] = [];
  const of = (m1: number, m2: number) =>
    list.filter((e) => e.modifier1 === m1 && e.modifier2 === m2);

  it("decodes every exchange without an error", async () => {
    list = await collect(capturePath("packets.pcapng"), {
      ports: [EXPECTED.ports.uwsgi, EXPECTED.ports.nodeRpc],
    });
    expect(list.length).toBeGreaterThanOrEqual(20);
    for (const ex of list) expect(ex.errors, `#${ex.id} ${ex.modifierName}`).toEqual([]);
  });

  it("RPC: framed results in the packet, over 64 KiB after CONTENT_LENGTH vars, raw with modifier2 1", () => {
    const framed = of(173, 0).map((e) => shape(e.answer));
    const big = result("rpc big(70000)");
    const bigNode = result("python calls node: uwsgi.rpc big(100000)");
    expect(framed).toEqual([
      // hello(a, bc): [173, 7, 0] + the result.
      {
        kind: "packets",
        packet: [173, 7, 0],
        length: 7,
        complete: true,
        preview: result("rpc hello(a, bc)").hex,
      },
      // big(70000): [173, n, 5] + vars {CONTENT_LENGTH: 70000} + the result.
      {
        kind: "packets",
        packet: [173, 23, 5],
        length: big.length,
        complete: true,
        preview: expectedPreview(big),
      },
      // nosuch(): uWSGI closes without a byte.
      null,
      // uWSGI's uwsgi.rpc to Node: upper(abc), then big(100000) answered by createRpcServer.
      { kind: "packets", packet: [173, 3, 0], length: 3, complete: true, preview: "414243" },
      {
        kind: "packets",
        packet: [173, 24, 5],
        length: bigNode.length,
        complete: true,
        preview: expectedPreview(bigNode),
      },
    ]);
    const raw = result("rpc hello(x), modifier2 1");
    expect(of(173, 1).map((e) => shape(e.answer))).toEqual([
      { kind: "raw", length: raw.length, complete: true, preview: raw.hex },
    ]);
  });

  it("cache, magic interface: a set's value is the request's body; a get's value follows the answer's vars", () => {
    const magic = of(111, 17);
    const sets = magic.filter((e) => ["set", "update"].includes(e.vars?.get("cmd") ?? ""));
    expect(
      sets.map((e) => [
        e.bodyFraming,
        e.contentLength,
        e.body.preview.toString("latin1"),
        e.body.complete,
      ]),
    ).toEqual([
      ["size", 5, "hello", true],
      ["size", 3, "abc", true],
      // uWSGI's own remote client, sending size twice.
      ["size", 6, "remote", true],
    ]);
    for (const e of magic) {
      const a = e.answer;
      if (a === null) continue; // the miss: uWSGI closes
      expect(a.kind, `#${e.id}`).toBe("packets");
      if (a.kind !== "packets") continue;
      expect(a.packets.map((p) => [p.modifier1, p.modifier2])).toEqual([[111, 17]]);
      expect(a.complete).toBe(true);
    }
    const gets = magic.filter((e) => e.vars?.get("cmd") === "get" && e.answer !== null);
    expect(
      gets.map((e) => e.answer?.kind === "packets" && e.answer.body.preview.toString()),
    ).toEqual(["hello", "abc", "remote"]);
    expect(magic.filter((e) => e.answer === null)).toHaveLength(1);
  });

  it("cache, simple get: 4 pointer bytes, then the value, raw", () => {
    const get = result("cache simple get");
    expect(of(111, 0).map((e) => shape(e.answer))).toEqual([
      { kind: "raw", length: get.length, complete: true, preview: get.hex },
    ]);
    // The simple set carries its value in its array, and uWSGI never answers it.
    expect(of(111, 1).map((e) => [e.bodyFraming, e.answer])).toEqual([["none", null]]);
  });

  it("the spooler's and the signal's [255, 0, 0, 1], the pong, the echo", () => {
    const status = { kind: "packets", packet: [255, 0, 1], length: 0, complete: true, preview: "" };
    expect(of(17, 0).map((e) => shape(e.answer))).toEqual([status]);
    // raiseSignal(17): [110, 0, 0, 17].
    expect(of(110, 17).map((e) => shape(e.answer))).toEqual([status]);
    expect(of(100, 0).map((e) => shape(e.answer))).toEqual([
      { kind: "packets", packet: [100, 0, 1], length: 0, complete: true, preview: "" },
    ]);
    const echo = result("echo");
    expect(of(101, 0).map((e) => shape(e.answer))).toEqual([
      { kind: "raw", length: echo.length, complete: true, preview: echo.hex },
    ]);
  });
});

/** A decode's session, for the parts that need one. */
function session(preview: number): DecodeSession {
  return new DecodeSession({ onExchange: () => undefined }, preview, true, undefined);
}

/** Feeds `bytes` to a new decoder of `framing` in two pieces cut at `cut`. */
function decodeSplit(framing: AnswerFraming, bytes: Uint8Array, cut: number, closed = true) {
  const d = new AnswerDecoder(framing, session(64), 1);
  const b = Buffer.from(bytes);
  d.push(b.subarray(0, cut));
  if (cut < b.length) d.push(b.subarray(cut));
  return { answer: d.finish(closed), problems: d.problems };
}

describe("AnswerDecoder by framing, split at every offset", () => {
  const big = Buffer.alloc(70_000, 0x61);
  const cases: [string, AnswerFraming, Uint8Array, unknown][] = [
    [
      "an RPC result in its packet",
      "rpc",
      encodeRpcAnswer(Buffer.from("result")),
      { kind: "packets", packet: [173, 6, 0], length: 6, complete: true, preview: "726573756c74" },
    ],
    [
      "an RPC result over 64 KiB",
      "rpc",
      encodeRpcAnswer(big),
      {
        kind: "packets",
        packet: [173, 23, 5],
        length: 70_000,
        complete: true,
        preview: "61".repeat(64),
      },
    ],
    [
      "a cache answer with its value",
      "cache",
      encodeCacheAnswer({ value: Buffer.from("v") }),
      { kind: "packets", packet: [111, 21, 17], length: 1, complete: true, preview: "76" },
    ],
    [
      "a status",
      "packet",
      Buffer.from([255, 0, 0, 1]),
      { kind: "packets", packet: [255, 0, 1], length: 0, complete: true, preview: "" },
    ],
    [
      "a dump: its vars, then the table to the close",
      "dump",
      Buffer.concat([
        encodePacket({ modifier1: 111, modifier2: 7, vars: { items: "1", blocksize: "4" } }),
        Buffer.from("tabl"),
      ]),
      { kind: "packets", packet: [111, 24, 7], length: 4, complete: true, preview: "7461626c" },
    ],
    [
      "raw bytes",
      "raw",
      Buffer.from("\x06\x30\x51\x02v1"),
      { kind: "raw", length: 6, complete: true, preview: "063051027631" },
    ],
  ];
  for (const [name, framing, bytes, want] of cases) {
    it(name, () => {
      // Every cut of small answers, and the cuts around the head of the large one.
      const cuts =
        bytes.length < 100
          ? Array.from({ length: bytes.length }, (_, i) => i + 1)
          : [1, 2, 3, 4, 5, 20, 26, 27, 28, 1000, bytes.length - 1, bytes.length];
      for (const cut of cuts) {
        const { answer, problems } = decodeSplit(framing, bytes, cut);
        expect(shape(answer), `cut at ${cut}`).toEqual(want);
        expect(problems).toEqual([]);
        expect(answer.length).toBe(bytes.length);
      }
    });
  }

  it("a magic answer's value of the wrong length, bytes past a status, a head that is not the framing's", () => {
    const whole = encodeCacheAnswer({ value: Buffer.from("abc") });
    const short = decodeSplit("cache", whole.subarray(0, whole.length - 1), 5);
    expect(short.answer).toMatchObject({ kind: "packets", complete: false });
    expect(short.problems).toEqual([]);
    const long = decodeSplit("packet", Buffer.from([255, 0, 0, 1, 9, 9]), 2);
    expect(long.answer).toMatchObject({ kind: "packets", complete: false });
    expect(long.problems).toEqual([
      expect.objectContaining({ code: "UNEXPECTED_BYTES", offset: 4 }),
    ]);
    // A cache answer where an RPC answer was expected: the packet is shown, the rest counted.
    const wrong = decodeSplit("rpc", whole, 3);
    expect(wrong.problems).toEqual([
      expect.objectContaining({ code: "UNEXPECTED_PACKET", offset: 0 }),
    ]);
    expect(shape(wrong.answer)).toMatchObject({
      kind: "packets",
      packet: [111, 21, 17],
      length: 3,
    });
    const noLength = decodeSplit(
      "rpc",
      encodePacket({ modifier1: 173, modifier2: 5, vars: { X: "1" } }),
      1,
    );
    expect(noLength.problems).toEqual([
      expect.objectContaining({ code: "MISSING_FIELD", offset: 4 }),
    ]);
  });

  it("heads that are not what uWSGI sends: said with the codec's code and offset, the rest counted", () => {
    const badLength = encodePacket({
      modifier1: 173,
      modifier2: 5,
      vars: { CONTENT_LENGTH: "12a" },
    });
    expect(decodeSplit("rpc", badLength, 2).problems).toEqual([
      expect.objectContaining({ code: "INVALID_FIELD", offset: 4 + 2 + 14 + 2 }),
    ]);
    const noStatus = encodePacket({ modifier1: 111, modifier2: 17, vars: { size: "1" } });
    expect(decodeSplit("cache", noStatus, 9).problems).toEqual([
      expect.objectContaining({ code: "MISSING_FIELD", offset: 4 }),
    ]);
    // A key length past the packet: the vars themselves are malformed.
    const overrun = Buffer.from([111, 5, 0, 17, 9, 0, 0x61, 0x62, 0x63]);
    const bad = decodeSplit("cache", overrun, 4);
    expect(bad.problems).toEqual([
      expect.objectContaining({ code: "KEY_OVERRUNS_DATASIZE", offset: 4 }),
    ]);
    expect(shape(bad.answer)).toMatchObject({ kind: "packets", packet: [111, 5, 17], length: 0 });
  });

  it("an answer cut inside its packet: its header, TRUNCATED; a gap in the head turns the rest raw", () => {
    const cut = decodeSplit("rpc", Buffer.from([173, 9, 0, 0, 0x41]), 2, true);
    expect(shape(cut.answer)).toMatchObject({
      kind: "packets",
      packet: [173, 9, 0],
      complete: false,
    });
    expect(cut.answer).toMatchObject({ count: 0 });
    expect(cut.problems).toEqual([expect.objectContaining({ code: "TRUNCATED", offset: 5 })]);
    const d = new AnswerDecoder("cache", session(64), 1);
    d.push(Buffer.from([111, 9]));
    d.gap(10);
    d.push(Buffer.from("xyz"));
    expect(d.finish(true)).toMatchObject({ kind: "raw", length: 5, missing: 10, complete: false });
    // Inside the value the framing survives a gap: counted, and the value goes on.
    const v = new AnswerDecoder("cache", session(64), 1);
    const withValue = encodeCacheAnswer({ value: Buffer.alloc(10) });
    v.push(Buffer.from(withValue.subarray(0, withValue.length - 10)));
    v.push(Buffer.from("abc"));
    v.gap(4);
    v.push(Buffer.from("def"));
    const a = v.finish(true);
    expect(a).toMatchObject({ kind: "packets", missing: 4, complete: false });
    if (a.kind === "packets")
      expect(a.body).toMatchObject({ length: 6, missing: 4, complete: true });
  });
});

describe("what follows a request packet", () => {
  it("a cache set's value is its body; the next request follows it", async () => {
    const set = encodeCacheRequest({ command: "set", key: "k", value: Buffer.from("value!") });
    const ping = encodePacket({ modifier1: 100 });
    const list = await collect(Buffer.concat([set, set, ping]));
    expect(list.map((e) => [e.modifierName, e.bodyFraming, e.body.length, e.errors])).toEqual([
      ["CACHE", "size", 6, []],
      ["CACHE", "size", 6, []],
      ["PING", "none", 0, []],
    ]);
    // Cut inside the value: the body is incomplete and says so.
    const [cut] = await collect(set.subarray(0, set.length - 2));
    expect(cut!.body).toMatchObject({ length: 4, complete: false });
    expect(cut!.errors).toEqual([
      expect.objectContaining({ code: "TRUNCATED", offset: set.length - 2 }),
    ]);
  });

  it("a cache set whose size is too large to be exact: said, and nothing read as its value", async () => {
    const set = encodePacket({
      modifier1: 111,
      modifier2: 17,
      vars: { cmd: "set", key: "k", size: "99999999999999999999" },
    });
    const ping = encodePacket({ modifier1: 100 });
    const list = await collect(Buffer.concat([set, ping]));
    expect(list.map((e) => [e.modifierName, e.bodyFraming, e.errors.map((x) => x.code)])).toEqual([
      ["CACHE", "none", ["BODY_TOO_LARGE"]],
      ["PING", "none", []],
    ]);
  });

  it("a spooler job's vars are never followed by a body, whatever they say", async () => {
    const job = encodePacket({ modifier1: 17, vars: { CONTENT_LENGTH: "4", job: "x" } });
    const ping = encodePacket({ modifier1: 100 });
    const list = await collect(Buffer.concat([job, ping]));
    expect(list.map((e) => [e.modifierName, e.body.length, e.errors])).toEqual([
      ["SPOOLER", 0, []],
      ["PING", 0, []],
    ]);
  });

  it("a request cut inside its packet shows the header it had", async () => {
    const req = encodePacket({ modifier1: 5, modifier2: 3, vars: { PATH_INFO: "/cut" } });
    for (const keep of [4, 7, req.length - 1]) {
      const [ex] = await collect(req.subarray(0, keep), { format: "raw" });
      expect([ex!.modifier1, ex!.modifier2, ex!.datasize, ex!.modifierName]).toEqual([
        5,
        3,
        req.length - 4,
        "PSGI",
      ]);
      expect(ex!.errors).toEqual([expect.objectContaining({ code: "TRUNCATED" })]);
    }
  });
});
