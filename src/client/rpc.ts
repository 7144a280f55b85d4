import { checkBoolean, checkInteger } from "../codec/arguments.js";
import type { VarBytes } from "../codec/fields.js";
import type { FramedAnswerHead, FramedAnswerReady } from "../codec/framed-answer.js";
import { encodeRpcCall, readRpcAnswerHead } from "../codec/rpc.js";
import type { UwsgiAddress } from "./address.js";
import { UwsgiClientError } from "./errors.js";
import { FramedAnswerReader } from "./framed-answer-reader.js";
import {
  type AnswerReader,
  Collected,
  exchangePacket,
  type PacketCallOptions,
  resolveCall,
} from "./packet-exchange.js";

/** Where to call and how: a uWSGI address with the call's options beside it. */
export interface RpcAddress extends UwsgiAddress, PacketCallOptions {
  /**
   * Ask for the result bytes alone (modifier2 1), ended by the close, instead of a framed answer.
   * Defaults to false (modifier2 0, what uWSGI's own client sends).
   */
  readonly raw?: boolean;
  /** Largest result accepted, in bytes (`BODY_TOO_LARGE` above). Defaults to 64 MiB. */
  readonly maxResultSize?: number;
  /** How string arguments become bytes. Defaults to `"latin1"`. */
  readonly encoding?: "latin1" | "utf8";
}

const RPC_KEYS: readonly string[] = ["raw", "maxResultSize", "encoding"];
const DEFAULT_MAX_RESULT = 64 * 1024 * 1024;

/**
 * Calls the RPC function `name` registered in uWSGI (`uwsgi.register_rpc`) with `args` (strings
 * or bytes), as uWSGI's `uwsgi.rpc(node, name, ...)` does: one connection, a modifier1 173
 * packet, the framed answer (`[173, len, 0]`, or modifier2 5 with CONTENT_LENGTH over 64 KiB).
 * Resolves with the result's bytes.
 *
 * uWSGI answers an unknown function, a function that failed and one that returned nothing alike:
 * it closes without a byte, which rejects with `CLOSED_BEFORE_ANSWER`. Other rejections are
 * `UwsgiClientError`s (CONNECT_FAILED, TIMEOUT, ABORTED, SOCKET_ERROR, MALFORMED_ANSWER,
 * ANSWER_TRUNCATED, BODY_TOO_LARGE); wrong arguments are Node's argument errors.
 */
export async function rpc(
  address: RpcAddress,
  name: VarBytes,
  ...args: VarBytes[]
): Promise<Buffer> {
  // async: an argument error rejects, as the exchange's errors do.
  const call = resolveCall("rpc()", address, undefined, RPC_KEYS);
  const raw = address.raw === undefined ? false : checkBoolean("address.raw", address.raw);
  const max =
    address.maxResultSize === undefined
      ? DEFAULT_MAX_RESULT
      : checkInteger("address.maxResultSize", address.maxResultSize, 0, Number.MAX_SAFE_INTEGER);
  const options = {
    modifier2: raw ? (1 as const) : (0 as const),
    ...(address.encoding === undefined ? {} : { encoding: address.encoding }),
  };
  const parts = [encodeRpcCall(name, args, options)];
  const label = typeof name === "string" ? name : Buffer.from(name).toString("latin1");
  const reader = raw ? new RawResult(max, label) : new FramedResult(max, label);
  return exchangePacket(call, parts, reader, `answer to the RPC call ${label}()`);
}

function closedWithoutAnswer(name: string): UwsgiClientError {
  return new UwsgiClientError(
    "CLOSED_BEFORE_ANSWER",
    `uWSGI closed the connection without an answer: no RPC function ${name}, or it failed or returned nothing`,
  );
}

function tooLarge(size: number, max: number): UwsgiClientError {
  return new UwsgiClientError(
    "BODY_TOO_LARGE",
    `the RPC result is ${size} bytes, over maxResultSize ${max}`,
  );
}

/** The result of a modifier2 0 call: the head, then exactly its length, copied once. */
class FramedResult extends FramedAnswerReader<FramedAnswerReady, Buffer> {
  readonly #name: string;

  constructor(max: number, name: string) {
    super(max, "a framed RPC answer");
    this.#name = name;
  }

  protected readHead(bytes: Buffer): FramedAnswerHead {
    return readRpcAnswerHead(bytes);
  }

  protected tooLarge(size: number, max: number): UwsgiClientError {
    return tooLarge(size, max);
  }

  protected result(_head: FramedAnswerReady, content: Buffer): Buffer {
    return content;
  }

  protected closedEmpty(): Buffer {
    throw closedWithoutAnswer(this.#name);
  }
}

/** The result of a modifier2 1 call: every byte until the close. */
class RawResult implements AnswerReader<Buffer> {
  readonly #max: number;
  readonly #name: string;
  readonly #bytes = new Collected();

  constructor(max: number, name: string) {
    this.#max = max;
    this.#name = name;
  }

  push(chunk: Buffer): undefined {
    this.#bytes.add(chunk);
    if (this.#bytes.size > this.#max) throw tooLarge(this.#bytes.size, this.#max);
    return undefined;
  }

  end(): Buffer {
    if (this.#bytes.size === 0) throw closedWithoutAnswer(this.#name);
    return this.#bytes.bytes();
  }
}
