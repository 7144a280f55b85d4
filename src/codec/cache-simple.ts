// The cache's simple commands (modifier1 111, modifier2 0-11; see cache.ts for the list and the
// 2.0.x quirks) and the UDP sync datagrams uWSGI's caches send each other. Kept apart from the
// magic interface: they address only uWSGI's first cache (except dump), and several answer with
// bytes that are not what the plugin's comment says. Pure: no I/O, no Node globals.

import {
  checkInteger,
  checkOneOf,
  checkOptions,
  invalidArgType,
  invalidArgValue,
} from "./arguments.js";
import { inputBytes } from "./bytes.js";
import { CACHE_MODIFIER1, CacheModifier2 } from "./cache.js";
import { HEADER_SIZE, MAX_U16 } from "./constants.js";
import type { UwsgiError } from "./errors.js";
import type { VarBytes } from "./fields.js";
import { packetMissing, waiting } from "./framed-answer.js";
import type { EncodeOptions } from "./limits.js";
import {
  type ArrayPacket,
  type BytesInput,
  decodePacket,
  encodePacket,
  type VarsPacket,
} from "./packet.js";
import { decimalField, expectModifiers, missingField } from "./packet-error.js";
import { encodeArray } from "./uwsgi-array.js";
import { decodeVars } from "./vars-decode.js";

/**
 * Bytes uWSGI 2.0 writes before the value it answers to a get (modifier2 0) or a get-stream (5):
 * meant to be a header, they are the bytes of a pointer (cache.c writes `&wsgi_req->uh`). The
 * value follows, and ends when uWSGI closes the connection.
 */
export const CACHE_GET_PREFIX_SIZE = 4;

/** A simple cache packet: what {@link encodeCachePacket} takes, by modifier2. */
export type CachePacketInit =
  | { readonly modifier2: 0 | 2 | 5; readonly key: VarBytes }
  | { readonly modifier2: 6; readonly cache?: VarBytes }
  | { readonly modifier2: 1; readonly key: VarBytes; readonly value: VarBytes }
  | { readonly modifier2: 3 | 4; readonly key: VarBytes; readonly field?: "key" | "get" }
  | {
      readonly modifier2: 10;
      readonly key: VarBytes;
      readonly value: VarBytes;
      /** Unix seconds when the item expires (uWSGI sends an absolute time); 0 = never. */
      readonly expires?: number;
    }
  | { readonly modifier2: 11; readonly key: VarBytes };

/** A decoded simple cache packet. Views point into the input. */
export interface CachePacket {
  readonly modifier2: number;
  /** The key (every command but dump). */
  readonly key: Uint8Array | undefined;
  /** The value of a set (1) or a sync set (10). */
  readonly value: Uint8Array | undefined;
  /** The cache name of a dump (6), when given. */
  readonly cache: Uint8Array | undefined;
  /** The `expires` item of a sync set, 0 when absent. */
  readonly expires: number;
  /** The var that holds the key of a dict get (3, 4): `"key"` or `"get"`. */
  readonly field: "key" | "get" | undefined;
  readonly byteLength: number;
}

/** The head of a dump answer (modifier2 7): the cache's geometry, then its raw item table. */
export type CacheDumpHead =
  | { readonly ready: false; readonly needed: number }
  | {
      readonly ready: true;
      readonly headLength: number;
      /** The cache's `items` (slots), as it reports them. */
      readonly items: number;
      /** The cache's `blocksize` in bytes. */
      readonly blocksize: number;
    };

const SIMPLE = [0, 1, 2, 3, 4, 5, 6, 10, 11] as const;

function field(name: string, value: unknown): VarBytes {
  if (typeof value !== "string" && !(value instanceof Uint8Array)) {
    throw invalidArgType(name, "a string or a Uint8Array", value);
  }
  if (value.length === 0) {
    throw invalidArgValue(name, value, "must not be empty (uWSGI ignores a packet without it)");
  }
  return value;
}

/**
 * Encodes a simple cache command as uWSGI's plugin reads it: a raw key (0, 2, 5), an optional raw
 * cache name (6), an array key/value (1), a vars block `key`/`get` (3, 4), an array
 * key/value/expires (10) or key (11). Empty keys and values are refused: uWSGI ignores them.
 */
export function encodeCachePacket(init: CachePacketInit, options?: EncodeOptions): Uint8Array {
  if (typeof init !== "object" || init === null) {
    throw invalidArgType("init", "an object like { modifier2, key }", init);
  }
  const modifier2 = init.modifier2;
  if (!(SIMPLE as readonly unknown[]).includes(modifier2)) {
    throw invalidArgValue(
      "init.modifier2",
      modifier2,
      `must be one of ${SIMPLE.join(", ")} (17 is encodeCacheRequest)`,
    );
  }
  const head = { modifier1: CACHE_MODIFIER1, modifier2 };
  switch (init.modifier2) {
    case 0:
    case 2:
    case 5: {
      checkOptions("encodeCachePacket()", init, ["modifier2", "key"]);
      return encodePacket({ ...head, payload: bytesOf(field("init.key", init.key), options) });
    }
    case 6: {
      checkOptions("encodeCachePacket()", init, ["modifier2", "cache"]);
      const name = init.cache === undefined ? new Uint8Array(0) : field("init.cache", init.cache);
      return encodePacket({ ...head, payload: bytesOf(name, options) });
    }
    case 1:
      checkOptions("encodeCachePacket()", init, ["modifier2", "key", "value"]);
      return encodePacket(
        { ...head, items: [field("init.key", init.key), field("init.value", init.value)] },
        options,
      );
    case 3:
    case 4: {
      checkOptions("encodeCachePacket()", init, ["modifier2", "key", "field"]);
      const name =
        init.field === undefined
          ? "key"
          : checkOneOf("init.field", init.field, ["key", "get"] as const);
      return encodePacket({ ...head, vars: [[name, field("init.key", init.key)]] }, options);
    }
    case 10: {
      checkOptions("encodeCachePacket()", init, ["modifier2", "key", "value", "expires"]);
      const expires = checkInteger("init.expires", init.expires ?? 0, 0, Number.MAX_SAFE_INTEGER);
      // uWSGI always sends the third item, "0" for no expiry.
      const items = [field("init.key", init.key), field("init.value", init.value), String(expires)];
      return encodePacket({ ...head, items }, options);
    }
    default:
      checkOptions("encodeCachePacket()", init, ["modifier2", "key"]);
      // uWSGI's receiver wants 4 bytes more than the key item (core/cache.c), which its own
      // sender does not write, so its deletes are dropped: an empty item makes them apply.
      return encodePacket({ ...head, items: [field("init.key", init.key), ""] }, options);
  }
}

// A raw payload from a string key: the codec's encoder makes the bytes (one item, minus its length).
function bytesOf(value: VarBytes, options: EncodeOptions | undefined): Uint8Array {
  return value instanceof Uint8Array ? value : encodeArray([value], options).subarray(2);
}

/**
 * Decodes a simple cache packet (modifier2 0-6, 10, 11; 17 is `decodeCacheRequest`). Byte errors
 * are `UwsgiError`s; another packet is `UNEXPECTED_PACKET`, a missing key `MISSING_FIELD`, a sync
 * `expires` that is not digits `INVALID_FIELD` (`field` names the item).
 */
export function decodeCachePacket(buf: BytesInput, offset = 0): CachePacket {
  const src = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, src.length);
  expectModifiers(
    src,
    offset,
    (m1, m2) => m1 === CACHE_MODIFIER1 && (SIMPLE as readonly number[]).includes(m2),
    "a simple cache command (111, 0-6, 10, 11)",
  );
  const packet = decodePacket(src, offset, {
    maxDatasize: MAX_U16,
    maxVars: Number.POSITIVE_INFINITY,
    maxItems: Number.POSITIVE_INFINITY,
  });
  const m2 = packet.modifier2;
  const start = offset + HEADER_SIZE;
  const base = { modifier2: m2, byteLength: packet.byteLength, expires: 0, field: undefined };
  const none = { key: undefined, value: undefined, cache: undefined };
  if (m2 === 6) {
    const name = packet.payload;
    return { ...base, ...none, cache: name.length === 0 ? undefined : name };
  }
  if (m2 === 0 || m2 === 2 || m2 === 5) {
    if (packet.datasize === 0) throw missingKey(start);
    return { ...base, ...none, key: packet.payload };
  }
  if (m2 === 3 || m2 === 4) {
    const vars = (packet as VarsPacket).vars;
    const which = vars.has("get") ? "get" : vars.has("key") ? "key" : undefined;
    if (which === undefined) throw missingKey(start);
    return { ...base, ...none, key: vars.getBytes(which), field: which };
  }
  const items = (packet as ArrayPacket).items;
  if (items.length === 0) throw missingKey(start);
  const key = items.getBytes(0);
  if (m2 === 11) return { ...base, ...none, key };
  if (items.length < 2) {
    throw missingField(start, "value", "a cache set without a value");
  }
  let expires = 0;
  if (m2 === 10 && items.length > 2) {
    const e = items.getBytes(2);
    const at = e.byteOffset - src.byteOffset;
    expires = decimalField(src, at, at + e.length, "expires", at);
  }
  return { ...base, key, value: items.getBytes(1), cache: undefined, expires };
}

function missingKey(offset: number): UwsgiError {
  return missingField(offset, "key", "a cache command without a key");
}

/**
 * Reads the head of a dump answer ([111, n, 7] + vars `items`, `blocksize`); the raw item table
 * after it runs to the end of the connection.
 */
export function readCacheDumpHead(buf: BytesInput, offset = 0): CacheDumpHead {
  const src = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, src.length);
  expectModifiers(
    src,
    offset,
    (m1, m2) => m1 === CACHE_MODIFIER1 && m2 === CacheModifier2.DUMP_ANSWER,
    "a cache dump answer (111, 7)",
  );
  const missing = packetMissing(src, offset);
  if (missing > 0) return waiting(missing);
  const datasize = src[offset + 1]! | (src[offset + 2]! << 8);
  const start = offset + HEADER_SIZE;
  const vars = decodeVars(src, start, start + datasize, { maxVars: Number.POSITIVE_INFINITY });
  const number = (name: string): number => {
    const v = vars.getBytes(name);
    if (v === undefined) throw missingField(start, name, `no ${name} var`);
    const at = v.byteOffset - src.byteOffset;
    return decimalField(src, at, at + v.length, name, at);
  };
  return {
    ready: true,
    headLength: HEADER_SIZE + datasize,
    items: number("items"),
    blocksize: number("blocksize"),
  };
}
