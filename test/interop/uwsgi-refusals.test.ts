// Malformed packets: what our decoder refuses, real uWSGI refuses too (it closes the connection
// without answering), with the one deliberate difference documented in the README.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  decodePacket,
  encodePacket,
  encodeVars,
  UwsgiError,
  type UwsgiErrorCode,
} from "../../src/index.js";
import { parseEcho } from "./support/environ.js";
import { exchange } from "./support/exchange.js";
import { startUwsgi, type UwsgiPeer } from "./support/uwsgi.js";

const BASE = encodeVars([
  ["REQUEST_METHOD", "GET"],
  ["SERVER_PROTOCOL", "HTTP/1.1"],
  ["PATH_INFO", "/"],
  ["SERVER_NAME", "localhost"],
  ["SERVER_PORT", "80"],
]);

/** A packet whose vars block is BASE followed by `tail` (raw bytes, possibly malformed). */
function packetWith(tail: Uint8Array): Buffer {
  const data = Buffer.concat([BASE, tail]);
  return Buffer.concat([Buffer.from([0, data.length & 0xff, data.length >>> 8, 0]), data]);
}

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");

let big: UwsgiPeer | undefined;
let stock: UwsgiPeer | undefined;
beforeAll(async () => {
  [big, stock] = await Promise.all([startUwsgi(), startUwsgi({ bufferSize: 4096 })]);
});
afterAll(async () => {
  await Promise.all([big?.stop(), stock?.stop()]);
});

/** uWSGI's answer, or null when it closed (or reset) the connection without a byte. */
async function answerOf(port: number, packet: Buffer): Promise<Buffer | null> {
  try {
    const { answer } = await exchange(port, [packet]);
    return answer.length === 0 ? null : answer;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ECONNRESET") return null;
    throw err;
  }
}

function codeOf(packet: Buffer, maxDatasize = 65535): UwsgiErrorCode | "accepted" {
  try {
    decodePacket(packet, 0, { maxDatasize });
    return "accepted";
  } catch (err) {
    if (err instanceof UwsgiError) return err.code;
    throw err;
  }
}

const manyVars = Buffer.concat(
  Array.from({ length: 129 - 5 }, (_, i) => encodeVars([[`V${i}`, ""]])),
);

const refused: [string, Buffer, UwsgiErrorCode][] = [
  ["an empty key", packetWith(hex("0000 0100 78")), "EMPTY_KEY"],
  [
    "a value length running past datasize",
    packetWith(hex("0100 41 0900 6869")),
    "VALUE_OVERRUNS_DATASIZE",
  ],
  ["a key length running past datasize", packetWith(hex("0900 4142")), "KEY_OVERRUNS_DATASIZE"],
  ["1 stray byte after the last var", packetWith(hex("41")), "TRAILING_BYTES"],
  ["2 stray bytes after the last var", packetWith(hex("4142")), "TRAILING_BYTES"],
  ["3 stray bytes after the last var", packetWith(hex("414243")), "TRAILING_BYTES"],
  ["129 vars (uWSGI's default maximum is 128)", packetWith(manyVars), "TOO_MANY_VARS"],
];

describe("malformed packets: refused by our decoder and by real uWSGI", () => {
  it.each(refused)("%s", async (_name, packet, code) => {
    expect(codeOf(packet)).toBe(code);
    expect(await answerOf(big!.port, packet)).toBeNull();
  });

  it("128 vars are accepted by both", async () => {
    const packet = packetWith(manyVars.subarray(encodeVars([["V0", ""]]).length));
    expect(codeOf(packet)).toBe("accepted");
    expect(parseEcho((await answerOf(big!.port, packet))!).status).toBe(200);
  });

  it("datasize 4097 is over both defaults (uWSGI --buffer-size 4096, our maxDatasize 4096)", async () => {
    const vars = (pad: string): [string, string][] => [
      ["REQUEST_METHOD", "GET"],
      ["SERVER_PROTOCOL", "HTTP/1.1"],
      ["PATH_INFO", "/"],
      ["X_PAD", pad],
    ];
    const bare = (encodePacket({ vars: vars("") }) as Buffer).readUInt16LE(1);
    const at = (size: number) => encodePacket({ vars: vars("p".repeat(size - bare)) }) as Buffer; // a Buffer under Node
    const ok = at(4096);
    const over = at(4097);
    expect(ok.readUInt16LE(1)).toBe(4096);
    expect(over.readUInt16LE(1)).toBe(4097);
    expect(() => decodePacket(ok)).not.toThrow();
    expect(() => decodePacket(over)).toThrow(
      expect.objectContaining({ code: "DATASIZE_OVER_LIMIT", offset: 1 }),
    );
    expect(parseEcho((await answerOf(stock!.port, ok))!).status).toBe(200);
    expect(await answerOf(stock!.port, over)).toBeNull();
  });

  it("a bogus FF FF key length before a valid var: uWSGI resyncs and accepts, we refuse (on purpose)", async () => {
    const resync = packetWith(Buffer.concat([hex("ffff"), encodeVars([["X_OK", "y"]])]));
    expect(codeOf(resync)).toBe("KEY_OVERRUNS_DATASIZE");
    const answer = await answerOf(big!.port, resync);
    expect(parseEcho(answer!).environ.get("X_OK")?.toString()).toBe("y");
  });
});
