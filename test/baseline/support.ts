import fc from "fast-check";
import { expect } from "vitest";
import { BaselineError } from "../../bench/baseline/errors.js";
import { split } from "../parser/collect.js";

/** The BaselineError `fn` throws; anything else (or nothing) fails the test. */
export function thrown(fn: () => unknown): BaselineError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BaselineError) return err;
    throw err;
  }
  throw new Error("did not throw");
}

/**
 * Property: on random bytes, the whole-buffer decoder and the streaming one (fed the bytes cut
 * anywhere) give a result or a BaselineError, never anything else.
 */
export function expectOnlyBaselineErrors(
  maxLength: number,
  whole: (buf: Buffer) => unknown,
  streamed: (chunks: Buffer[]) => unknown,
): void {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength }),
      fc.array(fc.nat(), { maxLength: 4 }),
      (bytes, cuts) => {
        const buf = Buffer.from(bytes);
        for (const run of [() => whole(buf), () => streamed(split(buf, cuts))]) {
          try {
            run();
          } catch (err) {
            expect(err).toBeInstanceOf(BaselineError);
          }
        }
      },
    ),
  );
}
