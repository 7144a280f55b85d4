// Errors of the special-packet codecs (RPC, cache, signal, spooler, echo) when well-formed bytes
// do not make the packet asked for: the codec's UwsgiError with the codes UNEXPECTED_PACKET,
// MISSING_FIELD and INVALID_FIELD, and `field` naming the var or item. Malformed bytes (a truncated
// header, a var running past datasize...) are the codec's other codes.
import { UwsgiError } from "./errors.js";

/** @internal The var or item `field` a message needs is not there. */
export function missingField(offset: number, field: string, detail: string): UwsgiError {
  return new UwsgiError("MISSING_FIELD", offset, `a ${field} field`, detail, 0, field);
}

/** @internal The var or item `field` is there but unusable; `expected` says what it must be. */
export function invalidField(
  offset: number,
  field: string,
  expected: string,
  detail: string,
): UwsgiError {
  return new UwsgiError("INVALID_FIELD", offset, expected, detail, 0, field);
}

/** @internal modifier1/modifier2 at `offset` are not what `what` reads. */
export function unexpectedPacket(
  offset: number,
  modifier1: number,
  modifier2: number,
  what: string,
): UwsgiError {
  return new UwsgiError(
    "UNEXPECTED_PACKET",
    offset,
    what,
    `modifier1 ${modifier1}, modifier2 ${modifier2} is not ${what}`,
  );
}

/**
 * @internal A non-negative decimal number in `buf[start, end)`: plain ASCII digits only (uWSGI
 * reads leading digits and ignores the rest; two readers that disagree on a length must not
 * both be right), at most 2^53 - 1. `field` and `offset` name it in the error.
 */
export function decimalField(
  buf: Uint8Array,
  start: number,
  end: number,
  field: string,
  offset: number,
): number {
  const expected = `${field} in decimal digits`;
  if (start === end) throw invalidField(offset, field, expected, `${field} is empty, not a number`);
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) {
      throw invalidField(
        offset,
        field,
        expected,
        `${field} has the byte 0x${buf[i]!.toString(16).padStart(2, "0")}, not a decimal digit`,
      );
    }
    n = n * 10 + d;
    if (n > Number.MAX_SAFE_INTEGER) {
      throw invalidField(offset, field, `${field} below 2^53`, `${field} is over 2^53 - 1`);
    }
  }
  return n;
}

/**
 * @internal Refuses, before its data is read, a packet at `offset` whose modifiers `accepts`
 * does not take (a header cut short is left to the decoder, which reports TRUNCATED).
 */
export function expectModifiers(
  src: Uint8Array,
  offset: number,
  accepts: (modifier1: number, modifier2: number) => boolean,
  what: string,
): void {
  if (src.length - offset < 4) return;
  const modifier1 = src[offset]!;
  const modifier2 = src[offset + 3]!;
  if (!accepts(modifier1, modifier2)) throw unexpectedPacket(offset, modifier1, modifier2, what);
}
