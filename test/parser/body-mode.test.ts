// The parser's body modes: which framing a request packet announces (the rule, against what
// nginx and uWSGI's routers send), and a chunked body decoded through the parser, split anywhere.
import { describe, expect, it } from "vitest";
import { encodePacket, PacketParser, UwsgiError } from "../../src/index.js";
import { feed } from "./collect.js";

const latin1 = (s: string) => Buffer.from(s, "latin1");
type Vars = [string, string][];

/** The mode and length the parser sets when the packet arrives, or the error code. */
function modeOf(vars: Vars, options?: { strictContentLength?: boolean }): string {
  let seen = "";
  const parser = new PacketParser(
    {
      onPacket: () => {
        seen = `${parser.bodyMode}:${parser.bodyLength}`;
      },
    },
    options,
  );
  try {
    parser.push(encodePacket({ vars }));
  } catch (err) {
    if (!(err instanceof UwsgiError)) throw err;
    return `${err.code}@${err.offset}`;
  }
  return seen;
}

const TE = (v: string): [string, string] => ["HTTP_TRANSFER_ENCODING", v];
const CL = (v: string): [string, string] => ["CONTENT_LENGTH", v];
const POST: [string, string] = ["REQUEST_METHOD", "POST"];

describe("the body mode a packet announces", () => {
  it.each<[string, Vars, string]>([
    ["no CONTENT_LENGTH, no transfer coding: no body", [POST], "none:0"],
    ["CONTENT_LENGTH 5", [POST, CL("5")], "length:5"],
    [
      "nginx's de-chunked upload: CONTENT_LENGTH with chunked",
      [POST, CL("15"), TE("chunked")],
      "length:15",
    ],
    [
      "nginx's empty chunked upload: CONTENT_LENGTH 0 with chunked",
      [POST, CL("0"), TE("chunked")],
      "none:0",
    ],
    ["uWSGI's http router: chunked, no CONTENT_LENGTH", [POST, TE("chunked")], "chunked:0"],
    [
      "an empty CONTENT_LENGTH decides too (uWSGI reads it as 0)",
      [POST, CL(""), TE("chunked")],
      "none:0",
    ],
    ["any case, whitespace around", [POST, TE(" Chunked\t")], "chunked:0"],
    ["gzip then chunked", [POST, TE("gzip, chunked")], "chunked:0"],
    ["the codings in two vars, chunked last", [POST, TE("gzip"), TE("chunked")], "chunked:0"],
    [
      "CONTENT_LENGTH uWSGI reads as 0 ('abc') still decides",
      [POST, CL("abc"), TE("chunked")],
      "none:0",
    ],
    [
      "chunked not last, no CONTENT_LENGTH",
      [POST, TE("chunked, gzip")],
      "UNSUPPORTED_TRANSFER_ENCODING@0",
    ],
    [
      "the codings in two vars, chunked first",
      [POST, TE("chunked"), TE("gzip")],
      "UNSUPPORTED_TRANSFER_ENCODING@0",
    ],
    ["a coding alone that is not chunked", [POST, TE("gzip")], "UNSUPPORTED_TRANSFER_ENCODING@0"],
    ["chunked with a parameter", [POST, TE("chunked;q=1")], "UNSUPPORTED_TRANSFER_ENCODING@0"],
    ["an empty transfer coding", [POST, TE("")], "UNSUPPORTED_TRANSFER_ENCODING@0"],
    [
      "an empty CONTENT_LENGTH after the coding decides too",
      [POST, TE("chunked"), CL("")],
      "none:0",
    ],
    [
      "a key one byte off CONTENT_LENGTH is no CONTENT_LENGTH",
      [POST, ["CONTENT_LENGTX", ""], ["CONTENT_LENGT", ""], TE("chunked")],
      "chunked:0",
    ],
    [
      "CONTENT_LENGTH repeated, the last one empty",
      [POST, CL("5"), TE("chunked"), CL("")],
      "none:0",
    ],
  ])("%s", (_, vars, expected) => {
    expect(modeOf(vars)).toBe(expected);
  });

  it("strictContentLength is checked before the transfer coding", () => {
    expect(modeOf([POST, CL("abc"), TE("chunked")], { strictContentLength: true })).toBe(
      "INVALID_CONTENT_LENGTH@0",
    );
  });

  it("packets mode has no body mode", () => {
    let mode = "";
    const parser = new PacketParser(
      { onPacket: () => (mode = parser.bodyMode) },
      { mode: "packets" },
    );
    parser.push(encodePacket({ vars: [TE("chunked")] }));
    expect(mode).toBe("none");
  });
});

const packet = encodePacket({ vars: [POST, ["REQUEST_URI", "/up"], TE("chunked")] });
const chunked = latin1("5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: yes\r\n\r\n");
const stream = Buffer.concat([packet, chunked]);

describe("a chunked request body through the parser", () => {
  it("split at every pair of offsets: the packet, the decoded body, one end, the length", () => {
    for (let i = 0; i <= stream.length; i++) {
      for (let j = i; j <= stream.length; j += 3) {
        const ev = feed([stream.subarray(0, i), stream.subarray(i, j), stream.subarray(j)]);
        expect(ev.error).toBeUndefined();
        expect(ev.packets).toHaveLength(1);
        expect(Buffer.concat(ev.pieces).toString()).toBe("hello world");
        expect(ev.bodyEnds).toBe(1);
      }
    }
  });

  it("bodyLength grows with the decoded bytes and is the whole length at onBodyEnd", () => {
    const lengths: string[] = [];
    const parser = new PacketParser({
      onPacket: () => lengths.push(`packet ${parser.bodyLength}`),
      onBody: () => lengths.push(`body ${parser.bodyLength}`),
      onBodyEnd: () => lengths.push(`end ${parser.bodyLength} ${parser.state}`),
    });
    parser.push(stream);
    parser.end();
    expect(lengths).toEqual(["packet 0", "body 5", "body 11", "end 11 done"]);
    expect(parser.state).toBe("ended");
  });

  it("bytes after the last chunk: UNEXPECTED_BYTES at their offset, or handed back", () => {
    const more = Buffer.concat([stream, latin1("next")]);
    expect(feed([more]).error).toMatchObject({ code: "UNEXPECTED_BYTES", offset: stream.length });
    const ev = feed([more], { afterBody: "return" });
    expect(Buffer.concat(ev.trailing).toString()).toBe("next");
    expect(Buffer.concat(ev.pieces).toString()).toBe("hello world");
  });

  it("bad framing is the decoder's error at its stream offset", () => {
    const bad = Buffer.concat([packet, latin1("5\r\nhelloXX")]);
    expect(feed([bad]).error).toMatchObject({ code: "INVALID_CHUNK", offset: packet.length + 8 });
    const long = Buffer.concat([packet, latin1(`5;${"x".repeat(100)}\r\n`)]);
    expect(feed([long], { maxChunkLineLength: 50 }).error).toMatchObject({
      code: "CHUNK_LINE_TOO_LONG",
      offset: packet.length + 50,
    });
    const trailers = Buffer.concat([packet, latin1("0\r\nA: b\r\n\r\n")]);
    expect(feed([trailers], { maxTrailerSize: 3 }).error).toMatchObject({
      code: "TRAILERS_TOO_LARGE",
      offset: packet.length + 6,
    });
  });

  it("maxBodySize bounds the decoded bytes, refused at the chunk that crosses it", () => {
    const ev = feed([stream], { maxBodySize: 8 });
    expect(ev.error).toMatchObject({ code: "BODY_TOO_LARGE", offset: packet.length + 10 });
    expect(Buffer.concat(ev.pieces).toString()).toBe("hello");
  });

  it("end() inside the chunked body is TRUNCATED at the stream's end", () => {
    const cut = stream.subarray(0, packet.length + 7);
    expect(feed([cut]).error).toMatchObject({
      code: "TRUNCATED",
      offset: cut.length,
      needed: 1 + 2 + 5,
    });
    // A packet that announces a chunked body and nothing after it.
    expect(feed([packet]).error).toMatchObject({
      code: "TRUNCATED",
      offset: packet.length,
      needed: 5,
    });
  });
});
