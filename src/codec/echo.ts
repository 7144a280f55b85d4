// uWSGI's echo packet (modifier1 101, plugins/echo): uWSGI writes the data back, alone, without
// a header, and closes the connection. Pure.

import { invalidArgType } from "./arguments.js";
import { encodePacket } from "./packet.js";

/** modifier1 of an echo. */
export const ECHO_MODIFIER1 = 101;

/** `[101, length, 0]` + `payload`; the answer is `payload` itself, ended by the close. */
export function encodeEcho(payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) throw invalidArgType("payload", "a Uint8Array", payload);
  return encodePacket({ modifier1: ECHO_MODIFIER1, payload });
}
