// uWSGI's generic answer (modifier1 255, datasize 0): modifier2 is a status. The signal plugin
// sends it (1 = the signal was queued to the master, 0 = it was not) and so does the spooler
// plugin (1 = the job was written to the spool directory, 0 = it was not). Pure.

import { checkInteger } from "./arguments.js";
import { allocBytes } from "./bytes.js";
import { HEADER_SIZE } from "./constants.js";
import { readHeader } from "./header.js";
import type { BytesInput } from "./packet.js";
import { unexpectedPacket } from "./packet-error.js";

/** modifier1 of uWSGI's generic answer. */
export const RESPONSE_MODIFIER1 = 255;

/** A decoded generic answer. */
export interface StatusAnswer {
  /** The status byte (modifier2): 1 for success in every uWSGI plugin that sends one. */
  readonly status: number;
  /** True when `status` is 1. */
  readonly ok: boolean;
  /** Bytes the answer takes: 4 (and its datasize, 0 from uWSGI). */
  readonly byteLength: number;
}

/** `[255, 0, 0, status]`: what uWSGI's signal and spooler plugins answer. */
export function encodeStatusAnswer(status: number): Uint8Array {
  checkInteger("status", status, 0, 255);
  const out = allocBytes(HEADER_SIZE);
  out[0] = RESPONSE_MODIFIER1;
  out[1] = 0;
  out[2] = 0;
  out[3] = status;
  return out;
}

/**
 * Decodes a generic answer at `offset`: `TRUNCATED` (a UwsgiError, with `needed`) before 4 bytes,
 * `UNEXPECTED_PACKET` (a UwsgiError) when modifier1 is not 255. uWSGI's own client
 * (`uwsgi_remote_signal_send`) reads the 4 bytes and takes modifier2, as this does.
 */
export function decodeStatusAnswer(buf: BytesInput, offset = 0): StatusAnswer {
  const { modifier1, datasize, modifier2: status } = readHeader(buf, offset);
  if (modifier1 !== RESPONSE_MODIFIER1) {
    throw unexpectedPacket(offset, modifier1, status, "a status answer (modifier1 255)");
  }
  return { status, ok: status === 1, byteLength: HEADER_SIZE + datasize };
}
