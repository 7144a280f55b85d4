import { encodeEcho } from "../codec/echo.js";
import type { UwsgiAddress } from "./address.js";
import { UwsgiClientError } from "./errors.js";
import {
  type AnswerReader,
  Collected,
  exchangePacket,
  type PacketCallOptions,
  resolveCall,
} from "./packet-exchange.js";

/**
 * Sends `payload` to uWSGI's echo plugin (modifier1 101) and resolves with what comes back: the
 * payload alone, without a header, ended by the close. A liveness check that proves the bytes
 * make the round trip. Rejects with `UwsgiClientError` (`CLOSED_BEFORE_ANSWER` when nothing came
 * back: the echo plugin is not loaded).
 */
export async function echo(
  address: UwsgiAddress,
  payload: Uint8Array,
  options?: PacketCallOptions,
): Promise<Buffer> {
  // async: an argument error rejects, as the exchange's errors do.
  const call = resolveCall("echo()", address, options);
  const packet = encodeEcho(payload);
  return exchangePacket(call, [packet], new EchoReader(payload.length), "echo");
}

class EchoReader implements AnswerReader<Buffer> {
  readonly #expected: number;
  readonly #bytes = new Collected();

  constructor(expected: number) {
    this.#expected = expected;
  }

  push(chunk: Buffer): undefined {
    this.#bytes.add(chunk);
    if (this.#bytes.size > this.#expected) {
      throw new UwsgiClientError(
        "MALFORMED_ANSWER",
        `the echo is longer than the ${this.#expected} bytes sent`,
      );
    }
    return undefined;
  }

  end(): Buffer {
    if (this.#bytes.size === 0 && this.#expected > 0) {
      throw new UwsgiClientError(
        "CLOSED_BEFORE_ANSWER",
        "uWSGI closed the connection without an echo (is its echo plugin loaded?)",
      );
    }
    return this.#bytes.bytes();
  }
}
