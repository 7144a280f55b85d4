// uWSGI's cache packets (modifier1 111; plugins/cache/cache.c serves them, core/cache.c has the
// "magic" client and the UDP sync). modifier2 is the command:
//   0 get (raw key)           answer meant as [111, len, 0] + value; 2.0.x sends 4 bytes of a
//                             pointer instead of that header, then the value (a miss: closed)
//   1 set (array key, value)  no answer; the first cache only, an existing key is kept
//   2 del (raw key)           no answer
//   3/4 dict get (vars key=K or get=K)  broken in 2.0.x: `key` never answers, `get` always 404s
//   5 get-stream (raw key)    like 0 (4 pointer bytes, then the value); a miss sends the 4 bytes
//   6 dump (optional name)    [111, n, 7] + vars {items, blocksize} + the raw item table
//   10/11 UDP sync set/delete (array key, value, expires / key), datasize must be exact; the
//                             receiver drops a delete unless 4 bytes follow the key's length
//                             field, which uWSGI's own sender never writes
//   17 "magic" (vars cmd, key, size, expires, cache; for set/update the value follows)
//                             answer [111, n, 17] + vars {status: ok, [size], [expires]} + value;
//                             a miss or a failure closes the connection without a byte
// Pure: no I/O, no Node globals.

import { checkInteger, checkOneOf, checkOptions, invalidArgType } from "./arguments.js";
import { allocBytes, copyBytes, inputBytes } from "./bytes.js";
import { HEADER_SIZE, MAX_U16 } from "./constants.js";
import { truncated } from "./errors.js";
import type { VarBytes } from "./fields.js";
import {
  type FramedAnswerReady,
  type FramedAnswerWaiting,
  packetMissing,
  waiting,
} from "./framed-answer.js";
import type { EncodeOptions } from "./limits.js";
import { type BytesInput, decodePacket, encodePacket, type VarsPacket } from "./packet.js";
import { decimalField, expectModifiers, invalidField, missingField } from "./packet-error.js";
import { decodeVars } from "./vars-decode.js";
import type { VarsView } from "./vars-view.js";

/** modifier1 of cache requests and of their framed answers. */
export const CACHE_MODIFIER1 = 111;

/** The cache commands, by modifier2. */
export const CacheModifier2 = {
  GET: 0,
  SET: 1,
  DELETE: 2,
  DICT_GET: 3,
  DICT_GET_OR_404: 4,
  GET_STREAM: 5,
  DUMP: 6,
  /** The answer to a dump. */
  DUMP_ANSWER: 7,
  SYNC_SET: 10,
  SYNC_DELETE: 11,
  /** The "magic" interface: a vars block names the command, key and cache. */
  MAGIC: 17,
} as const;

/** What a magic request (modifier2 17) asks. */
export type CacheCommand = "get" | "set" | "update" | "delete" | "exists" | "clear";

const COMMANDS: readonly CacheCommand[] = ["get", "set", "update", "delete", "exists", "clear"];
/** uWSGI's spelling on the wire: `del` for delete. */
const WIRE: Readonly<Record<CacheCommand, string>> = {
  get: "get",
  set: "set",
  update: "update",
  delete: "del",
  exists: "exists",
  clear: "clear",
};

/** A magic request (modifier2 17): what {@link encodeCacheRequest} takes. */
export interface CacheRequestInit {
  readonly command: CacheCommand;
  /** The item's key; every command but `clear` needs one. */
  readonly key?: VarBytes;
  /** The cache's name; without one, uWSGI uses its first cache. */
  readonly cache?: VarBytes;
  /**
   * For set and update: the value, appended after the packet (its length becomes `size`).
   * uWSGI refuses an empty value.
   */
  readonly value?: Uint8Array;
  /** For set and update: seconds until the item expires; 0 or none = never. */
  readonly expires?: number;
}

/** A decoded magic request. Views point into the input. */
export interface CacheRequest {
  readonly command: CacheCommand;
  readonly key: Uint8Array | undefined;
  readonly cache: Uint8Array | undefined;
  /** Bytes of value that follow the packet (set/update), else 0. */
  readonly size: number;
  /** Seconds, 0 when absent. */
  readonly expires: number;
  /** Every var of the request. */
  readonly vars: VarsView;
  /** Bytes of the packet (the value after it not counted). */
  readonly byteLength: number;
}

/** The head of a magic answer: a framed answer head with the cache's own fields. */
export type CacheAnswerHead = FramedAnswerWaiting | CacheAnswerReady;

/** A magic answer's head, read; `contentLength` is the value's length (0 without a value). */
export interface CacheAnswerReady extends FramedAnswerReady {
  /** `"ok"` is all uWSGI 2.0 sends (a miss or a failure closes the connection instead). */
  readonly status: string;
  /** When the item expires, in unix seconds (uWSGI sends an absolute time), or 0. */
  readonly expires: number;
}

/** A whole decoded magic answer. */
export interface CacheAnswer {
  readonly status: string;
  /** The value (a view of the input), or undefined when the answer carries none. */
  readonly value: Uint8Array | undefined;
  readonly expires: number;
  readonly byteLength: number;
}

function checkKey(name: string, key: unknown): VarBytes {
  if (typeof key !== "string" && !(key instanceof Uint8Array)) {
    throw invalidArgType(name, "a string or a Uint8Array", key);
  }
  return key;
}

/**
 * Encodes a magic request (modifier2 17), the one interface of uWSGI 2.0's cache that names a
 * cache and works for every command: vars `cmd`, `key`, `size`, `expires`, `cache`, in uWSGI's
 * order, then, for set and update, the value. One buffer, sized first.
 */
export function encodeCacheRequest(init: CacheRequestInit, options?: EncodeOptions): Uint8Array {
  if (typeof init !== "object" || init === null) {
    throw invalidArgType("init", "an object like { command, key }", init);
  }
  checkOptions("encodeCacheRequest()", init, ["command", "key", "cache", "value", "expires"]);
  const command = checkOneOf("init.command", init.command, COMMANDS);
  const vars: [string, VarBytes][] = [["cmd", WIRE[command]]];
  if (init.key !== undefined) vars.push(["key", checkKey("init.key", init.key)]);
  else if (command !== "clear")
    throw invalidArgType("init.key", "a string or a Uint8Array", undefined);
  const storing = command === "set" || command === "update";
  let value: Uint8Array | undefined;
  if (init.value !== undefined) {
    if (!storing) {
      throw invalidArgType("init.value", `undefined for the "${command}" command`, init.value);
    }
    if (!(init.value instanceof Uint8Array)) {
      throw invalidArgType("init.value", "a Uint8Array", init.value);
    }
    value = init.value;
  } else if (storing) {
    throw invalidArgType("init.value", "a Uint8Array", undefined);
  }
  if (value !== undefined) vars.push(["size", String(value.length)]);
  if (init.expires !== undefined) {
    if (!storing) {
      throw invalidArgType("init.expires", `undefined for the "${command}" command`, init.expires);
    }
    const expires = checkInteger("init.expires", init.expires, 0, Number.MAX_SAFE_INTEGER);
    if (expires > 0) vars.push(["expires", String(expires)]);
  }
  if (init.cache !== undefined) vars.push(["cache", checkKey("init.cache", init.cache)]);
  const packet = encodePacket(
    { modifier1: CACHE_MODIFIER1, modifier2: CacheModifier2.MAGIC, vars },
    options,
  );
  if (value === undefined || value.length === 0) return packet;
  const out = allocBytes(packet.length + value.length);
  copyBytes(packet, 0, packet.length, out, 0);
  copyBytes(value, 0, value.length, out, packet.length);
  return out;
}

/** Decodes a magic request (the value of a set/update follows it: `size` bytes at `byteLength`). */
export function decodeCacheRequest(buf: BytesInput, offset = 0): CacheRequest {
  const src = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, src.length);
  expectModifiers(src, offset, isMagic, "a cache request (111, 17)");
  const packet = decodePacket(src, offset, {
    maxDatasize: MAX_U16,
    maxVars: Number.POSITIVE_INFINITY,
    payload: "vars",
  }) as VarsPacket;
  const vars = packet.vars;
  const cmd = vars.get("cmd");
  if (cmd === undefined) {
    throw missingField(offset + HEADER_SIZE, "cmd", "no cmd var");
  }
  const command = cmd === "del" ? "delete" : COMMANDS.find((c) => c === cmd && c !== "delete");
  if (command === undefined) {
    throw invalidField(
      valueOffset(src, vars.getBytes("cmd")!),
      "cmd",
      "cmd get, set, update, del, exists or clear",
      `cmd "${cmd.slice(0, 32)}" is not get, set, update, del, exists or clear`,
    );
  }
  return {
    command,
    key: vars.getBytes("key"),
    cache: vars.getBytes("cache"),
    size: numberVar(src, vars, "size"),
    expires: numberVar(src, vars, "expires"),
    vars,
    byteLength: packet.byteLength,
  };
}

function isMagic(modifier1: number, modifier2: number): boolean {
  return modifier1 === CACHE_MODIFIER1 && modifier2 === CacheModifier2.MAGIC;
}

function valueOffset(src: Uint8Array, view: Uint8Array): number {
  return view.byteOffset - src.byteOffset;
}

function numberVar(src: Uint8Array, vars: VarsView, name: string): number {
  const value = vars.getBytes(name);
  if (value === undefined) return 0;
  const at = valueOffset(src, value);
  return decimalField(src, at, at + value.length, name, at);
}

/**
 * Reads the head of a magic answer at `offset`: `{ ready: false, needed }` until the header and
 * its vars are there; then the status, the value's length (`contentLength`, from `size`) and
 * `expires`. A packet other than [111, n, 17] is `UNEXPECTED_PACKET`; no `status` var
 * `MISSING_FIELD`; a `size` or `expires` that is not plain digits `INVALID_FIELD`.
 */
export function readCacheAnswerHead(buf: BytesInput, offset = 0): CacheAnswerHead {
  const src = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, src.length);
  expectModifiers(src, offset, isMagic, "a cache answer (111, 17)");
  const missing = packetMissing(src, offset);
  if (missing > 0) return waiting(missing);
  const datasize = src[offset + 1]! | (src[offset + 2]! << 8);
  const start = offset + HEADER_SIZE;
  const vars = decodeVars(src, start, start + datasize, { maxVars: Number.POSITIVE_INFINITY });
  const status = vars.get("status");
  if (status === undefined) {
    throw missingField(start, "status", "a cache answer without status");
  }
  return {
    ready: true,
    modifier1: CACHE_MODIFIER1,
    modifier2: CacheModifier2.MAGIC,
    headLength: HEADER_SIZE + datasize,
    contentLength: numberVar(src, vars, "size"),
    vars,
    status,
    expires: numberVar(src, vars, "expires"),
  };
}

/** Decodes a whole magic answer; `TRUNCATED` (with `needed`) when the value is cut short. */
export function decodeCacheAnswer(buf: BytesInput, offset = 0): CacheAnswer {
  const src = inputBytes("buf", buf);
  const head = readCacheAnswerHead(src, offset);
  if (!head.ready) throw truncated(offset, head.needed, "cache answer head");
  const start = offset + head.headLength;
  const end = start + head.contentLength;
  if (end > src.length) {
    throw truncated(offset, end - src.length, `cache answer of ${end - offset} bytes`);
  }
  const sized = head.vars!.has("size");
  return {
    status: head.status,
    value: sized ? src.subarray(start, end) : undefined,
    expires: head.expires,
    byteLength: end - offset,
  };
}

/** What {@link encodeCacheAnswer} takes: what uWSGI's cache answers to a magic request. */
export interface CacheAnswerInit {
  /** Defaults to `"ok"`, the only status uWSGI 2.0 sends. */
  readonly status?: string;
  /** The value (a get's answer), sent as `size` and the bytes after the packet. */
  readonly value?: Uint8Array;
  /** Unix seconds when the item expires (a get's answer); 0 or none = not sent. */
  readonly expires?: number;
}

/** Encodes a magic answer as uWSGI's cache writes it: [111, n, 17] + vars + value. */
export function encodeCacheAnswer(init: CacheAnswerInit = {}): Uint8Array {
  checkOptions("encodeCacheAnswer()", init, ["status", "value", "expires"]);
  const vars: [string, VarBytes][] = [["status", init.status ?? "ok"]];
  const value = init.value;
  if (value !== undefined) {
    if (!(value instanceof Uint8Array)) throw invalidArgType("init.value", "a Uint8Array", value);
    vars.push(["size", String(value.length)]);
  }
  if (init.expires !== undefined) {
    const expires = checkInteger("init.expires", init.expires, 0, Number.MAX_SAFE_INTEGER);
    if (expires > 0) vars.push(["expires", String(expires)]);
  }
  const packet = encodePacket({
    modifier1: CACHE_MODIFIER1,
    modifier2: CacheModifier2.MAGIC,
    vars,
  });
  if (value === undefined || value.length === 0) return packet;
  const out = allocBytes(packet.length + value.length);
  copyBytes(packet, 0, packet.length, out, 0);
  copyBytes(value, 0, value.length, out, packet.length);
  return out;
}
