// uWSGI's signal packet (modifier1 110, plugins/signal): datasize 0, modifier2 the signal number
// (0-255). uWSGI queues the signal to its master, which runs the handler registered for it
// (`uwsgi.register_signal`), and answers [255, 0, 0, 1] (queued) or [255, 0, 0, 0]; the answer
// does not say a handler exists. Pure.

import { checkInteger } from "./arguments.js";
import { allocBytes, inputBytes } from "./bytes.js";
import { HEADER_SIZE } from "./constants.js";
import { truncated } from "./errors.js";
import { readHeader } from "./header.js";
import type { BytesInput } from "./packet.js";
import { unexpectedPacket } from "./packet-error.js";

/** modifier1 of a signal. */
export const SIGNAL_MODIFIER1 = 110;

/** A decoded signal packet. */
export interface SignalPacket {
  /** The signal number (modifier2). */
  readonly signum: number;
  /** 4, and the datasize (uWSGI sends 0 and ignores any data). */
  readonly byteLength: number;
}

/** `[110, 0, 0, signum]`, as `uwsgi_remote_signal_send` writes it. */
export function encodeSignal(signum: number): Uint8Array {
  checkInteger("signum", signum, 0, 255);
  const out = allocBytes(HEADER_SIZE);
  out[0] = SIGNAL_MODIFIER1;
  out[1] = 0;
  out[2] = 0;
  out[3] = signum;
  return out;
}

/**
 * Decodes a signal at `offset`: `TRUNCATED` (a UwsgiError) before the whole packet is there,
 * `UNEXPECTED_PACKET` (a UwsgiError) for another modifier1.
 */
export function decodeSignal(buf: BytesInput, offset = 0): SignalPacket {
  const src = inputBytes("buf", buf);
  const { modifier1, datasize, modifier2: signum } = readHeader(src, offset);
  if (modifier1 !== SIGNAL_MODIFIER1) {
    throw unexpectedPacket(offset, modifier1, signum, "a signal (modifier1 110)");
  }
  const byteLength = HEADER_SIZE + datasize;
  const avail = src.length - offset;
  if (avail < byteLength) throw truncated(offset, byteLength - avail, `${byteLength}-byte packet`);
  return { signum, byteLength };
}
