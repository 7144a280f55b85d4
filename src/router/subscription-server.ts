import { verify } from "node:crypto";
import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { EventEmitter } from "node:events";
import { isIPv6 } from "node:net";
import { decodeSubscription, type Subscription } from "../codec/subscription.js";
import { parseAddress } from "./address.js";
import type { ResolvedVerify } from "./subscription-options.js";

/**
 * Why a datagram was not taken: the codec's or the subscription codec's error code for bytes that
 * are not a subscription, or one of:
 * - `UNSIGNED`: no signature where one is required.
 * - `NO_PUBLIC_KEY`: signed, but no public key covers its key (and signing is required).
 * - `BAD_SIGNATURE`: the signature does not verify (tampered bytes, another key).
 * - `STALE`: the signed `unix` time is outside the window around now.
 * - `REPLAYED`: the signed `unix` time is not newer than the last one accepted for the node.
 * - `BAD_ADDRESS`: the address is neither `host:port` nor a socket path.
 */
export type SubscriptionRefusal =
  | "UNSIGNED"
  | "NO_PUBLIC_KEY"
  | "BAD_SIGNATURE"
  | "STALE"
  | "REPLAYED"
  | "BAD_ADDRESS"
  | (string & {});

/** Where a datagram came from. */
export interface DatagramSource {
  readonly address: string;
  readonly port: number;
}

/** Most nodes whose last signed time is remembered (the oldest are forgotten first). */
const MAX_REMEMBERED = 65_536;

/**
 * uWSGI's subscription server: receives subscription datagrams (modifier1 224) on UDP, checks
 * them, and emits `'subscribe'` and `'unsubscribe'` with the decoded {@link Subscription}, or
 * `'refused'` with the reason, the error and the sender. It keeps no pools: the router does.
 */
export class SubscriptionServer extends EventEmitter {
  readonly #addresses: readonly string[];
  readonly #verify: ResolvedVerify | undefined;
  readonly #sockets: Socket[] = [];
  // Last accepted signed time per "key\0address", for replay refusals.
  readonly #lastSigned = new Map<string, number>();

  /** @internal Made by the router from checked options. */
  constructor(addresses: readonly string[], verifyOptions: ResolvedVerify | undefined) {
    super();
    this.#addresses = addresses;
    this.#verify = verifyOptions;
  }

  /** The bound UDP addresses, `host:port` (ports resolved when 0 was asked). */
  get addresses(): string[] {
    return this.#sockets.map((s) => {
      const a = s.address();
      return a.family === "IPv6" ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
    });
  }

  /** Binds every address; rejects (and closes what was bound) if one fails. */
  async listen(): Promise<void> {
    try {
      for (const address of this.#addresses) {
        const { host, port } = parseAddress(address) as { host: string; port: number };
        const socket = createSocket(isIPv6(host) ? "udp6" : "udp4");
        this.#sockets.push(socket);
        socket.on("message", (msg, rinfo) => this.#onDatagram(msg, rinfo));
        await new Promise<void>((resolve, reject) => {
          socket.once("error", reject);
          socket.bind(port, host, () => {
            socket.off("error", reject);
            resolve();
          });
        });
        // After the bind: a bind failure is the listen's rejection, not an 'error' too.
        socket.on("error", (err) => this.emit("error", err));
      }
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Closes every socket. */
  close(): void {
    for (const s of this.#sockets.splice(0)) {
      try {
        s.close();
      } catch {
        // Already closed by an error.
      }
    }
  }

  /** Checks one datagram; emits what it is. Exposed for tests and for other transports. */
  receive(datagram: Uint8Array, from: DatagramSource = { address: "", port: 0 }): void {
    let sub: Subscription;
    try {
      sub = decodeSubscription(datagram);
    } catch (err) {
      this.#refuse((err as { code: string }).code, err, from, undefined);
      return;
    }
    if (parseAddress(sub.address) === undefined) {
      this.#refuse("BAD_ADDRESS", undefined, from, sub);
      return;
    }
    const reason = this.#check(sub);
    if (reason !== undefined) {
      this.#refuse(reason, undefined, from, sub);
      return;
    }
    this.emit(sub.command, sub, from);
  }

  #onDatagram(msg: Buffer, rinfo: RemoteInfo): void {
    this.receive(msg, { address: rinfo.address, port: rinfo.port });
  }

  #refuse(
    reason: string,
    error: unknown,
    from: DatagramSource,
    sub: Subscription | undefined,
  ): void {
    this.emit("refused", { reason, error, from, subscription: sub });
  }

  /** undefined when the subscription may be taken; else why not. */
  #check(sub: Subscription): SubscriptionRefusal | undefined {
    const v = this.#verify;
    if (v === undefined) return undefined;
    const entry = v.keys.find(([prefix]) => sub.key.startsWith(prefix));
    if (entry === undefined) {
      if (!v.required) return undefined;
      return sub.signature === undefined ? "UNSIGNED" : "NO_PUBLIC_KEY";
    }
    if (sub.signature === undefined || sub.signedBytes === undefined || sub.unix === undefined) {
      return "UNSIGNED";
    }
    let valid = false;
    try {
      valid = verify(v.algorithm, sub.signedBytes, entry[1], sub.signature);
    } catch {
      valid = false;
    }
    if (!valid) return "BAD_SIGNATURE";
    if (Math.abs(sub.unix * 1000 - Date.now()) > v.window) return "STALE";
    const id = `${sub.key}\0${sub.address}`;
    const last = this.#lastSigned.get(id);
    if (last !== undefined && sub.unix <= last) return "REPLAYED";
    this.#lastSigned.delete(id);
    this.#lastSigned.set(id, sub.unix);
    if (this.#lastSigned.size > MAX_REMEMBERED) {
      this.#lastSigned.delete(this.#lastSigned.keys().next().value!);
    }
    return undefined;
  }
}
