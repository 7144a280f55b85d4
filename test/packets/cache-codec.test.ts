import { describe, expect, it } from "vitest";
import {
  type CachePacketInit,
  type CacheRequestInit,
  decodeCacheAnswer,
  decodeCachePacket,
  decodeCacheRequest,
  encodeCacheAnswer,
  encodeCachePacket,
  encodeCacheRequest,
  readCacheAnswerHead,
  readCacheDumpHead,
} from "../../src/index.js";
import { bytesOf, type ExpectedThrow, expectThrow, hex, section } from "./support/vectors.js";

const REQUESTS = section("cache.json", "requests");
const REQUESTS_DECODE_ONLY = section("cache.json", "requestsDecodeOnly");
const ANSWERS = section("cache.json", "answers");
const SIMPLE = section("cache.json", "simple");
const SIMPLE_DECODE_ONLY = section("cache.json", "simpleDecodeOnly");
const DUMPS = section("cache.json", "dumpHeads");
const MALFORMED = section("cache.json", "malformed");

type Hexed = Record<string, unknown>;

/** Fixture init: hex strings where the API takes bytes (`value`), text elsewhere. */
function requestInit(raw: Hexed): CacheRequestInit {
  const init: Record<string, unknown> = { ...raw };
  if (typeof raw["value"] === "string") init["value"] = hex(raw["value"]);
  return init as unknown as CacheRequestInit;
}

function hexOf(view: Uint8Array | undefined): string | undefined {
  return view === undefined ? undefined : Buffer.from(view).toString("hex");
}

describe("cache magic requests (111, modifier2 17)", () => {
  it.each(REQUESTS)("$name: encodes to exactly these bytes", (entry) => {
    const init = requestInit(entry["init"] as Hexed);
    expect(Buffer.from(encodeCacheRequest(init))).toEqual(bytesOf(entry));
  });

  it.each([...REQUESTS, ...REQUESTS_DECODE_ONLY])("$name: decodes", (entry) => {
    const want = entry["request"] as Hexed;
    const bytes = bytesOf(entry);
    const req = decodeCacheRequest(bytes);
    expect({
      command: req.command,
      key: hexOf(req.key),
      cache: hexOf(req.cache),
      size: req.size,
      expires: req.expires,
    }).toEqual({
      command: want["command"],
      key: want["key"],
      cache: want["cache"],
      size: want["size"],
      expires: want["expires"],
    });
    // The value of a set or update is what follows the packet, `size` bytes.
    const after = bytes.subarray(req.byteLength);
    expect(after.toString("hex")).toBe(want["after"] ?? "");
    expect(after.length).toBe(req.size);
  });

  it("refuses requests uWSGI cannot act on, as argument errors", () => {
    const code = (init: unknown) => {
      try {
        encodeCacheRequest(init as CacheRequestInit);
      } catch (e) {
        return (e as { code: string }).code;
      }
      return "none";
    };
    expect(code({ command: "get" })).toBe("ERR_INVALID_ARG_TYPE");
    expect(code({ command: "set", key: "k" })).toBe("ERR_INVALID_ARG_TYPE");
    expect(code({ command: "get", key: "k", value: Buffer.from("v") })).toBe(
      "ERR_INVALID_ARG_TYPE",
    );
    expect(code({ command: "get", key: "k", expires: 5 })).toBe("ERR_INVALID_ARG_TYPE");
    expect(code({ command: "put", key: "k" })).toBe("ERR_INVALID_ARG_VALUE");
    expect(code({ command: "get", key: "k", ttl: 5 })).toBe("ERR_UNKNOWN_OPTION");
    expect(code({ command: "set", key: "k", value: "v" })).toBe("ERR_INVALID_ARG_TYPE");
    expect(code({ command: "set", key: "k", value: Buffer.from("v"), expires: -1 })).toBe(
      "ERR_OUT_OF_RANGE",
    );
    expect(code(null)).toBe("ERR_INVALID_ARG_TYPE");
    expect(code({ command: "clear" })).toBe("none");
  });
});

describe("cache magic answers", () => {
  it.each(ANSWERS)("$name: decodes, and the encoder writes exactly these bytes", (entry) => {
    const want = entry["answer"] as Hexed;
    const bytes = bytesOf(entry);
    const head = readCacheAnswerHead(bytes);
    expect(head).toMatchObject({
      ready: true,
      status: want["status"],
      expires: want["expires"],
      headLength: want["headLength"],
      contentLength: hex(want["value"]).length,
    });
    const answer = decodeCacheAnswer(bytes);
    expect({ ...answer, value: hexOf(answer.value) }).toEqual({
      status: want["status"],
      value: want["value"],
      expires: want["expires"],
      byteLength: bytes.length,
    });
    const init = { ...(entry["init"] as Hexed) };
    if (typeof init["value"] === "string") init["value"] = hex(init["value"]);
    expect(Buffer.from(encodeCacheAnswer(init))).toEqual(bytes);
  });

  it("a head not all there is a need for more bytes", () => {
    const bytes = bytesOf(ANSWERS[0]!);
    for (let n = 0; n < 25; n++) {
      expect(readCacheAnswerHead(bytes.subarray(0, n))).toEqual({
        ready: false,
        needed: n < 4 ? 4 - n : 25 - n,
      });
    }
  });
});

describe("cache simple commands (modifier2 0-11)", () => {
  it.each(SIMPLE)("$name: encodes to exactly these bytes", (entry) => {
    const init = entry["init"] as Hexed;
    expect(Buffer.from(encodeCachePacket(init as unknown as CachePacketInit))).toEqual(
      bytesOf(entry),
    );
  });

  it.each([...SIMPLE, ...SIMPLE_DECODE_ONLY])("$name: decodes", (entry) => {
    const bytes = bytesOf(entry);
    const want = entry["packet"] as Hexed;
    const p = decodeCachePacket(bytes);
    expect({
      modifier2: p.modifier2,
      key: hexOf(p.key),
      value: hexOf(p.value),
      cache: hexOf(p.cache),
      expires: p.expires,
      field: p.field,
      byteLength: p.byteLength,
    }).toEqual({
      modifier2: want["modifier2"],
      key: want["key"],
      value: want["value"],
      cache: want["cache"],
      expires: want["expires"],
      field: want["field"],
      byteLength: bytes.length,
    });
  });

  it("refuses empty keys and values (uWSGI ignores such packets) and unknown modifier2", () => {
    const code = (init: unknown) => {
      try {
        encodeCachePacket(init as CachePacketInit);
      } catch (e) {
        return (e as { code: string }).code;
      }
      return "none";
    };
    expect(code({ modifier2: 0, key: "" })).toBe("ERR_INVALID_ARG_VALUE");
    expect(code({ modifier2: 1, key: "k", value: new Uint8Array(0) })).toBe(
      "ERR_INVALID_ARG_VALUE",
    );
    expect(code({ modifier2: 17, key: "k" })).toBe("ERR_INVALID_ARG_VALUE");
    expect(code({ modifier2: 0, key: 5 })).toBe("ERR_INVALID_ARG_TYPE");
    expect(code({ modifier2: 0, key: "k", value: "v" })).toBe("ERR_UNKNOWN_OPTION");
    expect(code({ modifier2: 3, key: "k", field: "value" })).toBe("ERR_INVALID_ARG_VALUE");
  });

  it.each(DUMPS)("$name", (entry) => {
    const bytes = bytesOf(entry);
    expect(readCacheDumpHead(Buffer.concat([bytes, Buffer.alloc(10)]))).toEqual({
      ready: true,
      ...(entry["dump"] as object),
    });
    expect(readCacheDumpHead(bytes.subarray(0, 10))).toEqual({ ready: false, needed: 24 });
    expectThrow(() => readCacheDumpHead(Buffer.from("6f000011", "hex")), {
      class: "UwsgiError",
      code: "UNEXPECTED_PACKET",
      offset: 0,
    });
    expectThrow(() => readCacheDumpHead(Buffer.from("6f060007010078010031", "hex")), {
      class: "UwsgiError",
      code: "MISSING_FIELD",
      offset: 4,
      field: "items",
    });
  });
});

describe("malformed cache bytes", () => {
  const DECODERS: Record<string, (b: Uint8Array) => unknown> = {
    request: decodeCacheRequest,
    answer: decodeCacheAnswer,
    simple: decodeCachePacket,
  };
  it.each(MALFORMED)("$name", (entry) => {
    const decode = DECODERS[entry["decoder"] as string]!;
    expectThrow(() => decode(bytesOf(entry)), entry["error"] as ExpectedThrow);
  });
});
