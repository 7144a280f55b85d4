import fc from "fast-check";
import { expect } from "vitest";
import { split } from "../parser/collect.js";

type ErrorClass = abstract new (...args: never[]) => Error & { code: string; offset: number };

/** The error of class `cls` that `fn` throws; anything else (or nothing) fails the test. */
export function thrownBy<C extends ErrorClass>(cls: C, fn: () => unknown): InstanceType<C> {
  try {
    fn();
  } catch (err) {
    if (err instanceof cls) return err as InstanceType<C>;
    throw err;
  }
  throw new Error("did not throw");
}

/**
 * Property: on random bytes, the whole-buffer decoder and the streaming one (fed the bytes cut
 * anywhere) give a result or an error of class `cls`, never anything else.
 */
export function expectOnlyTypedErrors(
  cls: ErrorClass,
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
            expect(err).toBeInstanceOf(cls);
          }
        }
      },
    ),
  );
}
