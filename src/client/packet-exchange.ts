import { connect, type NetConnectOpts } from "node:net";
import { checkOptions, invalidArgType } from "../codec/arguments.js";
import {
  ADDRESS_ALIASES,
  ADDRESS_KEYS,
  abortError,
  checkSignal,
  connectError,
  connectOptions,
  timeoutOption,
  type UwsgiAddress,
} from "./address.js";
import { UwsgiClientError } from "./errors.js";

/** Options of every one-packet call (rpc, the cache, signal, spool, echo). */
export interface PacketCallOptions {
  /** Milliseconds for the whole exchange (connect, send, answer); 0 = no limit. Defaults to 10000. */
  readonly timeout?: number;
  /** Abort: closes the connection and rejects with `ABORTED`. */
  readonly signal?: AbortSignal;
}

/** The keys of {@link PacketCallOptions}. */
const PACKET_CALL_KEYS: readonly string[] = ["timeout", "signal"];

/** An address with the call's options beside it, checked. */
export interface ResolvedCall {
  readonly net: NetConnectOpts;
  readonly timeout: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * @internal Checks an address and the options (which may sit in the address itself, or come
 * apart); `where` names the function, `extraKeys` are its own option keys (checked by it).
 */
export function resolveCall(
  where: string,
  address: unknown,
  options: unknown,
  extraKeys: readonly string[] = [],
): ResolvedCall {
  if (address === null || typeof address !== "object") {
    throw invalidArgType("address", "of type object", address);
  }
  const inAddress = [...PACKET_CALL_KEYS, ...extraKeys];
  checkOptions(`${where} address`, address, [...ADDRESS_KEYS, ...inAddress], ADDRESS_ALIASES);
  if (options !== undefined) checkOptions(where, options, inAddress);
  const o = { ...(address as PacketCallOptions), ...(options as PacketCallOptions | undefined) };
  const net = connectOptions(address as UwsgiAddress, "address");
  const timeout = timeoutOption("options.timeout", o.timeout, 10_000);
  const signal = checkSignal("options.signal", o.signal);
  if (signal?.aborted) throw abortError(signal);
  return { net, timeout, signal };
}

/**
 * What reads one answer. `push` gets the answer's bytes as they come (views of socket buffers:
 * copy what is kept) and returns the result once it is complete; `end` is called when the peer
 * closes first and returns the result the close makes (a miss, bytes read to the close) or
 * throws. Either may throw a `UwsgiClientError` for a bad answer.
 */
export interface AnswerReader<T> {
  push(chunk: Buffer): { readonly value: T } | undefined;
  end(): T;
}

/**
 * @internal One connection: writes `parts` (corked, in order, not joined), reads the answer with
 * `reader`, and releases the socket and timer on every path. Rejects with `UwsgiClientError`:
 * CONNECT_FAILED, TIMEOUT, ABORTED, SOCKET_ERROR, or what the reader throws.
 */
export function exchangePacket<T>(
  call: ResolvedCall,
  parts: readonly Uint8Array[],
  reader: AnswerReader<T>,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const { net, timeout, signal } = call;
    let connected = false;
    let done = false;
    const socket = connect(net);
    const finish = (err: Error | undefined, value?: T): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      if (err !== undefined) reject(err);
      else resolve(value as T);
    };
    const settle = (fn: () => { readonly value: T } | undefined): void => {
      let got: { readonly value: T } | undefined;
      try {
        got = fn();
      } catch (err) {
        finish(err as Error);
        return;
      }
      if (got !== undefined) finish(undefined, got.value);
    };
    const onAbort = (): void => finish(abortError(signal!));
    const timer =
      timeout > 0
        ? setTimeout(
            () => finish(new UwsgiClientError("TIMEOUT", `no whole ${what} within ${timeout} ms`)),
            timeout,
          )
        : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("connect", () => {
      connected = true;
      socket.cork();
      for (const part of parts) if (part.length > 0) socket.write(part);
      socket.uncork();
    });
    socket.on("data", (chunk: Buffer) => settle(() => reader.push(chunk)));
    socket.on("end", () => settle(() => ({ value: reader.end() })));
    socket.on("error", (err) => {
      finish(
        connected
          ? new UwsgiClientError("SOCKET_ERROR", `connection failed: ${err.message}`, err)
          : connectError(net, err),
      );
    });
    socket.on("close", () => {
      // 'end' settles a clean close; a close without it (reset) is a socket error or was settled.
      finish(new UwsgiClientError("SOCKET_ERROR", `the connection closed before the ${what}`));
    });
  });
}

/** @internal Keeps the pieces of an answer and joins them once (at most one copy). */
export class Collected {
  readonly #chunks: Buffer[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
  }

  /** Everything so far as one Buffer (kept joined, so asking again copies nothing). */
  bytes(): Buffer {
    if (this.#chunks.length !== 1) {
      const joined = Buffer.concat(this.#chunks, this.#size);
      this.#chunks.length = 0;
      this.#chunks.push(joined);
    }
    return this.#chunks[0] ?? Buffer.alloc(0);
  }
}
