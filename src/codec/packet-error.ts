// The error of the special-packet codecs (RPC, cache, signal, spooler, echo) when well-formed
// bytes do not make the packet asked for. Malformed bytes (a truncated header, a var running past
// datasize...) stay the codec's UwsgiError; this one is about meaning.

/**
 * Why a packet's bytes, well formed as a packet, are not the message a decoder reads. Stable
 * strings: match on them, not on messages.
 * - `UNEXPECTED_PACKET`: modifier1 or modifier2 is not one this decoder reads (a signal answer
 *   given to the RPC decoder, an XML-RPC call given to `decodeRpcCall`).
 * - `MISSING_FIELD`: a var or item the message needs is not there (an RPC call without a function
 *   name, an answer over 64 KiB without CONTENT_LENGTH, a cache answer without `status`).
 * - `INVALID_FIELD`: a var or item is there but unusable (a length that is not decimal digits, an
 *   empty function name, a cache command uWSGI does not know).
 */
export type UwsgiPacketErrorCode = "UNEXPECTED_PACKET" | "MISSING_FIELD" | "INVALID_FIELD";

/** Well-formed bytes that are not the expected message; `offset` is in the input. */
export class UwsgiPacketError extends Error {
  /** Stable machine-readable reason. */
  readonly code: UwsgiPacketErrorCode;
  /** Byte offset in the input where the problem is (the header, or the var concerned). */
  readonly offset: number;
  /** The var or item concerned (`"CONTENT_LENGTH"`, `"status"`, `"name"`), or "" for the header. */
  readonly field: string;

  constructor(code: UwsgiPacketErrorCode, offset: number, detail: string, field = "") {
    super(`${detail} (offset ${offset})`);
    this.name = "UwsgiPacketError";
    this.code = code;
    this.offset = offset;
    this.field = field;
  }
}

/** @internal modifier1/modifier2 at `offset` are not what `what` reads. */
export function unexpectedPacket(
  offset: number,
  modifier1: number,
  modifier2: number,
  what: string,
): UwsgiPacketError {
  return new UwsgiPacketError(
    "UNEXPECTED_PACKET",
    offset,
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
  if (start === end) {
    throw new UwsgiPacketError("INVALID_FIELD", offset, `${field} is empty, not a number`, field);
  }
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = buf[i]! - 0x30;
    if (d < 0 || d > 9) {
      throw new UwsgiPacketError(
        "INVALID_FIELD",
        offset,
        `${field} has the byte 0x${buf[i]!.toString(16).padStart(2, "0")}, not a decimal digit`,
        field,
      );
    }
    n = n * 10 + d;
    if (n > Number.MAX_SAFE_INTEGER) {
      throw new UwsgiPacketError("INVALID_FIELD", offset, `${field} is over 2^53 - 1`, field);
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
