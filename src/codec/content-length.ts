import { checkBoolean, checkInteger, invalidArgType } from "./arguments.js";
import { latin1Slice } from "./bytes.js";
import { UwsgiError } from "./errors.js";

/**
 * The body length a CONTENT_LENGTH value announces, read from `buf[start, end)` in place. Like
 * uWSGI: leading ASCII digits, stopping at the first other byte, so "" "abc" "-5" mean 0 and
 * "5xyz" means 5. `strict` accepts only "" or plain digits. A number too large to be exact is
 * refused, never wrapped. `offset` places the error.
 */
export function contentLengthIn(
  buf: Uint8Array,
  start: number,
  end: number,
  strict: boolean,
  offset: number,
): number {
  let n = 0;
  let i = start;
  for (; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    if (n > Number.MAX_SAFE_INTEGER) {
      throw new UwsgiError(
        "BODY_TOO_LARGE",
        offset,
        "a CONTENT_LENGTH below 2^53",
        "CONTENT_LENGTH is too large to be exact",
      );
    }
  }
  if (strict && i !== end) {
    throw new UwsgiError(
      "INVALID_CONTENT_LENGTH",
      offset,
      "CONTENT_LENGTH of ASCII digits only",
      `CONTENT_LENGTH "${latin1Slice(buf, start, Math.min(end, start + 32))}" is not a number`,
    );
  }
  return n;
}

/**
 * The body length a CONTENT_LENGTH value announces (see {@link contentLengthIn}); `undefined`
 * (no such var) means 0. `offset` places an error (`INVALID_CONTENT_LENGTH`, `BODY_TOO_LARGE`).
 */
export function contentLengthOf(value: Uint8Array | undefined, strict = false, offset = 0): number {
  if (value !== undefined && !(value instanceof Uint8Array)) {
    throw invalidArgType("value", "a Uint8Array or undefined", value);
  }
  checkBoolean("strict", strict);
  checkInteger("offset", offset, 0, Number.MAX_SAFE_INTEGER);
  return value === undefined ? 0 : contentLengthIn(value, 0, value.length, strict, offset);
}
