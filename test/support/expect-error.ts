// Catch a UwsgiError and compare its fields, for the example-based codec tests.
import { expect } from "vitest";
import { UwsgiError, type UwsgiErrorCode } from "../../src/index.js";

/** What `fn` throws; fails the test unless it is a UwsgiError. */
export function thrown(fn: () => unknown): UwsgiError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UwsgiError);
    return e as UwsgiError;
  }
  return expect.fail("expected a UwsgiError, nothing was thrown");
}

/** Asserts `fn` throws a UwsgiError with exactly this code and offset; returns it. */
export function expectError(fn: () => unknown, code: UwsgiErrorCode, offset: number): UwsgiError {
  const e = thrown(fn);
  expect({ code: e.code, offset: e.offset }).toEqual({ code, offset });
  return e;
}
