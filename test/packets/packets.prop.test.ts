// Properties of the special-packet codecs (RPC, cache, signal, spooler): encode then decode gives
// back what went in, bytes agree with an oracle that shares no code with src/, a head split
// anywhere is a need for more bytes, and any bytes at all give a result or a typed error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeCacheAnswer,
  decodeCachePacket,
  decodeCacheRequest,
  decodeRpcAnswer,
  decodeRpcCall,
  decodeSignal,
  decodeSpoolFile,
  decodeSpoolJob,
  decodeStatusAnswer,
  encodeCacheAnswer,
  encodeCachePacket,
  encodeCacheRequest,
  encodeRpcAnswer,
  encodeRpcCall,
  encodeSpoolJob,
  readCacheAnswerHead,
  readCacheDumpHead,
  readRpcAnswerHead,
  UwsgiError,
} from "../../src/index.js";
import { bytesArb, filledBytes, keyBytesArb, smallBytePairsArb } from "../support/arbitraries.js";
import {
  concatBytes,
  latin1Bytes,
  oracleEncodeArray,
  oracleEncodePacket,
  oracleEncodeVars,
  u16le,
} from "../support/oracle.js";

const hex = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : Buffer.from(b).toString("hex");

/** Non-empty items (uWSGI drops empty ones, so the encoder refuses them). */
const itemArb = bytesArb(1, 12, 400);
const nameArb = fc.uint8Array({ minLength: 1, maxLength: 40 });

/** Result sizes around the 65535 boundary as often as small ones. */
const resultLengthArb = fc.oneof(
  fc.integer({ min: 0, max: 64 }),
  fc.integer({ min: 65500, max: 65600 }),
  fc.integer({ min: 0, max: 300_000 }),
);

describe("RPC round trips", () => {
  it("a call decodes to its name and arguments, and is the oracle's array", () => {
    fc.assert(
      fc.property(
        nameArb,
        fc.array(itemArb, { maxLength: 12 }),
        fc.boolean(),
        (name, args, raw) => {
          const m2 = raw ? 1 : 0;
          const bytes = encodeRpcCall(name, args, raw ? { modifier2: 1 } : undefined);
          expect(hex(bytes)).toBe(
            hex(oracleEncodePacket(173, m2, oracleEncodeArray([name, ...args]))),
          );
          const call = decodeRpcCall(bytes);
          expect(call.name).toBe(Buffer.from(name).toString("latin1"));
          expect(call.args.map(hex)).toEqual(args.map(hex));
          expect(call.modifier2).toBe(m2);
        },
      ),
    );
  });

  it("an answer of any length decodes to its result; the head needs exactly what is missing", () => {
    fc.assert(
      fc.property(resultLengthArb, fc.integer({ min: 0, max: 255 }), (n, seed) => {
        const result = filledBytes(n, seed);
        const bytes = encodeRpcAnswer(result);
        const expectedHead =
          n <= 65535
            ? oracleEncodePacket(173, 0, new Uint8Array(0)).map((b, i) =>
                i === 1 ? n & 255 : i === 2 ? n >> 8 : b,
              )
            : oracleEncodePacket(
                173,
                5,
                oracleEncodeVars([[latin1Bytes("CONTENT_LENGTH"), latin1Bytes(String(n))]]),
              );
        expect(hex(bytes.subarray(0, expectedHead.length))).toBe(hex(expectedHead));
        const answer = decodeRpcAnswer(bytes);
        expect(answer.result.length).toBe(n);
        expect(Buffer.from(answer.result).equals(Buffer.from(result))).toBe(true);
        // Feeding exactly what each need says reaches a ready head at its very end.
        let have = 0;
        for (;;) {
          const head = readRpcAnswerHead(bytes.subarray(0, have));
          if (head.ready) {
            expect(have).toBe(head.headLength);
            break;
          }
          expect(head.needed).toBeGreaterThan(0);
          have += head.needed;
        }
      }),
      { numRuns: 60 },
    );
  });
});

const commandArb = fc.constantFrom("get", "set", "update", "delete", "exists", "clear" as const);

describe("cache round trips", () => {
  it("a magic request decodes to what was encoded, its value right after the packet", () => {
    fc.assert(
      fc.property(
        commandArb,
        keyBytesArb,
        fc.option(keyBytesArb, { nil: undefined }),
        bytesArb(1, 20, 3000),
        fc.nat({ max: 10_000_000 }),
        (command, key, cache, value, expires) => {
          const storing = command === "set" || command === "update";
          const init = {
            command,
            ...(command === "clear" ? {} : { key }),
            ...(cache === undefined ? {} : { cache }),
            ...(storing ? { value, expires } : {}),
          };
          const bytes = encodeCacheRequest(init);
          const req = decodeCacheRequest(bytes);
          expect(req.command).toBe(command);
          expect(hex(req.key)).toBe(command === "clear" ? undefined : hex(key));
          expect(hex(req.cache)).toBe(hex(cache));
          expect(req.size).toBe(storing ? value.length : 0);
          expect(req.expires).toBe(storing ? expires : 0);
          expect(hex(bytes.subarray(req.byteLength))).toBe(storing ? hex(value) : "");
        },
      ),
    );
  });

  it("a magic answer decodes to what was encoded", () => {
    fc.assert(
      fc.property(
        fc.option(bytesArb(0, 20, 5000), { nil: undefined }),
        fc.nat({ max: 2 ** 40 }),
        (value, expires) => {
          const bytes = encodeCacheAnswer({ ...(value === undefined ? {} : { value }), expires });
          const answer = decodeCacheAnswer(bytes);
          expect(answer).toEqual({
            status: "ok",
            value: value === undefined ? undefined : expect.anything(),
            expires,
            byteLength: bytes.length,
          });
          expect(hex(answer.value)).toBe(hex(value));
        },
      ),
    );
  });

  it("a simple command decodes to what was encoded", () => {
    const initArb = fc.oneof(
      fc.record({ modifier2: fc.constantFrom(0, 2, 5, 11), key: itemArb }),
      fc.record({ modifier2: fc.constant(6), cache: itemArb }),
      fc.record({ modifier2: fc.constant(1), key: itemArb, value: itemArb }),
      fc.record({
        modifier2: fc.constantFrom(3, 4),
        key: itemArb,
        field: fc.constantFrom("key", "get"),
      }),
      fc.record({ modifier2: fc.constant(10), key: itemArb, value: itemArb, expires: fc.nat() }),
    );
    fc.assert(
      fc.property(initArb, (init) => {
        const p = decodeCachePacket(encodeCachePacket(init as never));
        const i = init as Record<string, unknown>;
        expect(p.modifier2).toBe(init.modifier2);
        expect(hex(p.key)).toBe(hex(i["key"] as Uint8Array | undefined));
        expect(hex(p.value)).toBe(hex(i["value"] as Uint8Array | undefined));
        expect(hex(p.cache)).toBe(hex(i["cache"] as Uint8Array | undefined));
        expect(p.expires).toBe(i["expires"] ?? 0);
      }),
    );
  });
});

describe("spooler round trips", () => {
  it("a job's vars come back in order, duplicates kept, and match the oracle", () => {
    fc.assert(
      fc.property(smallBytePairsArb(), (pairs) => {
        const bytes = encodeSpoolJob(pairs);
        expect(hex(bytes)).toBe(hex(oracleEncodePacket(17, 0, oracleEncodeVars(pairs))));
        const job = decodeSpoolJob(bytes);
        expect([...job.vars.entriesBytes()].map(([k, v]) => [hex(k), hex(v)])).toEqual(
          pairs.map(([k, v]) => [hex(k), hex(v)]),
        );
        const file = decodeSpoolFile(concatBytes([bytes, latin1Bytes("body")]));
        expect(hex(file.body)).toBe(hex(latin1Bytes("body")));
      }),
    );
  });
});

// Every decoder of this area, each given bytes that start like its own packets more often than not.
const DECODERS: [string, number[], (b: Uint8Array, o: number) => unknown][] = [
  ["decodeRpcCall", [173], decodeRpcCall],
  ["decodeRpcAnswer", [173], decodeRpcAnswer],
  ["readRpcAnswerHead", [173], readRpcAnswerHead],
  ["decodeCacheRequest", [111], decodeCacheRequest],
  ["decodeCachePacket", [111], decodeCachePacket],
  ["readCacheAnswerHead", [111], readCacheAnswerHead],
  ["decodeCacheAnswer", [111], decodeCacheAnswer],
  ["readCacheDumpHead", [111], readCacheDumpHead],
  ["decodeSignal", [110], decodeSignal],
  ["decodeStatusAnswer", [255], decodeStatusAnswer],
  ["decodeSpoolJob", [17], decodeSpoolJob],
  ["decodeSpoolFile", [17, 0], (b) => decodeSpoolFile(b)],
];

/** A plausible packet: the right modifier1, a useful modifier2, a datasize near the truth. */
function hostileArb(modifier1s: number[]): fc.Arbitrary<{ bytes: Uint8Array; offset: number }> {
  const structured = fc
    .tuple(
      fc.constantFrom(...modifier1s),
      fc.oneof(
        fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 17),
        fc.integer({ min: 0, max: 255 }),
      ),
      fc.oneof(
        smallBytePairsArb(4).map(oracleEncodeVars),
        fc.array(itemArb, { maxLength: 4 }).map(oracleEncodeArray),
        bytesArb(0, 30, 300),
      ),
      fc.integer({ min: -3, max: 3 }),
      bytesArb(0, 8, 64),
    )
    .map(([m1, m2, data, skew, after]) => {
      const size = Math.max(0, Math.min(65535, data.length + skew));
      return concatBytes([Uint8Array.of(m1), u16le(size), Uint8Array.of(m2), data, after]);
    });
  return fc
    .tuple(
      fc.oneof(
        { weight: 3, arbitrary: structured },
        { weight: 1, arbitrary: fc.uint8Array({ maxLength: 80 }) },
      ),
      fc.nat(),
      fc.nat(9),
    )
    .map(([bytes, cut, lead]) => {
      // Sometimes cut the input short, sometimes put it at an offset.
      const cutAt = cut % 3 === 0 ? cut % (bytes.length + 1) : bytes.length;
      const body = bytes.subarray(0, cutAt);
      return lead < 7
        ? { bytes: body, offset: 0 }
        : { bytes: concatBytes([new Uint8Array(lead), body]), offset: lead };
    });
}

describe("hostile bytes: a result or a typed error, never anything else", () => {
  for (const [name, m1s, decode] of DECODERS) {
    it(name, () => {
      fc.assert(
        fc.property(hostileArb(m1s), ({ bytes, offset }) => {
          try {
            decode(bytes, offset);
          } catch (e) {
            if (!(e instanceof UwsgiError)) throw e;
            // An error's offset is a place in the input, at or after where decoding started.
            expect(e.offset).toBeGreaterThanOrEqual(offset);
            expect(e.offset).toBeLessThanOrEqual(bytes.length);
          }
        }),
      );
    });
  }
});
