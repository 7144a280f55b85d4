import { encodeSignal } from "../codec/signal.js";
import { decodeStatusAnswer } from "../codec/status-answer.js";
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
 * Raises uWSGI signal `signum` (0-255) through uWSGI's socket (modifier1 110), as
 * `uwsgi_remote_signal_send` does. uWSGI queues it to its master, which runs the handler
 * registered for it (`uwsgi.register_signal`) in the target it names. Resolves true when uWSGI
 * says it queued the signal ([255, 0, 0, 1]), false when it could not; uWSGI does not say
 * whether a handler exists. Rejects with `UwsgiClientError` when the exchange fails.
 */
export async function raiseSignal(
  address: UwsgiAddress,
  signum: number,
  options?: PacketCallOptions,
): Promise<boolean> {
  // async: an argument error rejects, as the exchange's errors do.
  const call = resolveCall("raiseSignal()", address, options);
  const packet = encodeSignal(signum);
  return exchangePacket(call, [packet], new StatusReader("signal"), "answer to the signal");
}

/** @internal Reads uWSGI's 4-byte status answer [255, 0, 0, status]. */
export class StatusReader implements AnswerReader<boolean> {
  readonly #what: string;
  readonly #bytes = new Collected();

  constructor(what: string) {
    this.#what = what;
  }

  push(chunk: Buffer): { readonly value: boolean } | undefined {
    this.#bytes.add(chunk);
    if (this.#bytes.size < 4) return undefined;
    try {
      return { value: decodeStatusAnswer(this.#bytes.bytes()).ok };
    } catch (err) {
      // The codec's UwsgiError: 4 bytes that are no status answer.
      const cause = err as Error;
      throw new UwsgiClientError(
        "MALFORMED_ANSWER",
        `not uWSGI's answer to a ${this.#what}: ${cause.message}`,
        cause,
      );
    }
  }

  end(): boolean {
    throw new UwsgiClientError(
      this.#bytes.size === 0 ? "CLOSED_BEFORE_ANSWER" : "ANSWER_TRUNCATED",
      `uWSGI closed the connection after ${this.#bytes.size} of the 4 bytes of its answer to the ${this.#what} (is its ${this.#what} plugin loaded?)`,
    );
  }
}
