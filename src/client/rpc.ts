import { checkBoolean, checkInteger } from "../codec/arguments.js";
import type { VarBytes } from "../codec/fields.js";
import { encodeRpcCall, readRpcAnswerHead } from "../codec/rpc.js";
import type { UwsgiAddress } from "./address.js";
import { UwsgiClientError } from "./errors.js";
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
export function rpc(address: RpcAddress, name: VarBytes, ...args: VarBytes[]): Promise<Buffer> {
  let parts: Uint8Array[];
  let call: ReturnType<typeof resolveCall>;
  let raw: boolean;
  let max: number;
  try {
    call = resolveCall("rpc()", address, undefined, RPC_KEYS);
    raw = address.raw === undefined ? false : checkBoolean("address.raw", address.raw);
    max =
      address.maxResultSize === undefined
        ? DEFAULT_MAX_RESULT
        : checkInteger("address.maxResultSize", address.maxResultSize, 0, Number.MAX_SAFE_INTEGER);
    const options = {
      modifier2: raw ? (1 as const) : (0 as const),
      ...(address.encoding === undefined ? {} : { encoding: address.encoding }),
    };
    parts = [encodeRpcCall(name, args, options)];
  } catch (err) {
    return Promise.reject(err);
  }
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
class FramedResult implements AnswerReader<Buffer> {
  readonly #max: number;
  readonly #name: string;
  readonly #head = new Collected();
  #need = 4;
  #result: Buffer | null = null;
  #filled = 0;

  constructor(max: number, name: string) {
    this.#max = max;
    this.#name = name;
  }

  push(chunk: Buffer): { readonly value: Buffer } | undefined {
    if (this.#result !== null) return this.#fill(chunk);
    this.#head.add(chunk);
    if (this.#head.size < this.#need) return undefined;
    const bytes = this.#head.bytes();
    let head: ReturnType<typeof readRpcAnswerHead>;
    try {
      head = readRpcAnswerHead(bytes);
    } catch (err) {
      // The codec's UwsgiError: bytes that are no framed answer.
      const cause = err as Error;
      throw new UwsgiClientError(
        "MALFORMED_ANSWER",
        `not a framed RPC answer: ${cause.message}`,
        cause,
      );
    }
    if (!head.ready) {
      this.#need = bytes.length + head.needed;
      return undefined;
    }
    if (head.contentLength > this.#max) throw tooLarge(head.contentLength, this.#max);
    this.#result = Buffer.allocUnsafe(head.contentLength);
    return this.#fill(bytes.subarray(head.headLength));
  }

  #fill(chunk: Buffer): { readonly value: Buffer } | undefined {
    const result = this.#result!;
    const n = Math.min(chunk.length, result.length - this.#filled);
    chunk.copy(result, this.#filled, 0, n);
    this.#filled += n;
    return this.#filled === result.length ? { value: result } : undefined;
  }

  end(): Buffer {
    if (this.#result === null && this.#head.size === 0) throw closedWithoutAnswer(this.#name);
    const expected = this.#result === null ? this.#need : this.#result.length;
    const got = this.#result === null ? this.#head.size : this.#filled;
    throw new UwsgiClientError(
      "ANSWER_TRUNCATED",
      `uWSGI closed the connection after ${got} of the ${expected} bytes it announced`,
    );
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
