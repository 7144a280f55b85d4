import { connect, type NetConnectOpts, type Socket } from "node:net";
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
  connectError,
  connectOptions,
  timeoutOption,
  type UwsgiAddress,
} from "./address.js";
import { UwsgiClientError } from "./errors.js";

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
export function ping(address: UwsgiAddress, options: PingOptions = {}): Promise<PingResult> {
  return new Promise((resolve, reject) => {
    let net: NetConnectOpts;
    let timeout: number;
    try {
      if (address === null || typeof address !== "object") {
        throw invalidArgType("address", "of type object", address);
      }
      checkOptions("ping() address", address, ADDRESS_KEYS, ADDRESS_ALIASES);
      checkOptions("ping()", options, ["timeout", "signal"]);
      net = connectOptions(address, "address");
      timeout = timeoutOption("options.timeout", options.timeout, 5000);
      checkSignal("options.signal", options.signal);
      if (options.signal?.aborted) throw abortError(options.signal);
    } catch (err) {
      reject(err as Error);
      return;
    }
    const started = performance.now();
    const signal = options.signal;
    const chunks: Buffer[] = [];
    let size = 0;
    let connected = false;
    let done = false;
    const socket: Socket = connect(net);
    const finish = (warning: string, error: UwsgiClientError | undefined): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.destroy();
      const latencyMs = performance.now() - started;
      if (error?.code === "ABORTED") reject(error);
      else if (error !== undefined) resolve({ alive: false, latencyMs, warning, error });
      else resolve({ alive: true, latencyMs, warning });
    };
    const onAbort = (): void => finish("", abortError(signal!));
    const timer =
      timeout > 0
        ? setTimeout(
            () => finish("", new UwsgiClientError("TIMEOUT", `no pong within ${timeout} ms`)),
            timeout,
          )
        : undefined;
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.on("connect", () => {
      connected = true;
      socket.write(PING);
    });
    socket.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < HEADER_SIZE) return;
      const pong = chunks.length === 1 ? chunk : Buffer.concat(chunks, size);
      chunks.length = 0;
      chunks.push(pong);
      const head = readHeader(pong);
      if (head.modifier1 !== Modifier1.PING || head.modifier2 !== 1 || size > MAX_PONG) {
        const hex = pong.subarray(0, HEADER_SIZE).toString("hex");
        finish("", new UwsgiClientError("MALFORMED_ANSWER", `not a pong: ${hex}`));
        return;
      }
      if (bytesMissing(pong) === 0) {
        finish(pong.toString("latin1", HEADER_SIZE, HEADER_SIZE + head.datasize), undefined);
      }
    });
    socket.on("error", (err) => {
      finish(
        "",
        connected
          ? new UwsgiClientError("SOCKET_ERROR", `connection failed: ${err.message}`, err)
          : connectError(net, err),
      );
    });
    socket.on("close", () => {
      finish(
        "",
        new UwsgiClientError(
          "CLOSED_BEFORE_ANSWER",
          `the backend closed the connection after ${size} bytes, before a whole pong`,
        ),
      );
    });
  });
}
