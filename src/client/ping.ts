import { checkOptions, invalidArgType } from "../codec/arguments.js";
import { HEADER_SIZE } from "../codec/constants.js";
import { readHeader } from "../codec/header.js";
import { Modifier1 } from "../codec/modifiers.js";
import { bytesMissing } from "../codec/packet.js";
import {
  ADDRESS_ALIASES,
  ADDRESS_KEYS,
  abortError,
  checkSignal,
  connectOptions,
  timeoutOption,
  type UwsgiAddress,
} from "./address.js";
import { UwsgiClientError } from "./errors.js";
import { type AnswerReader, Collected, exchangePacket } from "./packet-exchange.js";

/** Options of {@link ping}. */
export interface PingOptions {
  /** Milliseconds for the whole exchange (connect, ping, pong); 0 = no limit. Defaults to 5000. */
  readonly timeout?: number;
  /** Abort: closes the connection and rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/** What a ping found out. */
export interface PingResult {
  /** True when the backend answered with a pong. */
  readonly alive: boolean;
  /** Milliseconds from the start of the call to the pong (or to the failure). */
  readonly latencyMs: number;
  /** The warning text uWSGI sends with the pong when it has one (latin1), else "". */
  readonly warning: string;
  /** Why `alive` is false. */
  readonly error?: UwsgiClientError;
}

/** The ping packet: modifier1 100, datasize 0, modifier2 0. */
const PING: Buffer = Buffer.from([Modifier1.PING, 0, 0, 0]);
/** The warning text is a u16-sized payload: the whole pong is never more than this. */
const MAX_PONG = HEADER_SIZE + 0xffff;

/**
 * Sends a uwsgi ping (modifier1 100, datasize 0) and waits for the pong uWSGI's ping plugin sends
 * (`[100, n, 1]` and n bytes of warning text). Resolves `alive: false` with `error` when the
 * backend cannot be reached, times out or answers something else; rejects only on abort
 * (`ABORTED`) or with Node's argument errors for a wrong address or option.
 */
export async function ping(address: UwsgiAddress, options: PingOptions = {}): Promise<PingResult> {
  if (address === null || typeof address !== "object") {
    throw invalidArgType("address", "of type object", address);
  }
  checkOptions("ping() address", address, ADDRESS_KEYS, ADDRESS_ALIASES);
  checkOptions("ping()", options, ["timeout", "signal"]);
  const net = connectOptions(address, "address");
  const timeout = timeoutOption("options.timeout", options.timeout, 5000);
  const signal = checkSignal("options.signal", options.signal);
  if (signal?.aborted) throw abortError(signal);
  const started = performance.now();
  try {
    const warning = await exchangePacket(
      { net, timeout, signal },
      [PING],
      new PongReader(),
      "pong",
    );
    return { alive: true, latencyMs: performance.now() - started, warning };
  } catch (err) {
    const error = err as UwsgiClientError;
    if (error.code === "ABORTED") throw error;
    return { alive: false, latencyMs: performance.now() - started, warning: "", error };
  }
}

/** Reads a pong: `[100, n, 1]` and n bytes of warning text (latin1). */
class PongReader implements AnswerReader<string> {
  readonly #bytes = new Collected();

  push(chunk: Buffer): { readonly value: string } | undefined {
    this.#bytes.add(chunk);
    if (this.#bytes.size < HEADER_SIZE) return undefined;
    const pong = this.#bytes.bytes();
    const head = readHeader(pong);
    if (head.modifier1 !== Modifier1.PING || head.modifier2 !== 1 || pong.length > MAX_PONG) {
      const hex = pong.subarray(0, HEADER_SIZE).toString("hex");
      throw new UwsgiClientError("MALFORMED_ANSWER", `not a pong: ${hex}`);
    }
    if (bytesMissing(pong) > 0) return undefined;
    return { value: pong.toString("latin1", HEADER_SIZE, HEADER_SIZE + head.datasize) };
  }

  end(): string {
    throw new UwsgiClientError(
      "CLOSED_BEFORE_ANSWER",
      `the backend closed the connection after ${this.#bytes.size} bytes, before a whole pong`,
    );
  }
}
