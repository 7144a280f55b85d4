import { UwsgiError } from "../codec/errors.js";

/**
 * The body length a CONTENT_LENGTH value announces, read from its bytes. Like uWSGI: leading ASCII
 * digits, stopping at the first other byte, so "" "abc" "-5" mean 0 and "5xyz" means 5. `strict`
 * accepts only "" or plain digits. A number too large to be exact is refused, never wrapped.
 */
export function contentLengthOf(
  value: Uint8Array | undefined,
  strict: boolean,
  offset: number,
): number {
  if (value === undefined) return 0;
  let n = 0;
  let i = 0;
  for (; i < value.length; i++) {
    const d = value[i]! - 0x30;
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
  if (strict && i !== value.length) {
    throw new UwsgiError(
      "INVALID_CONTENT_LENGTH",
      offset,
      "CONTENT_LENGTH of ASCII digits only",
      `CONTENT_LENGTH "${Buffer.from(value.subarray(0, 32)).toString("latin1")}" is not a number`,
    );
  }
  return n;
}
