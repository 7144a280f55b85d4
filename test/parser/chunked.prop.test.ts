// Properties of the chunked decoder: any chunking of any framing gives the same body (and, for
// bytes that are not a valid body, the same error at the same offset); only UwsgiErrors escape.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ChunkedDecoder, UwsgiError } from "../../src/index.js";
import { split } from "./collect.js";

const latin1 = (s: string) => Buffer.from(s, "latin1");

/** A slow, obvious framer that shares nothing with src: size in hex (any case, zero padded), extensions, trailers. */
interface Framing {
  pieces: Uint8Array[];
  pad: number[];
  upper: boolean;
  ext: string[];
  trailers: [string, string][];
}

function frame(f: Framing): Buffer {
  const out: Buffer[] = [];
  f.pieces.forEach((p, i) => {
    let hex = p.length.toString(16);
    if (f.upper) hex = hex.toUpperCase();
    hex = "0".repeat(f.pad[i % f.pad.length] ?? 0) + hex;
    const ext = f.ext[i % Math.max(1, f.ext.length)] ?? "";
    out.push(latin1(`${hex}${ext}\r\n`), Buffer.from(p), latin1("\r\n"));
  });
  out.push(latin1(`0${f.ext[0] ?? ""}\r\n`));
  for (const [k, v] of f.trailers) out.push(latin1(`${k}:${v}\r\n`));
  out.push(latin1("\r\n"));
  return Buffer.concat(out);
}

const token = fc.string({
  unit: fc.constantFrom(..."abcXYZ09-_!#$%&'*+.^`|~"),
  minLength: 1,
  maxLength: 8,
});
const fieldText = fc.string({ unit: fc.constantFrom(...' \tabc:;="\u0080\u00ff'), maxLength: 12 });
const framing: fc.Arbitrary<Framing> = fc.record({
  pieces: fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 6 }),
  pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 3 }),
  upper: fc.boolean(),
  ext: fc.array(
    fc.oneof(
      fc.constant(""),
      token.map((t) => `;${t}`),
      fc.tuple(token, token).map(([a, b]) => ` ;${a}=${b}`),
      token.map((t) => `;q="${t} x"`),
    ),
    { maxLength: 3 },
  ),
  trailers: fc.array(fc.tuple(token, fieldText), { maxLength: 3 }),
});
const cuts = fc.oneof(fc.array(fc.nat(), { maxLength: 20 }), fc.constant("every-byte" as const));
const chunkings = (buf: Buffer, c: number[] | "every-byte") =>
  c === "every-byte" ? Array.from(buf, (b) => Buffer.of(b)) : split(buf, c);

interface Outcome {
  body: string;
  used: number;
  done: boolean;
  error: string | undefined;
}

/** Decodes `chunks` in order; on error, records code@offset. Never ends (so no TRUNCATED). */
function run(chunks: readonly Uint8Array[]): Outcome {
  const pieces: Uint8Array[] = [];
  const decoder = new ChunkedDecoder({ onBody: (p) => pieces.push(p) });
  let used = 0;
  let error: string | undefined;
  try {
    for (const c of chunks) {
      used += decoder.write(c);
      if (decoder.done) break;
    }
  } catch (err) {
    if (!(err instanceof UwsgiError)) throw err;
    error = `${err.code}@${err.offset}`;
  }
  return { body: Buffer.concat(pieces).toString("hex"), used, done: decoder.done, error };
}

describe("ChunkedDecoder properties", () => {
  it("any framing, any chunking: the body, and it stops exactly at the end of the framing", () => {
    fc.assert(
      fc.property(framing, fc.uint8Array({ maxLength: 20 }), cuts, (f, after, c) => {
        const wire = frame(f);
        const stream = Buffer.concat([wire, after]);
        const got = run(chunkings(stream, c));
        expect(got.error).toBeUndefined();
        expect(got.done).toBe(true);
        expect(got.body).toBe(Buffer.concat(f.pieces).toString("hex"));
        expect(got.used).toBe(wire.length);
      }),
      { numRuns: 300 },
    );
  });

  it("mutated framing: every chunking gives the outcome of the whole buffer (same body prefix, same error and offset)", () => {
    const mutated = fc
      .tuple(
        framing,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
          minLength: 1,
          maxLength: 4,
        }),
      )
      .map(([f, muts]) => {
        const wire = frame(f);
        for (const [at, byte] of muts) wire[at % wire.length] = byte;
        return wire;
      });
    fc.assert(
      fc.property(mutated, cuts, (wire, c) => {
        const { used: _a, ...split } = run(chunkings(wire, c));
        const { used: _b, ...whole } = run([wire]);
        expect(split).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it("arbitrary bytes: only UwsgiErrors, and never more used than given", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), cuts, (bytes, c) => {
        const out = run(chunkings(Buffer.from(bytes), c));
        expect(out.used).toBeLessThanOrEqual(bytes.length);
      }),
      { numRuns: 300 },
    );
  });
});
