import type { Readable } from "node:stream";
import { invalidArgType, invalidArgValue } from "../codec/arguments.js";
import { HEADER_SIZE } from "../codec/constants.js";
import { contentLengthOf } from "../codec/content-length.js";
import type { VarBytes } from "../codec/fields.js";
import { checkDatasize } from "../codec/fields.js";
import { writeHeader } from "../codec/header.js";
import type { EncodeOptions } from "../codec/limits.js";
import { encodePacket } from "../codec/packet.js";
import { encodeVars, type VarsInput } from "../codec/vars-encode.js";
import { VarsView } from "../codec/vars-view.js";
import { UwsgiClientError } from "./errors.js";

/**
 * A request body: bytes (a string is sent as UTF-8), or a stream of byte chunks. A stream's
 * length must be known, from CONTENT_LENGTH in the vars or the `contentLength` option, unless it
 * is sent `chunked`.
 */
export type RequestBody = Uint8Array | string | Readable | AsyncIterable<Uint8Array | string>;

/** The packet to write and how the body follows it. */
export interface RequestPlan {
  readonly packet: Uint8Array;
  /** The body as bytes, when it was given as bytes. */
  readonly bytes: Uint8Array | undefined;
  /** The body as a stream, when it was given as one. */
  readonly stream: AsyncIterable<Uint8Array | string> | undefined;
  /** Body bytes CONTENT_LENGTH announces (-1 when the body is chunked). */
  readonly length: number;
  /** The body goes out in chunked framing (HTTP_TRANSFER_ENCODING: chunked, no CONTENT_LENGTH). */
  readonly chunked: boolean;
  /** REQUEST_METHOD from the vars ("" when absent): a HEAD answer has no body. */
  readonly method: string;
}

const CONTENT_LENGTH = "CONTENT_LENGTH";
const TRANSFER_ENCODING = "HTTP_TRANSFER_ENCODING";

function asString(v: VarBytes): string {
  return typeof v === "string"
    ? v
    : Buffer.from(v.buffer, v.byteOffset, v.length).toString("latin1");
}

type Vars = VarsInput | VarsView;

/** Reads a one-shot iterable once, so the vars can be searched, then encoded. */
function normalize(vars: Vars | undefined): Vars | undefined {
  if (
    vars === undefined ||
    vars instanceof VarsView ||
    vars instanceof Map ||
    Array.isArray(vars)
  ) {
    return vars;
  }
  if (typeof (vars as Iterable<unknown>)[Symbol.iterator] === "function") {
    return Array.from(vars as Iterable<readonly [VarBytes, VarBytes]>);
  }
  return vars;
}

/** The value of the last var named `key` (as uWSGI's environ keeps it), or undefined. */
function lookup(vars: Vars | undefined, key: string): string | undefined {
  if (vars === undefined) return undefined;
  if (vars instanceof VarsView) return vars.get(key);
  if (vars instanceof Map) {
    const v = (vars as ReadonlyMap<VarBytes, VarBytes>).get(key);
    return v === undefined ? undefined : asString(v);
  }
  if (Array.isArray(vars)) {
    let found: string | undefined;
    for (const pair of vars as readonly (readonly [VarBytes, VarBytes])[]) {
      if (Array.isArray(pair) && asString(pair[0]) === key) found = asString(pair[1]);
    }
    return found;
  }
  const object = vars as { readonly [key: string]: VarBytes };
  const v = Object.hasOwn(object, key) ? object[key] : undefined;
  return v === undefined ? undefined : asString(v);
}

function isStream(body: unknown): body is AsyncIterable<Uint8Array | string> {
  return (
    typeof body === "object" &&
    body !== null &&
    typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function"
  );
}

function mismatch(declared: number, actual: number, what: string): UwsgiClientError {
  return new UwsgiClientError(
    "BODY_LENGTH_MISMATCH",
    `CONTENT_LENGTH says ${declared} bytes but ${what} ${actual}`,
  );
}

/** Encodes the vars with one more var appended (a view's bytes are reused as they are). */
function encodeWith(
  vars: Vars | undefined,
  extra: readonly [string, string] | undefined,
  modifier1: number,
  modifier2: number,
  options: EncodeOptions,
): Uint8Array {
  if (vars instanceof VarsView) {
    const tail = extra === undefined ? undefined : encodeVars([extra], options);
    const size = vars.byteLength + (tail === undefined ? 0 : tail.length);
    checkDatasize(size, HEADER_SIZE, "the vars block");
    const packet = Buffer.allocUnsafe(HEADER_SIZE + size);
    writeHeader(packet, 0, { modifier1, datasize: size, modifier2 });
    packet.set(vars.raw, HEADER_SIZE);
    if (tail !== undefined) packet.set(tail, HEADER_SIZE + vars.byteLength);
    return packet;
  }
  let all: VarsInput = vars ?? [];
  if (extra !== undefined) {
    if (Array.isArray(all)) all = [...all, extra];
    else if (all instanceof Map) all = [...all, extra];
    else all = { ...(all as { readonly [key: string]: VarBytes }), [extra[0]]: extra[1] };
  }
  return encodePacket({ modifier1, modifier2, vars: all }, options);
}

/** The packet for a chunked body: HTTP_TRANSFER_ENCODING: chunked added, no length anywhere. */
function planChunked(
  vars: Vars | undefined,
  bytes: Uint8Array | undefined,
  stream: AsyncIterable<Uint8Array | string> | undefined,
  contentLength: number | undefined,
  method: string,
  modifier1: number,
  modifier2: number,
  options: EncodeOptions,
): RequestPlan {
  const refuse = (why: string) => invalidArgValue("options.chunked", true, why);
  if (contentLength !== undefined) throw refuse("cannot go with contentLength");
  if (lookup(vars, CONTENT_LENGTH) !== undefined) {
    throw refuse("cannot go with a CONTENT_LENGTH var (a chunked body has no length)");
  }
  const declared = lookup(vars, TRANSFER_ENCODING);
  if (declared !== undefined && declared.toLowerCase() !== "chunked") {
    throw refuse(`cannot go with ${TRANSFER_ENCODING}: ${declared}`);
  }
  const extra = declared === undefined ? ([TRANSFER_ENCODING, "chunked"] as const) : undefined;
  const packet = encodeWith(vars, extra, modifier1, modifier2, options);
  return { packet, bytes, stream, length: -1, method, chunked: true };
}

/**
 * Works out the body's length (checking the body against CONTENT_LENGTH and `contentLength`)
 * and encodes the packet, adding CONTENT_LENGTH when the vars lack it and there is a body.
 */
export function planRequest(
  varsIn: Vars | undefined,
  body: RequestBody | undefined,
  contentLength: number | undefined,
  chunked: boolean,
  modifier1: number,
  modifier2: number,
  options: EncodeOptions,
): RequestPlan {
  let bytes: Uint8Array | undefined;
  let stream: AsyncIterable<Uint8Array | string> | undefined;
  if (typeof body === "string") bytes = Buffer.from(body, "utf8");
  else if (body instanceof Uint8Array) bytes = body;
  else if (isStream(body)) stream = body;
  else if (body !== undefined) {
    throw invalidArgType(
      "options.body",
      "a Uint8Array, a string, or a Readable or AsyncIterable of them",
      body,
    );
  }
  const vars = normalize(varsIn);
  const declared = lookup(vars, CONTENT_LENGTH);
  const method = lookup(vars, "REQUEST_METHOD") ?? "";
  if (chunked) {
    return planChunked(vars, bytes, stream, contentLength, method, modifier1, modifier2, options);
  }
  const known = bytes?.length ?? contentLength;
  if (declared !== undefined) {
    const n = contentLengthOf(Buffer.from(declared, "latin1"), false, 0);
    if (bytes !== undefined && bytes.length !== n) throw mismatch(n, bytes.length, "the body has");
    if (contentLength !== undefined && contentLength !== n) {
      throw mismatch(n, contentLength, "the contentLength option says");
    }
    if (body === undefined && n > 0) throw mismatch(n, 0, "there is no body, so");
    const packet = encodeWith(vars, undefined, modifier1, modifier2, options);
    return { packet, bytes, stream, length: n, method, chunked: false };
  }
  if (bytes !== undefined && contentLength !== undefined && contentLength !== bytes.length) {
    throw mismatch(contentLength, bytes.length, "the body has");
  }
  if (body === undefined && contentLength !== undefined && contentLength > 0) {
    throw mismatch(contentLength, 0, "there is no body, so");
  }
  if (stream !== undefined && known === undefined) {
    throw new UwsgiClientError(
      "CONTENT_LENGTH_REQUIRED",
      "a streamed body needs its length (CONTENT_LENGTH in the vars, or the contentLength option) or chunked: true",
    );
  }
  const extra = body === undefined ? undefined : ([CONTENT_LENGTH, String(known)] as const);
  return {
    packet: encodeWith(vars, extra, modifier1, modifier2, options),
    bytes,
    stream,
    length: known ?? 0,
    method,
    chunked: false,
  };
}
