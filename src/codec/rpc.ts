// uWSGI's RPC packets (modifier1 173; plugins/rpc/rpc_plugin.c serves them, core/rpc.c
// `uwsgi_do_rpc` is uWSGI's own client). A call is a uwsgi array: the function name, then up to
// 254 arguments. The answer depends on the call's modifier2: 0 asks for a framed result
// ([173, length, 0] + result, or, over 65535 bytes, [173, n, 5] + vars {CONTENT_LENGTH} + result),
// 1 for the result bytes alone. uWSGI skips zero-length items, and a zero-length LAST item makes
// it refuse the whole call (core/protocol.c `uwsgi_parse_array`), so the encoder refuses empty
// arguments instead of sending what uWSGI would misread. Pure: no I/O, no Node globals.

import { checkInteger, checkOptions, invalidArgType, invalidArgValue } from "./arguments.js";
import { allocBytes, copyBytes, inputBytes, writeLatin1 } from "./bytes.js";
import { HEADER_SIZE, MAX_U16 } from "./constants.js";
import { truncated } from "./errors.js";
import type { VarBytes } from "./fields.js";
import { type FramedAnswerHead, packetMissing, waiting } from "./framed-answer.js";
import type { EncodeOptions } from "./limits.js";
import { type ArrayPacket, type BytesInput, decodePacket, encodePacket } from "./packet.js";
import {
  decimalField,
  expectModifiers,
  invalidField,
  missingField,
  unexpectedPacket,
} from "./packet-error.js";
import type { TextEncodingName } from "./text.js";
import { decodeVars } from "./vars-decode.js";

/** modifier1 of RPC calls and of their framed answers. */
export const RPC_MODIFIER1 = 173;

/** What an RPC packet's modifier2 says. */
export const RpcModifier2 = {
  /** A call answered `[173, length, 0]` + result; over 65535 bytes, the `LARGE_ANSWER` form. */
  FRAMED: 0,
  /** A call answered with the result bytes alone; the connection's close ends them. */
  RAW: 1,
  /** A normal request whose PATH_INFO is `/name/arg/arg`, answered with HTTP (not this codec). */
  PATH_INFO: 2,
  /** An XML-RPC request body, answered with HTTP (uWSGI 2.0.x always 500s: it never reads its length). */
  XML_RPC: 3,
  /** A framed answer over 65535 bytes: vars `{CONTENT_LENGTH: n}`, then n bytes of result. */
  LARGE_ANSWER: 5,
} as const;

/** Most arguments of one call: uWSGI reads 255 items, the function name and 254 arguments. */
export const MAX_RPC_ARGS = 254;
/** Longest function name uWSGI registers, in bytes. */
export const MAX_RPC_NAME_LENGTH = 255;

/** Options of {@link encodeRpcCall}. */
export interface RpcCallOptions extends EncodeOptions {
  /** `RpcModifier2.FRAMED` (0, the default, what uWSGI's client sends) or `RpcModifier2.RAW` (1). */
  readonly modifier2?: 0 | 1;
}

/** A decoded RPC call. Views point into the input. */
export interface RpcCall {
  /** 0 (framed answer wanted) or 1 (raw answer wanted), or another value uWSGI answers raw. */
  readonly modifier2: number;
  /** The function name (latin1 unless the decode asked for utf8). */
  readonly name: string;
  /** The arguments as views of the input, in order, as sent (empty ones included). */
  readonly args: readonly Uint8Array[];
  /** Bytes the call takes in the input: 4 + datasize. */
  readonly byteLength: number;
}

/** A decoded framed RPC answer. */
export interface RpcAnswer {
  /** 0 for a result in the packet, 5 for a result after a CONTENT_LENGTH head. */
  readonly modifier2: number;
  /** The result, a view of the input. */
  readonly result: Uint8Array;
  /** Bytes the answer takes in the input. */
  readonly byteLength: number;
}

function isEmpty(field: unknown): boolean {
  return field === "" || (field instanceof Uint8Array && field.length === 0);
}

/**
 * Encodes a call of `name` with `args` (strings or bytes) as uWSGI's client does: modifier1 173,
 * the items as a uwsgi array. Refuses, as argument errors, an empty name or a name over 255
 * bytes, an empty argument (uWSGI would drop it, or refuse the call if it is the last) and more
 * than 254 arguments; over 65535 bytes in all is `PACKET_TOO_LARGE`.
 */
export function encodeRpcCall(
  name: VarBytes,
  args: readonly VarBytes[] = [],
  options?: RpcCallOptions,
): Uint8Array {
  if (typeof name !== "string" && !(name instanceof Uint8Array)) {
    throw invalidArgType("name", "a string or a Uint8Array", name);
  }
  if (isEmpty(name)) throw invalidArgValue("name", name, "must not be empty");
  if (!Array.isArray(args)) throw invalidArgType("args", "an array", args);
  if (args.length > MAX_RPC_ARGS) {
    throw invalidArgValue(
      "args",
      `${args.length} arguments`,
      `must hold at most ${MAX_RPC_ARGS} (uWSGI reads a name and 254 arguments)`,
    );
  }
  for (let i = 0; i < args.length; i++) {
    if (isEmpty(args[i])) {
      throw invalidArgValue(
        `args[${i}]`,
        args[i],
        "must not be empty: uWSGI drops empty arguments, and refuses a call whose last one is",
      );
    }
  }
  let modifier2: number = RpcModifier2.FRAMED;
  let encoding: TextEncodingName | undefined;
  if (options !== undefined) {
    checkOptions("encodeRpcCall()", options, ["modifier2", "encoding"]);
    if (options.modifier2 !== undefined)
      modifier2 = checkInteger("options.modifier2", options.modifier2, 0, 1);
    encoding = options.encoding;
  }
  const packet = encodePacket(
    { modifier1: RPC_MODIFIER1, modifier2, items: [name, ...args] },
    encoding === undefined ? undefined : { encoding },
  );
  const nameLength = packet[HEADER_SIZE]! | (packet[HEADER_SIZE + 1]! << 8);
  if (nameLength > MAX_RPC_NAME_LENGTH) {
    throw invalidArgValue(
      "name",
      `${nameLength} bytes`,
      `must be at most ${MAX_RPC_NAME_LENGTH} bytes (uWSGI registers no longer name)`,
    );
  }
  return packet;
}

/** Options of {@link decodeRpcCall}. */
export interface RpcDecodeOptions {
  /** How the function name becomes a string. Defaults to `"latin1"`. */
  readonly encoding?: TextEncodingName;
}

/**
 * Decodes the RPC call at `offset` of `buf`. Byte errors are `UwsgiError`s (`TRUNCATED`,
 * `ITEM_OVERRUNS_DATASIZE`, `TRAILING_BYTES`, `TOO_MANY_VARS` over 255 items); a packet that is
 * not an array call (modifier1 other than 173, modifier2 2 or 3) is `UNEXPECTED_PACKET`, a call
 * without items `MISSING_FIELD` and an empty function name `INVALID_FIELD` (`field` "name").
 */
export function decodeRpcCall(buf: BytesInput, offset = 0, options?: RpcDecodeOptions): RpcCall {
  const src = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, src.length);
  if (options !== undefined) checkOptions("decodeRpcCall()", options, ["encoding"]);
  expectModifiers(
    src,
    offset,
    (m1, m2) =>
      m1 === RPC_MODIFIER1 && m2 !== RpcModifier2.PATH_INFO && m2 !== RpcModifier2.XML_RPC,
    "an RPC call (173, 0 or 1)",
  );
  const packet = decodePacket(src, offset, {
    maxDatasize: MAX_U16,
    payload: "array",
    encoding: options?.encoding ?? "latin1",
  }) as ArrayPacket;
  const items = packet.items;
  if (items.length === 0) {
    throw missingField(offset, "name", "the call has no function name");
  }
  if (items.getBytes(0).length === 0) {
    throw invalidField(
      offset + HEADER_SIZE,
      "name",
      "a function name of 1 byte or more",
      "the function name is empty (uWSGI would take the next item as the name)",
    );
  }
  const args: Uint8Array[] = [];
  for (let i = 1; i < items.length; i++) args.push(items.getBytes(i));
  return { modifier2: packet.modifier2, name: items.get(0), args, byteLength: packet.byteLength };
}

const CONTENT_LENGTH = "CONTENT_LENGTH";

/**
 * The head uWSGI writes before a framed result of `resultLength` bytes: `[173, length, 0]` up to
 * 65535 bytes, else `[173, n, 5]` and the vars `{CONTENT_LENGTH: "<length>"}` (n = their size).
 * Write the result after it (two writes under `cork()`, or {@link encodeRpcAnswer}).
 */
export function encodeRpcAnswerHead(resultLength: number): Uint8Array {
  checkInteger("resultLength", resultLength, 0, Number.MAX_SAFE_INTEGER);
  if (resultLength <= MAX_U16) {
    const head = allocBytes(HEADER_SIZE);
    head[0] = RPC_MODIFIER1;
    head[1] = resultLength & 0xff;
    head[2] = resultLength >>> 8;
    head[3] = RpcModifier2.FRAMED;
    return head;
  }
  const digits = String(resultLength);
  const datasize = 2 + CONTENT_LENGTH.length + 2 + digits.length;
  const head = allocBytes(HEADER_SIZE + datasize);
  head[0] = RPC_MODIFIER1;
  head[1] = datasize;
  head[2] = 0;
  head[3] = RpcModifier2.LARGE_ANSWER;
  let p = HEADER_SIZE;
  head[p++] = CONTENT_LENGTH.length;
  head[p++] = 0;
  writeLatin1(head, CONTENT_LENGTH, p);
  p += CONTENT_LENGTH.length;
  head[p++] = digits.length;
  head[p++] = 0;
  writeLatin1(head, digits, p);
  return head;
}

/** A framed answer carrying `result`, head and result in one buffer (one allocation). */
export function encodeRpcAnswer(result: Uint8Array): Uint8Array {
  if (!(result instanceof Uint8Array)) throw invalidArgType("result", "a Uint8Array", result);
  const head = encodeRpcAnswerHead(result.length);
  const out = allocBytes(head.length + result.length);
  copyBytes(head, 0, head.length, out, 0);
  copyBytes(result, 0, result.length, out, head.length);
  return out;
}

/**
 * Reads the head of a framed RPC answer at `offset`: `{ ready: false, needed }` until the header
 * (and, for modifier2 5, its vars) are all there; then where the result starts and how long it
 * is. An answer that is not framed (modifier2 other than 0 and 5) is `UNEXPECTED_PACKET`; a
 * modifier2 5 head without a CONTENT_LENGTH of plain digits `MISSING_FIELD`/`INVALID_FIELD`.
 * uWSGI's client does not check modifier1; neither does this (uWSGI always sends 173).
 */
export function readRpcAnswerHead(buf: BytesInput, offset = 0): FramedAnswerHead {
  const src = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, src.length);
  const avail = src.length - offset;
  if (avail < HEADER_SIZE) return waiting(HEADER_SIZE - avail);
  const modifier1 = src[offset]!;
  const datasize = src[offset + 1]! | (src[offset + 2]! << 8);
  const modifier2 = src[offset + 3]!;
  if (modifier2 === RpcModifier2.FRAMED) {
    return {
      ready: true,
      modifier1,
      modifier2,
      headLength: HEADER_SIZE,
      contentLength: datasize,
      vars: undefined,
    };
  }
  if (modifier2 !== RpcModifier2.LARGE_ANSWER) {
    throw unexpectedPacket(offset, modifier1, modifier2, "a framed RPC answer (modifier2 0 or 5)");
  }
  const missing = packetMissing(src, offset);
  if (missing > 0) return waiting(missing);
  const start = offset + HEADER_SIZE;
  const vars = decodeVars(src, start, start + datasize, { maxVars: Number.POSITIVE_INFINITY });
  const value = vars.getBytes(CONTENT_LENGTH);
  if (value === undefined) {
    throw missingField(start, CONTENT_LENGTH, "a modifier2 5 answer without CONTENT_LENGTH");
  }
  const at = value.byteOffset - src.byteOffset;
  const contentLength = decimalField(src, at, at + value.length, CONTENT_LENGTH, at);
  return {
    ready: true,
    modifier1,
    modifier2,
    headLength: HEADER_SIZE + datasize,
    contentLength,
    vars,
  };
}

/**
 * Decodes a whole framed RPC answer at `offset` (see {@link readRpcAnswerHead}); `TRUNCATED`
 * (with `needed`) when `buf` ends before the result does.
 */
export function decodeRpcAnswer(buf: BytesInput, offset = 0): RpcAnswer {
  const src = inputBytes("buf", buf);
  const head = readRpcAnswerHead(src, offset);
  if (!head.ready) throw truncated(offset, head.needed, "RPC answer head");
  const start = offset + head.headLength;
  const end = start + head.contentLength;
  if (end > src.length)
    throw truncated(offset, end - src.length, `RPC answer of ${end - offset} bytes`);
  return { modifier2: head.modifier2, result: src.subarray(start, end), byteLength: end - offset };
}
