// The parser layer misused (parser, chunked decoder and encoder, stream adapters): each case is
// the call and the error it must give, as Node reports argument errors (TypeError/RangeError
// with a stable code). The lead merges these tables across areas.
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  ChunkedDecoder,
  chunkHead,
  encodeChunk,
  encodePacket,
  PacketDecoderStream,
  PacketParser,
  type ParserOptions,
  parseStream,
} from "../../src/index.js";
import { PacketDecoder } from "../../src/node.js";

const h = { onPacket: () => {} };
const parser = () => new PacketParser(h);
const ended = () => {
  const p = new PacketParser(h, { mode: "packets" });
  p.end();
  return p;
};

interface Case {
  readonly name: string;
  readonly call: () => unknown;
  readonly error: { readonly name: string; readonly code: string };
  /** Words the message must hold (the argument's name, a hint). */
  readonly says?: readonly string[];
}

const type = (code = "ERR_INVALID_ARG_TYPE") => ({ name: "TypeError", code });
const range = { name: "RangeError", code: "ERR_OUT_OF_RANGE" };
const bytes = { name: "UwsgiError", code: "PARSER_FAILED" };

const cases: Case[] = [
  {
    name: "new PacketParser()",
    call: () => new PacketParser(undefined as never),
    error: type("ERR_MISSING_ARGS"),
    says: ['"handler"'],
  },
  {
    name: "new PacketParser(fn): a function is not a handler",
    call: () => new PacketParser((() => {}) as never),
    error: type(),
    says: ["onPacket"],
  },
  {
    name: "new PacketParser(null)",
    call: () => new PacketParser(null as never),
    error: type(),
    says: ['"handler"'],
  },
  {
    name: "a handler without onPacket",
    call: () => new PacketParser({} as never),
    error: type(),
    says: ['"handler.onPacket"'],
  },
  {
    name: "a handler whose onBody is not a function",
    call: () => new PacketParser({ ...h, onBody: "x" } as never),
    error: type(),
    says: ['"handler.onBody"'],
  },
  {
    name: "a handler whose onError is not a function",
    call: () => new PacketParser({ ...h, onError: true } as never),
    error: type(),
    says: ['"handler.onError"'],
  },
  {
    name: "options that are not an object",
    call: () => new PacketParser(h, "request" as never),
    error: type(),
    says: ['"options"'],
  },
  {
    name: "an unknown option",
    call: () => new PacketParser(h, { maxBody: 5 } as never),
    error: type("ERR_UNKNOWN_OPTION"),
    says: ["maxBody"],
  },
  {
    name: "node:http's maxHeaderSize",
    call: () => new PacketParser(h, { maxHeaderSize: 5 } as never),
    error: type("ERR_UNKNOWN_OPTION"),
    says: ['"maxDatasize"'],
  },
  {
    name: "an unknown mode",
    call: () => new PacketParser(h, { mode: "requests" as never }),
    error: type("ERR_INVALID_ARG_VALUE"),
    says: ["options.mode"],
  },
  {
    name: "a negative maxBodySize",
    call: () => new PacketParser(h, { maxBodySize: -1 }),
    error: range,
    says: ["options.maxBodySize"],
  },
  {
    name: "an unknown afterBody",
    call: () => new PacketParser(h, { afterBody: "ignore" as never }),
    error: type("ERR_INVALID_ARG_VALUE"),
    says: ["options.afterBody"],
  },
  {
    name: "strictContentLength as a string",
    call: () => new PacketParser(h, { strictContentLength: "yes" as never }),
    error: type(),
    says: ["options.strictContentLength"],
  },
  {
    name: "a chunk line limit too small for any line",
    call: () => new PacketParser(h, { maxChunkLineLength: 2 }),
    error: range,
  },
  {
    name: "a negative maxTrailerSize",
    call: () => new PacketParser(h, { maxTrailerSize: -1 }),
    error: range,
  },
  {
    name: "push(string): the source has setEncoding()",
    call: () => parser().push("abc" as never),
    error: type(),
    says: ['"chunk"', "setEncoding"],
  },
  {
    name: "push()",
    call: () => parser().push(undefined as never),
    error: type(),
    says: ['"chunk"'],
  },
  {
    name: "push(number)",
    call: () => parser().push(42 as never),
    error: type(),
    says: ['"chunk"'],
  },
  { name: "push after a clean end()", call: () => ended().push(Buffer.alloc(1)), error: bytes },
  {
    name: "new ChunkedDecoder()",
    call: () => new ChunkedDecoder(undefined as never),
    error: type(),
    says: ['"handler"'],
  },
  {
    name: "a chunked handler whose onBody is not a function",
    call: () => new ChunkedDecoder({ onBody: 1 } as never),
    error: type(),
    says: ['"handler.onBody"'],
  },
  {
    name: "an unknown ChunkedDecoder option",
    call: () => new ChunkedDecoder({}, { limit: 1 } as never),
    error: type("ERR_UNKNOWN_OPTION"),
  },
  {
    name: "ChunkedDecoder.write(string)",
    call: () => new ChunkedDecoder({}).write("5\r\n" as never),
    error: type(),
    says: ["setEncoding"],
  },
  {
    name: "ChunkedDecoder.write with end before start",
    call: () => new ChunkedDecoder({}).write(Buffer.alloc(8), 5, 2),
    error: range,
    says: ['"end"'],
  },
  {
    name: "chunkHead(0): that is the last chunk",
    call: () => chunkHead(0),
    error: range,
    says: ['"size"'],
  },
  { name: "chunkHead(1.5)", call: () => chunkHead(1.5), error: range },
  {
    name: "encodeChunk(string)",
    call: () => encodeChunk("hello" as never),
    error: type(),
    says: ['"data"'],
  },
  {
    name: "parseStream(undefined)",
    call: () => parseStream(undefined as never),
    error: type(),
    says: ['"source"'],
  },
  {
    name: "parseStream(a Buffer): not a stream",
    call: () => parseStream(Buffer.alloc(4) as never),
    error: type(),
    says: ['"source"'],
  },
  {
    name: "parseStream with an unknown option",
    call: () => parseStream(Readable.from([]), { bogus: 1 } as never),
    error: type("ERR_UNKNOWN_OPTION"),
  },
  {
    name: "new PacketDecoder with a bad option",
    call: () => new PacketDecoder({ mode: "x" as never }),
    error: type("ERR_INVALID_ARG_VALUE"),
  },
  {
    name: "new PacketDecoderStream(string)",
    call: () => new PacketDecoderStream("request" as never),
    error: type(),
    says: ['"options"'],
  },
];

describe("parser layer misuse", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", (_, c) => {
    let thrown: unknown;
    try {
      c.call();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(Error);
    const err = thrown as Error & { code: string };
    expect({ name: err.name, code: err.code }).toEqual(c.error);
    for (const word of c.says ?? []) expect(err.message).toContain(word);
  });

  it("a socket with setEncoding() piped into PacketDecoder errors with the argument error, no re-encoded bytes", async () => {
    const decoder = new PacketDecoder();
    const source = Readable.from([encodePacket({ vars: { A: "b" } })]);
    source.setEncoding("latin1");
    const error = await new Promise<Error & { code?: string }>((resolve) => {
      decoder.on("error", resolve);
      decoder.on("data", () => {});
      source.pipe(decoder);
    });
    expect(error.code).toBe("ERR_INVALID_ARG_TYPE");
    expect(error.message).toContain("setEncoding");
  });

  it("a source of strings gives parseStream's loop the argument error", async () => {
    const source = Readable.from(["abc"], { objectMode: true });
    await expect(async () => {
      for await (const _ of parseStream(source)) {
        // nothing comes
      }
    }).rejects.toMatchObject({ code: "ERR_INVALID_ARG_TYPE" });
  });

  // Options are read when a parser is made: an options object reused after a change is checked
  // again and gives the new values (a cache of checked options must keep this true).
  it.each<[string, unknown, string]>([
    ["mode", "stream", "ERR_INVALID_ARG_VALUE"],
    ["maxBodySize", -1, "ERR_OUT_OF_RANGE"],
    ["strictContentLength", 1, "ERR_INVALID_ARG_TYPE"],
    ["afterBody", "keep", "ERR_INVALID_ARG_VALUE"],
    ["maxChunkLineLength", 2, "ERR_OUT_OF_RANGE"],
    ["maxTrailerSize", -1, "ERR_OUT_OF_RANGE"],
    ["gatherBuffer", "memory", "ERR_INVALID_ARG_TYPE"],
    ["maxDatasize", 65536, "ERR_OUT_OF_RANGE"],
    ["maxVars", -1, "ERR_OUT_OF_RANGE"],
    ["maxItems", 0.5, "ERR_OUT_OF_RANGE"],
    ["allowEmptyKeys", "yes", "ERR_INVALID_ARG_TYPE"],
    ["encoding", "ascii", "ERR_INVALID_ARG_VALUE"],
    ["payload", "json", "ERR_INVALID_ARG_VALUE"],
  ])(
    "an options object used for parser after parser is checked again when %s changed",
    (key, bad, code) => {
      const options: Record<string, unknown> = {};
      new PacketParser(h, options);
      new PacketParser(h, options);
      options[key] = bad;
      let thrown: unknown;
      try {
        new PacketParser(h, options as ParserOptions);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toMatchObject({ code });
      delete options[key];
      expect(() => new PacketParser(h, options)).not.toThrow();
    },
  );

  it("an options object used again gives each parser the values it holds then", () => {
    const pkt = encodePacket({ vars: { A: "b" } });
    const kinds = (options: ParserOptions): string[] => {
      const seen: string[] = [];
      const p = new PacketParser(
        { onPacket: (x) => seen.push(x.kind), onError: () => {} },
        options,
      );
      p.push(Buffer.concat([pkt, pkt]));
      return p.state === "failed" ? [...seen, "failed"] : seen;
    };
    const options: { -readonly [K in keyof ParserOptions]: ParserOptions[K] } = { mode: "packets" };
    expect(kinds(options)).toEqual(["vars", "vars"]);
    options.mode = "request";
    // The second packet is bytes after the first request (afterBody "error").
    expect(kinds(options)).toEqual(["vars", "failed"]);
    options.afterBody = "return";
    expect(kinds(options)).toEqual(["vars"]);
    options.mode = "packets";
    options.maxDatasize = 3;
    expect(kinds(options)).toEqual(["failed"]);
    options.maxDatasize = 4096;
    options.payload = "raw";
    expect(kinds(options)).toEqual(["raw", "raw"]);
  });

  it("what is accepted: any ArrayBufferView or ArrayBuffer, an ended parser ended again", () => {
    const pkt = encodePacket({ vars: { A: "b" } }, undefined);
    const seen: string[] = [];
    const p = new PacketParser({ onPacket: (x) => seen.push(x.kind) }, { mode: "packets" });
    p.push(new DataView(pkt.buffer, pkt.byteOffset, 2));
    const rest = new Uint8Array(pkt.subarray(2));
    p.push(rest.buffer);
    p.end();
    p.end();
    expect(seen).toEqual(["vars"]);
    expect(p.state).toBe("ended");
  });
});
