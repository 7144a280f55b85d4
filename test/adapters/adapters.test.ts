import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import {
  encodePacket,
  PacketDecoderStream,
  type ParserEvent,
  parseStream,
} from "../../src/index.js";
import { PacketDecoder } from "../../src/node.js";
import { chunksOf } from "../parser/collect.js";

const body = Buffer.alloc(5000, "b");
const request = encodePacket({
  vars: [
    ["REQUEST_METHOD", "POST"],
    ["CONTENT_LENGTH", String(body.length)],
  ],
});
const stream = Buffer.concat([request, body]);
const chunks = chunksOf(stream, 7);
const bad = Buffer.from("0004000000000000", "hex"); // empty key

/** Events reduced to comparable values: packet headers, joined body, end marks. */
function shape(events: readonly ParserEvent[]) {
  const out: string[] = [];
  let bodyBytes = 0;
  for (const e of events) {
    if (e.type === "packet") out.push(`packet ${e.packet.modifier1} ${e.packet.datasize}`);
    else if (e.type === "body") bodyBytes += e.chunk.length;
    else if (e.type === "end") out.push(`end after ${bodyBytes}`);
    else out.push(`trailing ${e.chunk.length}`);
  }
  return out;
}
const expected = [`packet 0 ${request.length - 4}`, `end after ${body.length}`];

async function* source(parts: readonly Buffer[], log?: { returned: boolean }) {
  try {
    for (const p of parts) yield p;
  } finally {
    if (log !== undefined) log.returned = true;
  }
}

describe("parseStream (async iterator)", () => {
  it("gives the parser's events for any async iterable", async () => {
    const events: ParserEvent[] = [];
    for await (const e of parseStream(source(chunks))) events.push(e);
    expect(shape(events)).toEqual(expected);
  });

  it("hands back bytes after the body with afterBody: return", async () => {
    const events: ParserEvent[] = [];
    for await (const e of parseStream(source([stream, Buffer.from("xyz")]), {
      afterBody: "return",
    }))
      events.push(e);
    expect(shape(events)).toEqual([...expected, "trailing 3"]);
  });

  it("reads a WHATWG ReadableStream", async () => {
    const events: ParserEvent[] = [];
    for await (const e of parseStream(ReadableStream.from(chunks))) events.push(e);
    expect(shape(events)).toEqual(expected);
  });

  it("an early break returns the source; errors and truncation reject", async () => {
    const log = { returned: false };
    for await (const e of parseStream(source(chunks, log))) if (e.type === "packet") break;
    expect(log.returned).toBe(true);
    await expect(async () => {
      for await (const _ of parseStream(source([bad]))) void _;
    }).rejects.toMatchObject({ code: "EMPTY_KEY" });
    await expect(async () => {
      for await (const _ of parseStream(source([stream.subarray(0, 100)]))) void _;
    }).rejects.toMatchObject({ code: "TRUNCATED" });
  });
});

describe("PacketDecoderStream (Web Streams)", () => {
  it("transforms bytes into the parser's events", async () => {
    const events: ParserEvent[] = [];
    const readable = ReadableStream.from(chunks).pipeThrough(new PacketDecoderStream());
    for await (const e of readable) events.push(e);
    expect(shape(events)).toEqual(expected);
  });

  it("errors the readable side on malformed input and on a cut stream", async () => {
    for (const input of [[bad], [stream.subarray(0, request.length + 1)]]) {
      const readable = ReadableStream.from(input).pipeThrough(new PacketDecoderStream());
      await expect(async () => {
        for await (const _ of readable) void _;
      }).rejects.toHaveProperty("code");
    }
  });
});

describe("PacketDecoder (Node Transform)", () => {
  it("works in stream.pipeline and gives the parser's events", async () => {
    const events: ParserEvent[] = [];
    await pipeline(
      Readable.from(chunks),
      new PacketDecoder(),
      new Writable({
        objectMode: true,
        write(e: ParserEvent, _enc, cb) {
          events.push(e);
          cb();
        },
      }),
    );
    expect(shape(events)).toEqual(expected);
  });

  it("a malformed packet or a cut stream makes pipeline reject with the UwsgiError", async () => {
    const sink = () => new Writable({ objectMode: true, write: (_e, _enc, cb) => cb() });
    await expect(pipeline(Readable.from([bad]), new PacketDecoder(), sink())).rejects.toMatchObject(
      { code: "EMPTY_KEY" },
    );
    await expect(
      pipeline(Readable.from([stream.subarray(0, 9)]), new PacketDecoder(), sink()),
    ).rejects.toMatchObject({
      code: "TRUNCATED",
    });
  });

  it("backpressure: a consumer that stops reading stops the source being read", async () => {
    // A 1 MiB body in 1 KiB chunks; the source counts how many times it was asked for data.
    const big = Buffer.alloc(1 << 20, "z");
    const head = encodePacket({ vars: [["CONTENT_LENGTH", String(big.length)]] });
    let reads = 0;
    const parts = [head, ...chunksOf(big, 1024)];
    const src = new Readable({
      highWaterMark: 1,
      read() {
        reads++;
        const next = parts.shift();
        this.push(next ?? null);
      },
    });
    const decoder = new PacketDecoder();
    src.pipe(decoder);
    // Nobody reads the decoder: let the streams settle, then count.
    await new Promise((r) => setTimeout(r, 100));
    // Held back by the decoder's readable buffer (16 events) and writable buffer (16 KiB): ~35 reads.
    const stalled = reads;
    expect(stalled).toBeLessThan(100);
    // Start consuming: everything flows.
    let bodyBytes = 0;
    for await (const e of decoder as AsyncIterable<ParserEvent>)
      if (e.type === "body") bodyBytes += e.chunk.length;
    expect(bodyBytes).toBe(big.length);
    expect(reads).toBeGreaterThan(stalled);
  });
});
