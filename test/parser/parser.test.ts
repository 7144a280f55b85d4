import { describe, expect, it } from "vitest";
import {
  contentLengthOf,
  decodePacket,
  encodePacket,
  MAX_DATASIZE,
  PacketParser,
} from "../../src/index.js";
import { chunksOf, feed, summary } from "./collect.js";

const body = Buffer.from("hello, body of twenty");
const request = encodePacket({
  vars: [
    ["REQUEST_METHOD", "POST"],
    ["CONTENT_LENGTH", String(body.length)],
    ["PATH_INFO", "/x"],
  ],
});
const stream = Buffer.concat([request, body]);

describe("PacketParser, request mode", () => {
  it("split at every offset (and every pair of offsets) gives the packet and the body", () => {
    const whole = summary(decodePacket(request));
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j += 7) {
        const ev = feed([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]);
        expect(ev.error).toBeUndefined();
        expect(ev.packets.map(summary)).toEqual([whole]);
        expect(Buffer.concat(ev.pieces).toString()).toBe(body.toString());
        expect(ev.bodyEnds).toBe(1);
      }
    }
  });

  it("a 1-byte trickle holds at most the packet and makes only views of the body", () => {
    const ev = feed(chunksOf(stream, 1));
    expect(ev.packets.map(summary)).toEqual([summary(decodePacket(request))]);
    expect(ev.pieces).toHaveLength(body.length);
    expect(ev.maxBuffered).toBeLessThanOrEqual(request.length);
  });

  it("a packet inside one chunk is decoded in place; the body is a view of the same chunk", () => {
    const ev = feed([stream]);
    const p = ev.packets[0]!;
    expect(p.payload.buffer).toBe(stream.buffer);
    expect(p.payload.byteOffset).toBe(stream.byteOffset + 4);
    expect(ev.pieces[0]!.buffer).toBe(stream.buffer);
    expect(ev.pieces[0]!.byteOffset).toBe(stream.byteOffset + request.length);
  });

  it.each([
    ["no CONTENT_LENGTH", undefined, 0],
    ["empty", "", 0],
    ["abc", "abc", 0],
    ["-5", "-5", 0],
    ["5xyz", "5xyz", 5],
    ["007", "007", 7],
  ])("CONTENT_LENGTH %s means %i body bytes, as in uWSGI", (_, value, n) => {
    const vars: [string, string][] = [["REQUEST_METHOD", "POST"]];
    if (value !== undefined) vars.push(["CONTENT_LENGTH", value]);
    const ev = feed([encodePacket({ vars }), Buffer.alloc(n, 1)]);
    expect(ev.error).toBeUndefined();
    expect(Buffer.concat(ev.pieces).length).toBe(n);
  });

  it("strictContentLength refuses anything but digits; a huge value is refused, not wrapped", () => {
    const pkt = encodePacket({ vars: [["CONTENT_LENGTH", "5xyz"]] });
    expect(feed([pkt], { strictContentLength: true }).error).toMatchObject({
      code: "INVALID_CONTENT_LENGTH",
      offset: 0,
    });
    expect(
      feed([encodePacket({ vars: [["CONTENT_LENGTH", ""]] })], { strictContentLength: true }).error,
    ).toBeUndefined();
    expect(() => contentLengthOf(Buffer.from("9".repeat(20)), false, 3)).toThrow(
      expect.objectContaining({ code: "BODY_TOO_LARGE", offset: 3 }),
    );
  });

  it("maxBodySize refuses a larger CONTENT_LENGTH before any body byte", () => {
    const ev = feed([stream], { maxBodySize: body.length - 1 });
    expect(ev.error).toMatchObject({ code: "BODY_TOO_LARGE" });
    expect(ev.pieces).toHaveLength(0);
    expect(feed([stream], { maxBodySize: body.length }).error).toBeUndefined();
  });

  it("bytes after the body: an error by default (at their stream offset), or handed back", () => {
    const extra = Buffer.from("XY");
    expect(feed([stream, extra]).error).toMatchObject({
      code: "UNEXPECTED_BYTES",
      offset: stream.length,
    });
    const ev = feed([stream, extra, extra], { afterBody: "return" });
    expect(ev.error).toBeUndefined();
    expect(Buffer.concat(ev.trailing).toString()).toBe("XYXY");
  });

  it("end() inside the header, the packet or the body is TRUNCATED with what is missing", () => {
    expect(feed([]).error).toMatchObject({ code: "TRUNCATED", needed: 4, offset: 0 });
    expect(feed([stream.subarray(0, 3)]).error).toMatchObject({
      code: "TRUNCATED",
      needed: 1,
      offset: 0,
    });
    expect(feed([stream.subarray(0, 10)]).error).toMatchObject({
      code: "TRUNCATED",
      needed: request.length - 10,
      offset: 0,
    });
    const ev = feed([stream.subarray(0, request.length + 5)]);
    expect(ev.error).toMatchObject({
      code: "TRUNCATED",
      needed: body.length - 5,
      offset: request.length + 5,
    });
    expect(ev.error?.message).toContain("it ended after 5");
  });

  it("a ping on a request stream is a packet without a body", () => {
    const ev = feed([encodePacket({ modifier1: 100 })]);
    expect(ev.packets[0]?.kind).toBe("raw");
    expect(ev.bodyEnds).toBe(1);
  });

  it("refuses input after an error or after end(), naming the first error", () => {
    const parser = new PacketParser({ onPacket: () => {} });
    expect(() => parser.push(Buffer.from("00040000", "hex"))).not.toThrow();
    expect(() => parser.push(Buffer.from("00000000", "hex"))).toThrow(
      expect.objectContaining({ code: "EMPTY_KEY", offset: 4 }),
    );
    expect(parser.state).toBe("failed");
    expect(() => parser.push(Buffer.from("00", "hex"))).toThrow(/earlier EMPTY_KEY/);
    expect(() => parser.end()).toThrow(expect.objectContaining({ code: "PARSER_FAILED" }));
    const done = new PacketParser({ onPacket: () => {} }, { mode: "packets" });
    done.end();
    expect(() => done.push(request)).toThrow(expect.objectContaining({ code: "PARSER_FAILED" }));
  });

  it("decode errors carry stream offsets, in place and gathered", () => {
    const bad = Buffer.concat([Buffer.from("000500000100", "hex"), Buffer.from("41ffff", "hex")]);
    const lead = encodePacket({ modifier1: 100 });
    for (const chunks of [
      [lead, bad],
      [Buffer.concat([lead, bad])],
      chunksOf(Buffer.concat([lead, bad]), 1),
    ]) {
      expect(feed(chunks, { mode: "packets" }).error).toMatchObject({
        code: "VALUE_OVERRUNS_DATASIZE",
        offset: 4 + 7,
      });
    }
  });

  it("a datasize over the limit is refused as soon as the header is known, nothing buffered", () => {
    const big = encodePacket({ vars: [["X", "x".repeat(5000)]] });
    for (const chunks of [[big.subarray(0, 2), big.subarray(2, 100)], [big.subarray(0, 100)]]) {
      const ev = feed(chunks);
      expect(ev.error).toMatchObject({ code: "DATASIZE_OVER_LIMIT", offset: 1 });
      expect(ev.maxBuffered).toBeLessThanOrEqual(4);
    }
    expect(feed([big], { maxDatasize: MAX_DATASIZE }).error).toBeUndefined();
  });

  it("refuses bad options", () => {
    const h = { onPacket: () => {} };
    expect(() => new PacketParser(h, { mode: "x" as "packets" })).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }),
    );
    expect(() => new PacketParser(h, { maxBodySize: -1 })).toThrow(
      expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }),
    );
    expect(() => new PacketParser(h, { maxVars: -1 })).toThrow(
      expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }),
    );
  });
});

describe("PacketParser, packets mode", () => {
  it("several packets in one chunk, in 1-byte chunks and with empty ones between", () => {
    const pkts = [
      encodePacket({ modifier1: 100, modifier2: 1 }),
      request,
      encodePacket({ modifier1: 173, items: ["f", "a"] }),
    ];
    const all = Buffer.concat(pkts);
    const want = pkts.map((p) => summary(decodePacket(p)));
    for (const chunks of [
      [all],
      chunksOf(all, 1),
      [Buffer.alloc(0), all.subarray(0, 2), Buffer.alloc(0), all.subarray(2)],
    ]) {
      const ev = feed(chunks, { mode: "packets" });
      expect(ev.error).toBeUndefined();
      expect(ev.packets.map(summary)).toEqual(want);
      expect(ev.pieces).toHaveLength(0);
    }
    expect(feed([], { mode: "packets" }).error).toBeUndefined();
  });

  it("a header-only packet split across chunks (datasize 0)", () => {
    const ping = encodePacket({ modifier1: 100 });
    const ev = feed([ping.subarray(0, 1), Uint8Array.from(ping.subarray(1))], { mode: "packets" });
    expect(ev.packets.map((p) => p.modifier1)).toEqual([100]);
  });
});

describe("PacketParser errors", () => {
  it("re-based errors say their code and offset once", () => {
    const good = encodePacket({ vars: [["A", "b"]] });
    // datasize 5: key "A", then a value length (0x0909) that runs far past the block.
    const bad = Buffer.from([0, 5, 0, 0, 1, 0, 0x41, 9, 9]);
    const ev = feed([Buffer.concat([good, bad.subarray(0, 3)]), bad.subarray(3)], {
      mode: "packets",
    });
    expect(ev.error?.code).toBe("VALUE_OVERRUNS_DATASIZE");
    expect(ev.error?.offset).toBe(good.length + 7);
    expect(ev.error?.message.match(/offset/g)).toHaveLength(1);
    expect(ev.error?.detail).not.toContain("offset");
  });
});

describe("PacketParser.bodyLength", () => {
  it("is the request's CONTENT_LENGTH when onPacket runs, 0 in packets mode", () => {
    const seen: number[] = [];
    const parser: PacketParser = new PacketParser({
      onPacket: () => seen.push(parser.bodyLength),
    });
    expect(parser.bodyLength).toBe(0);
    parser.push(encodePacket({ vars: [["CONTENT_LENGTH", "3xyz"]] }));
    expect(seen).toEqual([3]);
    const packets: PacketParser = new PacketParser(
      { onPacket: () => seen.push(packets.bodyLength) },
      { mode: "packets" },
    );
    packets.push(encodePacket({ vars: [["CONTENT_LENGTH", "7"]] }));
    expect(seen).toEqual([3, 0]);
  });
});
