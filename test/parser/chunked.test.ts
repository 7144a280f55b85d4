// The chunked body decoder and encoder on exact bytes: every framing form RFC 9112 allows, every
// malformed one with its code and offset, splits at every offset, views not copies, the limits.
import { describe, expect, it } from "vitest";
import {
  ChunkedDecoder,
  type ChunkedDecoderOptions,
  chunkHead,
  chunkTail,
  DEFAULT_CHUNKED_OPTIONS,
  encodeChunk,
  lastChunk,
  UwsgiError,
} from "../../src/index.js";

const latin1 = (s: string) => Buffer.from(s, "latin1");

interface Decoded {
  body: Buffer;
  pieces: Uint8Array[];
  used: number;
  done: boolean;
  error: UwsgiError | undefined;
}

/** Writes `chunks` in order (each until the body ends), then ends; keeps every piece. */
function decode(chunks: readonly Uint8Array[], options?: ChunkedDecoderOptions): Decoded {
  const pieces: Uint8Array[] = [];
  const decoder = new ChunkedDecoder({ onBody: (p) => pieces.push(p) }, options);
  let used = 0;
  let error: UwsgiError | undefined;
  try {
    for (const c of chunks) {
      const n = decoder.write(c);
      used += n;
      if (decoder.done) break;
    }
    decoder.end();
  } catch (err) {
    if (!(err instanceof UwsgiError)) throw err;
    error = err;
  }
  return { body: Buffer.concat(pieces), pieces, used, done: decoder.done, error };
}

function failure(wire: string, options?: ChunkedDecoderOptions) {
  const { error } = decode([latin1(wire)], options);
  return error === undefined ? undefined : { code: error.code, offset: error.offset };
}

describe("ChunkedDecoder: what decodes", () => {
  it.each([
    ["one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"],
    ["two chunks", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world"],
    ["no data at all", "0\r\n\r\n", ""],
    [
      "upper and lower hex, leading zeros",
      "000A\r\n0123456789\r\nb\r\nabcdefghijk\r\n000\r\n\r\n",
      "0123456789abcdefghijk",
    ],
    [
      "extensions, with whitespace before ';'",
      '5;name=value;q="x y"\r\nhello\r\n3 \t;ext\r\nabc\r\n0;last\r\n\r\n',
      "helloabc",
    ],
    ["trailer fields", "3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum:\t1 2\r\nEmpty:\r\n\r\n", "abc"],
    ["data bytes that look like framing", "8\r\n0\r\n\r\n\r\n\n\r\n0\r\n\r\n", "0\r\n\r\n\r\n\n"],
    [
      "every byte value in data",
      `100\r\n${String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))}\r\n0\r\n\r\n`,
      String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i)),
    ],
  ])("%s", (_, wire, body) => {
    const d = decode([latin1(wire)]);
    expect(d.error).toBeUndefined();
    expect(d.done).toBe(true);
    expect(d.body.toString("latin1")).toBe(body);
    expect(d.used).toBe(wire.length);
  });

  it("stops right after the final CRLF: what follows is not used", () => {
    const wire = latin1("2\r\nab\r\n0\r\n\r\nNEXT");
    const decoder = new ChunkedDecoder({});
    expect(decoder.write(wire)).toBe(wire.length - 4);
    expect(decoder.done).toBe(true);
    expect(decoder.bodyLength).toBe(2);
    // Input after the body is not taken; end() after done is fine.
    expect(decoder.write(latin1("more"))).toBe(0);
    decoder.end();
  });

  it("write(chunk, start, end) decodes only that range", () => {
    const wire = latin1("xx3\r\nabc\r\n0\r\n\r\nyy");
    const pieces: Uint8Array[] = [];
    const decoder = new ChunkedDecoder({ onBody: (p) => pieces.push(p) });
    expect(decoder.write(wire, 2, wire.length - 2)).toBe(wire.length - 2);
    expect(Buffer.concat(pieces).toString()).toBe("abc");
  });

  it("split at every offset and every pair of offsets gives the same body and stops at the same byte", () => {
    const wire = latin1(
      "4;a=b\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nT: v\r\n\r\n",
    );
    const expected = "Wikipedia in\r\n\r\nchunks.";
    for (let i = 0; i <= wire.length; i++) {
      for (let j = i; j <= wire.length; j++) {
        const d = decode([wire.subarray(0, i), wire.subarray(i, j), wire.subarray(j)]);
        expect(d.error).toBeUndefined();
        expect(d.body.toString("latin1")).toBe(expected);
        expect(d.used).toBe(wire.length);
      }
    }
  });

  it("data pieces are views of the bytes written, never copies", () => {
    const wire = latin1("3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n");
    const d = decode([wire]);
    expect(d.pieces).toHaveLength(2);
    expect(d.pieces[0]!.buffer).toBe(wire.buffer);
    expect(d.pieces[0]!.byteOffset).toBe(wire.byteOffset + 3);
    expect(d.pieces[1]!.byteOffset).toBe(wire.byteOffset + 11);
  });

  it("a 1-byte trickle gives one piece per data byte and holds nothing", () => {
    const wire = latin1("a\r\n0123456789\r\n0\r\n\r\n");
    const d = decode(Array.from(wire, (b) => Uint8Array.of(b)));
    expect(d.body.toString()).toBe("0123456789");
    expect(d.pieces).toHaveLength(10);
  });

  it("a callback that throws leaves the decoder consistent: the next write goes on", () => {
    let calls = 0;
    const decoder = new ChunkedDecoder({
      onBody: () => {
        if (calls++ === 0) throw new Error("user code");
      },
    });
    expect(() => decoder.write(latin1("3\r\nabc"))).toThrow("user code");
    expect(decoder.write(latin1("\r\n0\r\n\r\n"))).toBe(7);
    expect(decoder.done).toBe(true);
  });
});

describe("ChunkedDecoder: what is refused, with the code and the offset", () => {
  it.each([
    ["no size", "\r\n", "INVALID_CHUNK", 0],
    ["a size that is not hex", "g\r\n", "INVALID_CHUNK", 0],
    ["a 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n", "INVALID_CHUNK", 1],
    ["a sign", "+5\r\n", "INVALID_CHUNK", 0],
    ["whitespace before the size", " 5\r\n", "INVALID_CHUNK", 0],
    ["whitespace after the size without an extension", "5 \r\nhello\r\n", "INVALID_CHUNK", 2],
    ["a bare LF after the size", "5\nhello\r\n0\r\n\r\n", "INVALID_CHUNK", 1],
    ["a CR without LF after the size", "5\rhello\r\n", "INVALID_CHUNK", 2],
    ["an LF inside an extension", "5;a\nb\r\nhello\r\n", "INVALID_CHUNK", 3],
    ["a NUL inside an extension", "5;a\u0000\r\nhello\r\n", "INVALID_CHUNK", 3],
    ["data longer than its size", "3\r\nabcd\r\n0\r\n\r\n", "INVALID_CHUNK", 6],
    ["a bare LF after the data", "3\r\nabc\n0\r\n\r\n", "INVALID_CHUNK", 6],
    ["CR then no LF after the data", "3\r\nabc\rX", "INVALID_CHUNK", 7],
    ["a trailer without ':'", "0\r\nExpires\r\n\r\n", "INVALID_CHUNK", 10],
    ["a trailer line folded (starts with a space)", "0\r\nA: b\r\n c\r\n\r\n", "INVALID_CHUNK", 9],
    ["an empty trailer name", "0\r\n: b\r\n\r\n", "INVALID_CHUNK", 3],
    ["a bare LF in a trailer value", "0\r\nA: b\nC: d\r\n\r\n", "INVALID_CHUNK", 7],
    ["a CR without LF after a trailer", "0\r\nA: b\rX", "INVALID_CHUNK", 8],
    ["a bare LF as the final line", "0\r\n\n", "INVALID_CHUNK", 3],
    ["a CR without LF at the end", "0\r\n\rX", "INVALID_CHUNK", 4],
    ["a size too large to be exact", "20000000000000\r\n", "BODY_TOO_LARGE", 13],
  ])("%s", (_, wire, code, offset) => {
    expect(failure(wire)).toEqual({ code, offset });
  });

  it("maxChunkLineLength counts the whole line, extensions and CRLF", () => {
    const line = `5;${"e".repeat(11)}\r\n`; // 15 bytes
    const wire = `${line}hello\r\n0\r\n\r\n`;
    expect(failure(wire, { maxChunkLineLength: 15 })).toBeUndefined();
    expect(failure(wire, { maxChunkLineLength: 14 })).toEqual({
      code: "CHUNK_LINE_TOO_LONG",
      offset: 14,
    });
    // Leading zeros count too: a line of zeros cannot go on forever.
    expect(failure(`${"0".repeat(5000)}5\r\n`)).toEqual({
      code: "CHUNK_LINE_TOO_LONG",
      offset: DEFAULT_CHUNKED_OPTIONS.maxChunkLineLength,
    });
  });

  it("maxTrailerSize counts trailer fields with their CRLFs, not the final CRLF", () => {
    const wire = "0\r\nA: b\r\nC: d\r\n\r\n"; // two fields of 6 bytes
    expect(failure(wire, { maxTrailerSize: 12 })).toBeUndefined();
    expect(failure(wire, { maxTrailerSize: 11 })).toEqual({
      code: "TRAILERS_TOO_LARGE",
      offset: 14,
    });
    expect(failure("0\r\n\r\n", { maxTrailerSize: 0 })).toBeUndefined();
    expect(failure("0\r\nA: b\r\n\r\n", { maxTrailerSize: 0 })).toEqual({
      code: "TRAILERS_TOO_LARGE",
      offset: 3,
    });
  });

  it("maxBodySize refuses the chunk that would cross it, at its size line, before any of its bytes", () => {
    const pieces: Uint8Array[] = [];
    const decoder = new ChunkedDecoder({ onBody: (p) => pieces.push(p) }, { maxBodySize: 8 });
    const wire = latin1("5\r\nhello\r\n3;x\r\nabc\r\n4\r\nmore\r\n0\r\n\r\n");
    expect(() => decoder.write(wire)).toThrow(
      expect.objectContaining({ code: "BODY_TOO_LARGE", offset: 20 }),
    );
    expect(Buffer.concat(pieces).toString()).toBe("helloabc");
  });

  it("error offsets count from options.offset and across writes", () => {
    const decoder = new ChunkedDecoder({}, { offset: 1000 });
    decoder.write(latin1("3\r\nab"));
    expect(() => decoder.write(latin1("cX"))).toThrow(
      expect.objectContaining({ code: "INVALID_CHUNK", offset: 1006 }),
    );
  });

  it.each([
    ["nothing", "", 5, 0],
    ["a size line cut", "a", 2 + 10 + 2 + 5, 1],
    ["in an extension", "a;x", 2 + 10 + 2 + 5, 3],
    ["after the CR of the size line", "a\r", 1 + 10 + 2 + 5, 2],
    ["inside the data", "a\r\n0123", 6 + 2 + 5, 7],
    ["before the CRLF after the data", "3\r\nabc", 2 + 5, 6],
    ["between CR and LF after the data", "3\r\nabc\r", 1 + 5, 7],
    ["the last chunk's size", "0", 4, 1],
    ["before the final CRLF", "0\r\n", 2, 3],
    ["inside a trailer name", "0\r\nAb", 5, 5],
    ["inside a trailer value", "0\r\nA:b", 4, 6],
    ["before the final LF", "0\r\n\r", 1, 4],
  ])("the stream ends %s: TRUNCATED with at least the bytes needed", (_, wire, needed, offset) => {
    const { error } = decode([latin1(wire)]);
    expect(error).toMatchObject({ code: "TRUNCATED", offset, needed });
  });

  it("after an error, input is refused with PARSER_FAILED at the first error's offset", () => {
    const decoder = new ChunkedDecoder({});
    expect(() => decoder.write(latin1("zz"))).toThrow(
      expect.objectContaining({ code: "INVALID_CHUNK" }),
    );
    expect(() => decoder.write(latin1("5\r\n"))).toThrow(
      expect.objectContaining({ code: "PARSER_FAILED", offset: 0 }),
    );
    expect(() => decoder.end()).toThrow(expect.objectContaining({ code: "PARSER_FAILED" }));
  });
});

describe("chunked encoding", () => {
  it("chunkHead, chunkTail, lastChunk and encodeChunk give exact bytes", () => {
    expect(Buffer.from(chunkHead(1)).toString()).toBe("1\r\n");
    expect(Buffer.from(chunkHead(255)).toString()).toBe("ff\r\n");
    expect(Buffer.from(chunkHead(1 << 20)).toString()).toBe("100000\r\n");
    expect(Buffer.from(chunkTail()).toString()).toBe("\r\n");
    expect(Buffer.from(lastChunk()).toString()).toBe("0\r\n\r\n");
    expect(Buffer.from(encodeChunk(latin1("hello"))).toString()).toBe("5\r\nhello\r\n");
    expect(encodeChunk(new Uint8Array(0))).toHaveLength(0);
  });

  it("what the encoder writes, the decoder reads back", () => {
    const parts = [latin1("a"), Buffer.alloc(300, 7), latin1("\r\n0\r\n\r\n")];
    const wire = Buffer.concat([...parts.map((p) => encodeChunk(p)), lastChunk()]);
    const d = decode([wire]);
    expect(d.body).toEqual(Buffer.concat(parts));
    expect(d.used).toBe(wire.length);
  });
});
