import type { DecodeOptions } from "../codec/limits.js";
import { decodePacket, type Packet } from "../codec/packet.js";

// What the router reads of a request packet: everything nginx can send (65535 bytes of vars), as
// many vars as that can hold.
const OPTIONS: DecodeOptions = Object.freeze({ maxDatasize: 65535, maxVars: 16384 });

/** The request packet, and the bytes of the chunk after it (the start of the body), a view. */
export interface GatheredPacket {
  readonly packet: Packet;
  readonly rest: Buffer;
}

/**
 * Gathers the one packet that starts a uwsgi connection, from chunks split anywhere: decoded in
 * place when a chunk holds it whole, else copied once into memory of exactly its size. What
 * follows the packet is not read: the router forwards it as it comes, whatever its framing
 * (CONTENT_LENGTH bytes, the chunked stream of uWSGI's http router, a websocket), as FastRouter
 * does. (`PacketParser` decodes the body's framing; a router must not.) @internal
 */
export class PacketGatherer {
  #buf: Buffer | null = null;
  #have = 0;
  // The packet's size once its header is known; 0 before.
  #total = 0;

  /** Takes a chunk; the packet once whole (throws the codec's `UwsgiError` for a bad one). */
  push(chunk: Buffer): GatheredPacket | undefined {
    let off = 0;
    if (this.#have === 0 && chunk.length >= 4) {
      const total = 4 + (chunk[1]! | (chunk[2]! << 8));
      if (chunk.length >= total) {
        return { packet: decodePacket(chunk, 0, OPTIONS), rest: chunk.subarray(total) };
      }
      this.#total = total;
      this.#buf = Buffer.allocUnsafe(total);
    }
    if (this.#total === 0) {
      // The header itself is split.
      this.#buf ??= Buffer.allocUnsafe(4);
      const n = Math.min(4 - this.#have, chunk.length);
      chunk.copy(this.#buf, this.#have, 0, n);
      this.#have += n;
      off = n;
      if (this.#have < 4) return undefined;
      const total = 4 + (this.#buf[1]! | (this.#buf[2]! << 8));
      const whole = Buffer.allocUnsafe(total);
      this.#buf.copy(whole, 0, 0, 4);
      this.#buf = whole;
      this.#total = total;
    }
    const n = Math.min(this.#total - this.#have, chunk.length - off);
    chunk.copy(this.#buf!, this.#have, off, off + n);
    this.#have += n;
    off += n;
    if (this.#have < this.#total) return undefined;
    return { packet: decodePacket(this.#buf!, 0, OPTIONS), rest: chunk.subarray(off) };
  }
}
