import { createPrivateKey, getHashes, KeyObject, sign } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import { isIPv6 } from "node:net";
import { checkInteger, checkOptions, invalidArgType, invalidArgValue } from "../codec/arguments.js";
import {
  appendSignature,
  encodeSubscription,
  type SubscriptionInit,
  signingBytes,
} from "../codec/subscription.js";
import { parseAddress } from "./address.js";

/** Options of {@link subscribe}: what to announce, how often, and how to sign. */
export interface SubscribeOptions {
  /** The key (the host name requests carry), 1-255 bytes. */
  readonly key: string;
  /** This server's uwsgi address as the router must reach it: `host:port` or a socket path. */
  readonly address: string;
  readonly modifier1?: number;
  readonly modifier2?: number;
  readonly weight?: number;
  readonly cores?: number;
  readonly load?: number;
  readonly backup?: number;
  /** Milliseconds between announcements. Defaults to 10 000, as uWSGI's `--subscribe-freq`. */
  readonly interval?: number;
  /** Sign every announcement (uWSGI's `--subscribe-to ...,ALGO:keyfile`). */
  readonly sign?: {
    /** The private key: PEM text or a `KeyObject`. */
    readonly key: string | KeyObject;
    /** The digest. Defaults to `"sha1"`, what uWSGI examples use. */
    readonly algorithm?: string;
  };
}

const KEYS = [
  "key",
  "address",
  "modifier1",
  "modifier2",
  "weight",
  "cores",
  "load",
  "backup",
  "interval",
  "sign",
];

/**
 * A running subscription: announces at its interval until `close()`, which sends the
 * unsubscription. Emits `'error'` when a datagram cannot be sent (a listener is optional: without
 * one the error is dropped, as the next announcement retries).
 */
export class Subscriber extends EventEmitter {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #port: number;
  readonly #init: Omit<SubscriptionInit, "command" | "unix">;
  readonly #signKey: KeyObject | undefined;
  readonly #algorithm: string;
  readonly #timer: NodeJS.Timeout;
  #closing: Promise<void> | undefined;
  #sent = 0;

  /** @internal Use {@link subscribe}. */
  constructor(
    server: { host: string; port: number },
    options: SubscribeOptions,
    signKey: KeyObject | undefined,
  ) {
    super();
    this.#host = server.host;
    this.#port = server.port;
    this.#socket = createSocket(isIPv6(server.host) ? "udp6" : "udp4");
    this.#socket.on("error", (err) => this.#error(err));
    this.#signKey = signKey;
    this.#algorithm = options.sign?.algorithm ?? "sha1";
    const { interval: _i, sign: _s, ...init } = options;
    this.#init = init;
    this.#timer = setInterval(() => void this.announce(), options.interval ?? 10_000);
    this.#timer.unref();
    void this.announce();
  }

  /** Announcements sent so far (unsubscription included). */
  get sent(): number {
    return this.#sent;
  }

  /** Sends one announcement now. */
  announce(): Promise<void> {
    return this.#send("subscribe");
  }

  /** Stops announcing and sends the unsubscription; resolves once it is sent and the socket closed. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      await this.#send("unsubscribe", true);
      await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    })();
    return this.#closing;
  }

  /** The datagram for `command`, signed when a key was given. */
  datagram(command: "subscribe" | "unsubscribe"): Uint8Array {
    if (this.#signKey === undefined) return encodeSubscription({ ...this.#init, command });
    // uWSGI signs with the time in seconds, plus 1 for an unsubscription (its command byte), so
    // an unsubscription is newer than the announcement of the same second.
    const unix = Math.floor(Date.now() / 1000) + (command === "unsubscribe" ? 1 : 0);
    const unsigned = encodeSubscription({ ...this.#init, command, unix });
    const signature = sign(this.#algorithm, signingBytes(unsigned), this.#signKey);
    return appendSignature(unsigned, signature);
  }

  #send(command: "subscribe" | "unsubscribe", closing = false): Promise<void> {
    if (this.#closing !== undefined && !closing) return Promise.resolve();
    const bytes = this.datagram(command);
    return new Promise((resolve) => {
      this.#socket.send(bytes, this.#port, this.#host, (err) => {
        if (err) this.#error(err);
        else this.#sent++;
        resolve();
      });
    });
  }

  #error(err: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", err);
  }
}

/**
 * Joins a uWSGI subscription server (a FastRouter's or http router's
 * `--fastrouter-subscription-server`, or this package's router) as `address` under `key`:
 * announces at once and every `interval`, and unsubscribes on `close()`. `server` is the UDP
 * `host:port` of the subscription server.
 */
export function subscribe(server: string, options: SubscribeOptions): Subscriber {
  if (typeof server !== "string") throw invalidArgType("server", "of type string", server);
  const target = parseAddress(server);
  if (target === undefined || !("port" in target)) {
    throw invalidArgValue(
      "server",
      server,
      "must be a UDP host:port (Node has no unix datagram sockets)",
    );
  }
  if (options === null || typeof options !== "object") {
    throw invalidArgType("options", "of type object", options);
  }
  checkOptions("subscribe", options, KEYS);
  if (options.interval !== undefined)
    checkInteger("options.interval", options.interval, 100, 2_147_483_647);
  let signKey: KeyObject | undefined;
  if (options.sign !== undefined) {
    const s = options.sign;
    if (s === null || typeof s !== "object")
      throw invalidArgType("options.sign", "of type object", s);
    checkOptions("options.sign", s, ["key", "algorithm"]);
    try {
      signKey =
        s.key instanceof KeyObject && s.key.type === "private"
          ? s.key
          : createPrivateKey(s.key as string);
    } catch (err) {
      throw invalidArgValue(
        "options.sign.key",
        "(key)",
        `is not a private key (${(err as Error).message})`,
      );
    }
    const algorithm = s.algorithm ?? "sha1";
    if (typeof algorithm !== "string" || !getHashes().includes(algorithm.toLowerCase())) {
      throw invalidArgValue(
        "options.sign.algorithm",
        algorithm,
        "must be a digest name node:crypto knows",
      );
    }
  }
  // Checks the announced fields (key, address, numbers) once, up front.
  encodeSubscription({
    key: options.key,
    address: options.address,
    ...pick(options),
  });
  return new Subscriber({ host: target.host!, port: target.port }, options, signKey);
}

function pick(o: SubscribeOptions): Partial<SubscriptionInit> {
  const out: Record<string, number> = {};
  for (const k of ["modifier1", "modifier2", "weight", "cores", "load", "backup"] as const) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  return out;
}
