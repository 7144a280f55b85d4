import { checkInteger, checkOneOf, invalidArgType, invalidArgValue } from "../codec/arguments.js";
import {
  type CacheAnswerHead,
  type CacheAnswerReady,
  type CacheCommand,
  encodeCacheRequest,
  readCacheAnswerHead,
} from "../codec/cache.js";
import type { VarBytes } from "../codec/fields.js";
import type { UwsgiAddress } from "./address.js";
import { UwsgiClientError } from "./errors.js";
import { FramedAnswerReader } from "./framed-answer-reader.js";
import { exchangePacket, type PacketCallOptions, resolveCall } from "./packet-exchange.js";

/** Where uWSGI's cache is, which one, and how to talk to it. */
export interface CacheAddress extends UwsgiAddress, PacketCallOptions {
  /** The cache's name (`--cache2 name=...`). Defaults to uWSGI's first cache. */
  readonly cache?: string;
  /** How string keys and values become bytes. Defaults to `"latin1"` (one byte per char). */
  readonly encoding?: "latin1" | "utf8";
  /** Largest value accepted from uWSGI, in bytes (`BODY_TOO_LARGE` above). Defaults to 64 MiB. */
  readonly maxValueSize?: number;
}

/** Options of {@link UwsgiCache.set} and {@link UwsgiCache.update}. */
export interface CacheSetOptions extends PacketCallOptions {
  /** Seconds until uWSGI drops the item; 0 (the default) = never. */
  readonly expires?: number;
}

/** An item and when it expires. */
export interface CacheEntry {
  readonly value: Buffer;
  /** Unix seconds when uWSGI drops the item, or 0 for never. */
  readonly expires: number;
}

const CACHE_KEYS: readonly string[] = ["cache", "encoding", "maxValueSize"];
const DEFAULT_MAX_VALUE = 64 * 1024 * 1024;

/**
 * uWSGI's cache, reached over its socket with the cache plugin's "magic" interface (modifier1 111,
 * modifier2 17), the one that names a cache and works for every command in uWSGI 2.0. Each call
 * is one connection. What another process stores with `uwsgi.cache_set` is read here, and the
 * other way round.
 *
 * uWSGI answers success only; a miss and a failure both close the connection without a byte. So
 * `get` resolves undefined and `set`, `update`, `delete`, `clear` resolve false for either: a
 * missing key, a missing cache, a `set` of a key that exists (use `update`), an empty value or
 * one over the cache's item size. Failures to talk at all reject with `UwsgiClientError`.
 */
export class UwsgiCache {
  readonly #address: CacheAddress;
  readonly #cache: string | undefined;
  readonly #encoding: "latin1" | "utf8";
  readonly #max: number;

  constructor(address: CacheAddress) {
    resolveCall("UwsgiCache", address, undefined, CACHE_KEYS);
    if (
      address.cache !== undefined &&
      (typeof address.cache !== "string" || address.cache === "")
    ) {
      throw invalidArgValue("address.cache", address.cache, "must be a non-empty string");
    }
    this.#address = address;
    this.#cache = address.cache;
    this.#encoding =
      address.encoding === undefined
        ? "latin1"
        : checkOneOf("address.encoding", address.encoding, ["latin1", "utf8"] as const);
    this.#max =
      address.maxValueSize === undefined
        ? DEFAULT_MAX_VALUE
        : checkInteger("address.maxValueSize", address.maxValueSize, 0, Number.MAX_SAFE_INTEGER);
  }

  /** The value of `key`, or undefined when uWSGI has none. */
  async get(key: VarBytes, options?: PacketCallOptions): Promise<Buffer | undefined> {
    return (await this.entry(key, options))?.value;
  }

  /** The value of `key` and when it expires, or undefined. */
  entry(key: VarBytes, options?: PacketCallOptions): Promise<CacheEntry | undefined> {
    return this.#run("get", key, undefined, undefined, options, (head, value) =>
      head === undefined ? undefined : { value: value!, expires: head.expires },
    );
  }

  /** True when uWSGI has `key`. */
  has(key: VarBytes, options?: PacketCallOptions): Promise<boolean> {
    return this.#run("exists", key, undefined, undefined, options, found);
  }

  /**
   * Stores `value` under `key` if the key is not there yet (uWSGI keeps an existing item: use
   * {@link update} to replace it). Resolves true when stored.
   */
  set(key: VarBytes, value: VarBytes, options?: CacheSetOptions): Promise<boolean> {
    return this.#store("set", key, value, options);
  }

  /** Stores `value` under `key`, replacing what is there. Resolves true when stored. */
  update(key: VarBytes, value: VarBytes, options?: CacheSetOptions): Promise<boolean> {
    return this.#store("update", key, value, options);
  }

  /** Removes `key`; resolves true when it was there. */
  delete(key: VarBytes, options?: PacketCallOptions): Promise<boolean> {
    return this.#run("delete", key, undefined, undefined, options, found);
  }

  /** Removes every item of the cache. */
  clear(options?: PacketCallOptions): Promise<boolean> {
    return this.#run("clear", undefined, undefined, undefined, options, found);
  }

  // async (here and in #run): an argument error rejects, as the exchange's errors do.
  async #store(
    command: "set" | "update",
    key: VarBytes,
    value: VarBytes,
    options: CacheSetOptions | undefined,
  ): Promise<boolean> {
    const bytes = this.#valueBytes(value);
    const expires =
      options?.expires === undefined
        ? undefined
        : checkInteger("options.expires", options.expires, 0, Number.MAX_SAFE_INTEGER);
    return this.#run(command, key, bytes, expires, options, found, ["expires"]);
  }

  #valueBytes(value: unknown): Uint8Array {
    if (value instanceof Uint8Array) return value;
    if (typeof value !== "string") throw invalidArgType("value", "a string or a Uint8Array", value);
    if (this.#encoding === "utf8") {
      if (!value.isWellFormed()) {
        throw invalidArgValue("value", value, "has a lone surrogate, which UTF-8 cannot hold");
      }
      return Buffer.from(value, "utf8");
    }
    for (let i = 0; i < value.length; i++) {
      if (value.charCodeAt(i) > 0xff) {
        throw invalidArgValue(
          "value",
          value,
          `has a char above U+00FF at ${i}: latin1 cannot hold it`,
        );
      }
    }
    return Buffer.from(value, "latin1");
  }

  async #run<T>(
    command: CacheCommand,
    key: VarBytes | undefined,
    value: Uint8Array | undefined,
    expires: number | undefined,
    options: PacketCallOptions | undefined,
    result: (head: CacheAnswerReady | undefined, value: Buffer | undefined) => T,
    extraKeys: readonly string[] = [],
  ): Promise<T> {
    const call = resolveCall(`cache.${command}()`, { ...this.#address, ...options }, undefined, [
      ...CACHE_KEYS,
      ...extraKeys,
    ]);
    const packet = encodeCacheRequest(
      {
        command,
        ...(key === undefined ? {} : { key }),
        ...(this.#cache === undefined ? {} : { cache: this.#cache }),
        ...(value === undefined ? {} : { value }),
        ...(expires === undefined ? {} : { expires }),
      },
      { encoding: this.#encoding },
    );
    const reader = new MagicAnswer(this.#max, result);
    return exchangePacket(call, [packet], reader, `cache ${command} answer`);
  }
}

function found(head: CacheAnswerReady | undefined): boolean {
  return head !== undefined && head.status === "ok";
}

/** A magic answer: the head, then `size` bytes of value; a close before any byte is a miss. */
class MagicAnswer<T> extends FramedAnswerReader<CacheAnswerReady, T> {
  readonly #result: (head: CacheAnswerReady | undefined, value: Buffer | undefined) => T;

  constructor(max: number, result: (h: CacheAnswerReady | undefined, v: Buffer | undefined) => T) {
    super(max, "a cache answer");
    this.#result = result;
  }

  protected readHead(bytes: Buffer): CacheAnswerHead {
    return readCacheAnswerHead(bytes);
  }

  protected tooLarge(size: number, max: number): UwsgiClientError {
    return new UwsgiClientError(
      "BODY_TOO_LARGE",
      `the cached value is ${size} bytes, over maxValueSize ${max}`,
    );
  }

  protected result(head: CacheAnswerReady, value: Buffer): T {
    return this.#result(head, value);
  }

  protected closedEmpty(): T {
    return this.#result(undefined, undefined);
  }
}
