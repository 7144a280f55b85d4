import { CaptureError } from "./errors.js";

/** True when `c` may appear in hex text: a hex digit, white space, or `#` starting a comment. */
function isHexTextByte(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x46) ||
    (c >= 0x61 && c <= 0x66) ||
    c === 0x20 ||
    c === 0x09 ||
    c === 0x0a ||
    c === 0x0d ||
    c === 0x23
  );
}

/**
 * Does `head` (the first bytes of an input) look like a hex dump? Outside `#` comments, every
 * byte is a hex digit or white space, and there are at least two digits.
 */
export function looksLikeHexText(head: Buffer): boolean {
  let digits = 0;
  let comment = false;
  for (let i = 0; i < head.length; i++) {
    const c = head[i]!;
    if (comment) {
      if (c === 0x0a) comment = false;
      continue;
    }
    if (c === 0x23) comment = true;
    else if (!isHexTextByte(c)) return false;
    else if (c > 0x20) digits++;
  }
  return digits >= 2;
}

function nibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Receives the bytes a hex dump spells. */
export interface BytesHandler {
  push(bytes: Buffer): void;
}

/**
 * Streams hex text into bytes: digits in pairs, white space anywhere (also between the two digits
 * of a byte), `#` to the end of the line a comment. Anything else is `BAD_HEX` at its offset.
 */
export class HexTextDecoder {
  readonly #out: BytesHandler;
  #high = -1;
  #comment = false;
  #offset = 0;

  constructor(out: BytesHandler) {
    this.#out = out;
  }

  /** Feeds the next chunk of text. */
  push(text: Buffer): void {
    const bytes = Buffer.allocUnsafe((text.length >> 1) + 1);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (this.#comment) {
        if (c === 0x0a) this.#comment = false;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
      if (c === 0x23) {
        this.#comment = true;
        continue;
      }
      const v = nibble(c);
      if (v < 0) {
        throw new CaptureError(
          "BAD_HEX",
          this.#offset + i,
          "a hex digit, white space or a # comment",
          `hex text has the byte 0x${c.toString(16).padStart(2, "0")}`,
        );
      }
      if (this.#high < 0) this.#high = v;
      else {
        bytes[n++] = (this.#high << 4) | v;
        this.#high = -1;
      }
    }
    this.#offset += text.length;
    if (n > 0) this.#out.push(bytes.subarray(0, n));
  }

  /** The text ended; an odd digit left over is `BAD_HEX`. */
  end(): void {
    if (this.#high >= 0) {
      throw new CaptureError(
        "BAD_HEX",
        this.#offset,
        "an even number of hex digits",
        "hex text ends in the middle of a byte",
      );
    }
  }
}
