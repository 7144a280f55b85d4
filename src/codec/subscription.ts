// uWSGI's subscription packet (modifier1 224): a datagram a backend sends to a router's
// subscription server to join (modifier2 0) or leave (any other modifier2) the pool of a key.
// Its data is a vars block: key, address, modifier1, modifier2, cores, load, weight, optional
// sni_key/sni_crt/sni_ca/notify and, when signed, `unix` (a timestamp) then `sign` (an RSA
// signature over every var before it), which must be the last var: the receiver takes the signed
// range to be the block minus that last var (uWSGI core/subscription.c and
// plugins/corerouter/cr_common.c). Pure: no I/O, no Node globals; signing is the caller's.

import { checkOptions, invalidArgType, invalidArgValue, outOfRange } from "./arguments.js";
import { UwsgiError } from "./errors.js";
import { encodePacket } from "./packet.js";
import { invalidField, missingField } from "./packet-error.js";
import { decodeVars } from "./vars-decode.js";
import type { VarsView } from "./vars-view.js";

/** modifier1 of a subscription packet. */
export const SUBSCRIPTION_MODIFIER1 = 224;
/** uWSGI's subscription server reads at most this many bytes of a datagram. */
export const MAX_SUBSCRIPTION_SIZE = 4096;
/** uWSGI keeps at most 255 bytes of a key or an address (a longer one is refused). */
export const MAX_SUBSCRIPTION_FIELD = 255;

/** What a subscription announces. Numbers are what uWSGI sends as decimal strings. */
export interface SubscriptionInit {
  /** `"subscribe"` (modifier2 0, the default) or `"unsubscribe"` (modifier2 1). */
  readonly command?: "subscribe" | "unsubscribe";
  /** The routing key (usually a host name, `host:port` kept), 1-255 bytes as latin1. */
  readonly key: string;
  /** The node's uwsgi socket: `host:port` or a unix socket path, 1-255 bytes. */
  readonly address: string;
  /** modifier1 the router must send this node. Defaults to 0. */
  readonly modifier1?: number;
  /** modifier2 the router must send this node. Defaults to 0. */
  readonly modifier2?: number;
  /** Cores the node runs (shown, not used to balance). Defaults to 1. */
  readonly cores?: number;
  /** The node's load (shown, not used to balance). Defaults to 0. */
  readonly load?: number;
  /** Weight for weighted balancing; 0 is read as 1, as uWSGI does. Defaults to 1. */
  readonly weight?: number;
  /** Backup level (uWSGI 2.1): 0 is a primary node; level N is used only when lower levels are all down. */
  readonly backup?: number;
  /** A datagram socket the server acknowledges new nodes to. */
  readonly notify?: string;
  /** Unix time in seconds; required to sign (uWSGI sends now, plus 1 for an unsubscribe). */
  readonly unix?: number;
}

/** A decoded subscription. Strings are latin1 (one char per byte). */
export interface Subscription {
  readonly command: "subscribe" | "unsubscribe";
  /** The packet's modifier2 (0 = subscribe). */
  readonly commandByte: number;
  readonly key: string;
  readonly address: string;
  readonly modifier1: number;
  readonly modifier2: number;
  readonly cores: number;
  readonly load: number;
  /** At least 1 (uWSGI reads 0 or none as 1). */
  readonly weight: number;
  /** 0 unless a `backup` var says otherwise. */
  readonly backup: number;
  readonly notify: string | undefined;
  /** The `unix` timestamp, or undefined. */
  readonly unix: number | undefined;
  /** The `sign` value (a view of the datagram), or undefined when unsigned. */
  readonly signature: Uint8Array | undefined;
  /** What the signature covers: the vars before `sign` (a view of the datagram). */
  readonly signedBytes: Uint8Array | undefined;
  /** Every var, for what this type does not name (`sni_key`, `algo`, ...). */
  readonly vars: VarsView;
}

/** Options of {@link decodeSubscription}. */
export interface SubscriptionDecodeOptions {
  /** Largest datagram accepted. Defaults to 4096, what uWSGI's server reads. */
  readonly maxSize?: number;
}

const INIT_KEYS = [
  "command",
  "key",
  "address",
  "modifier1",
  "modifier2",
  "cores",
  "load",
  "weight",
  "backup",
  "notify",
  "unix",
] as const;

function textField(name: string, value: unknown, max: number): string {
  if (typeof value !== "string") throw invalidArgType(name, "of type string", value);
  let bytes = 0;
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) {
      throw invalidArgValue(name, value, "must be latin1 (chars U+0000-U+00FF)");
    }
    bytes++;
  }
  if (bytes === 0 || bytes > max) throw invalidArgValue(name, value, `must be 1-${max} bytes`);
  return value;
}

function numberField(name: string, value: unknown, fallback: number, max: number): string {
  if (value === undefined) return String(fallback);
  if (typeof value !== "number") throw invalidArgType(name, "of type number", value);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw outOfRange(name, `an integer >= 0 && <= ${max}`, value);
  }
  return String(value);
}

/**
 * Encodes a subscription datagram, vars in uWSGI's order (key, address, modifier1, modifier2,
 * cores, load, weight, then backup, notify and unix when given). To sign it, sign the bytes after
 * the 4-byte header and pass the signature to {@link appendSignature}.
 */
export function encodeSubscription(init: SubscriptionInit): Uint8Array {
  if (init === null || typeof init !== "object") {
    throw invalidArgType("init", "of type object", init);
  }
  checkOptions("encodeSubscription", init, INIT_KEYS);
  const command = init.command ?? "subscribe";
  if (command !== "subscribe" && command !== "unsubscribe") {
    throw invalidArgValue("command", command, "must be 'subscribe' or 'unsubscribe'");
  }
  const big = Number.MAX_SAFE_INTEGER;
  const vars: [string, string][] = [
    ["key", textField("key", init.key, MAX_SUBSCRIPTION_FIELD)],
    ["address", textField("address", init.address, MAX_SUBSCRIPTION_FIELD)],
    ["modifier1", numberField("modifier1", init.modifier1, 0, 255)],
    ["modifier2", numberField("modifier2", init.modifier2, 0, 255)],
    ["cores", numberField("cores", init.cores, 1, big)],
    ["load", numberField("load", init.load, 0, big)],
    ["weight", numberField("weight", init.weight, 1, big)],
  ];
  if (init.backup !== undefined) vars.push(["backup", numberField("backup", init.backup, 0, 255)]);
  if (init.notify !== undefined) vars.push(["notify", textField("notify", init.notify, 1024)]);
  if (init.unix !== undefined) vars.push(["unix", numberField("unix", init.unix, 0, big)]);
  // At most 255 + 255 + 1024 bytes of text and a few numbers: always within 4096 bytes.
  return encodePacket({
    modifier1: SUBSCRIPTION_MODIFIER1,
    modifier2: command === "subscribe" ? 0 : 1,
    vars,
  });
}

/** The bytes a signature covers: the vars block of an unsigned datagram (a view, no copy). */
export function signingBytes(datagram: Uint8Array): Uint8Array {
  if (!(datagram instanceof Uint8Array)) throw invalidArgType("datagram", "a Uint8Array", datagram);
  if (datagram.length < 4) throw invalidArgValue("datagram", datagram, "is shorter than a header");
  return datagram.subarray(4);
}

/**
 * A new datagram: `datagram` with a last `sign` var holding `signature`, and its datasize updated.
 * The datagram must carry a `unix` var (uWSGI's server refuses a signature without one).
 */
export function appendSignature(datagram: Uint8Array, signature: Uint8Array): Uint8Array {
  if (!(datagram instanceof Uint8Array)) throw invalidArgType("datagram", "a Uint8Array", datagram);
  if (!(signature instanceof Uint8Array)) {
    throw invalidArgType("signature", "a Uint8Array", signature);
  }
  const decoded = decodeSubscription(datagram, { maxSize: 0xffff });
  if (decoded.unix === undefined) {
    throw invalidArgValue("datagram", datagram, "has no unix var to sign");
  }
  if (decoded.signature !== undefined) {
    throw invalidArgValue("datagram", datagram, "is signed already");
  }
  const size = datagram.length + 2 + 4 + 2 + signature.length;
  if (signature.length === 0 || size > MAX_SUBSCRIPTION_SIZE) {
    throw outOfRange(
      "signature.length",
      `>= 1 && <= ${MAX_SUBSCRIPTION_SIZE - datagram.length - 8}`,
      signature.length,
    );
  }
  const out = new Uint8Array(size);
  out.set(datagram, 0);
  let p = datagram.length;
  out[p++] = 4;
  out[p++] = 0;
  out[p++] = 0x73; // s
  out[p++] = 0x69; // i
  out[p++] = 0x67; // g
  out[p++] = 0x6e; // n
  out[p++] = signature.length & 0xff;
  out[p++] = signature.length >>> 8;
  out.set(signature, p);
  const datasize = size - 4;
  out[1] = datasize & 0xff;
  out[2] = datasize >>> 8;
  return out;
}

/** Offset of var `i`'s value in the datagram (the var's value is a view of it). */
function valueOffset(datagram: Uint8Array, vars: VarsView, i: number): number {
  return vars.valueBytesAt(i).byteOffset - datagram.byteOffset;
}

function decimal(
  datagram: Uint8Array,
  vars: VarsView,
  name: string,
  max: number,
): number | undefined {
  const i = vars.indexOf(name);
  if (i < 0) return undefined;
  const v = vars.valueBytesAt(i);
  let n = 0;
  // 15 digits stay exact in a double.
  if (v.length === 0 || v.length > 15) n = -1;
  for (let j = 0; j < v.length && n >= 0; j++) {
    const c = v[j]!;
    n = c >= 0x30 && c <= 0x39 ? n * 10 + (c - 0x30) : -1;
  }
  if (n < 0 || n > max) {
    throw invalidField(
      valueOffset(datagram, vars, i),
      name,
      `${name} as a decimal number 0-${max}`,
      `${name} is not a decimal number 0-${max}`,
    );
  }
  return n;
}

function text(
  datagram: Uint8Array,
  vars: VarsView,
  name: string,
  required: boolean,
): string | undefined {
  const i = vars.indexOf(name);
  if (i < 0) {
    if (required) throw missingField(4, name, `no ${name} var`);
    return undefined;
  }
  const len = vars.valueBytesAt(i).length;
  if (required && (len === 0 || len > MAX_SUBSCRIPTION_FIELD)) {
    throw invalidField(
      valueOffset(datagram, vars, i),
      name,
      `${name} of 1-${MAX_SUBSCRIPTION_FIELD} bytes`,
      `${name} is ${len} bytes; it must be 1-${MAX_SUBSCRIPTION_FIELD}`,
    );
  }
  return vars.valueAt(i);
}

/**
 * Decodes a subscription datagram. Throws a `UwsgiError`: for bytes that are not a packet or a
 * well-formed vars block (uWSGI's strict parser refuses the same) the codec's codes, for one that
 * is not a usable subscription `NOT_A_SUBSCRIPTION` (modifier1 is not 224), `DATASIZE_MISMATCH`
 * (datasize is not the datagram's length minus 4: uWSGI ignores it; a strict reader refuses what
 * two readers could read differently), `MISSING_FIELD` (no `key` or `address`), `INVALID_FIELD` (a
 * key or address empty or over 255 bytes, a number that is not plain decimal digits, a modifier
 * over 255) and `MISPLACED_SIGNATURE` (a `sign` var that is not the last var, or without a `unix`
 * var), with `field` naming the var. Views point into `datagram`.
 */
export function decodeSubscription(
  datagram: Uint8Array,
  options?: SubscriptionDecodeOptions,
): Subscription {
  if (!(datagram instanceof Uint8Array)) throw invalidArgType("datagram", "a Uint8Array", datagram);
  checkOptions("decodeSubscription", options, ["maxSize"]);
  const maxSize = options?.maxSize ?? MAX_SUBSCRIPTION_SIZE;
  if (
    typeof maxSize !== "number" ||
    !Number.isInteger(maxSize) ||
    maxSize < 4 ||
    maxSize > 0xffff + 4
  ) {
    throw outOfRange("options.maxSize", "an integer >= 4 && <= 65539", maxSize);
  }
  const length = datagram.length;
  if (length < 4) {
    throw new UwsgiError(
      "TRUNCATED",
      0,
      `${4 - length} more bytes of the 4-byte packet header`,
      `a ${length}-byte datagram has no header`,
      4 - length,
    );
  }
  if (length > maxSize) {
    throw new UwsgiError(
      "DATASIZE_OVER_LIMIT",
      1,
      `a datagram of at most ${maxSize} bytes`,
      `datagram is ${length} bytes`,
    );
  }
  if (datagram[0] !== SUBSCRIPTION_MODIFIER1) {
    throw new UwsgiError(
      "NOT_A_SUBSCRIPTION",
      0,
      "modifier1 224",
      `modifier1 is ${datagram[0]}, not 224`,
    );
  }
  const datasize = datagram[1]! | (datagram[2]! << 8);
  if (datasize !== length - 4) {
    throw new UwsgiError(
      "DATASIZE_MISMATCH",
      1,
      `datasize ${length - 4}`,
      `datasize ${datasize} but the datagram carries ${length - 4} bytes of data`,
    );
  }
  const vars = decodeVars(datagram, 4, length, { maxDatasize: 0xffff, maxVars: 256 });
  const key = text(datagram, vars, "key", true)!;
  const address = text(datagram, vars, "address", true)!;
  const unix = decimal(datagram, vars, "unix", Number.MAX_SAFE_INTEGER);
  let signature: Uint8Array | undefined;
  let signedBytes: Uint8Array | undefined;
  const s = vars.indexOf("sign");
  if (s >= 0) {
    const keyAt = vars.keyBytesAt(s).byteOffset - datagram.byteOffset - 2;
    if (s !== vars.size - 1 || unix === undefined) {
      throw new UwsgiError(
        "MISPLACED_SIGNATURE",
        keyAt,
        "a sign var last, after a unix var",
        unix === undefined ? "a sign var without a unix var" : "the sign var is not the last var",
        0,
        "sign",
      );
    }
    signature = vars.valueBytesAt(s);
    signedBytes = datagram.subarray(4, keyAt);
  }
  const commandByte = datagram[3]!;
  return {
    command: commandByte === 0 ? "subscribe" : "unsubscribe",
    commandByte,
    key,
    address,
    modifier1: decimal(datagram, vars, "modifier1", 255) ?? 0,
    modifier2: decimal(datagram, vars, "modifier2", 255) ?? 0,
    cores: decimal(datagram, vars, "cores", Number.MAX_SAFE_INTEGER) ?? 0,
    load: decimal(datagram, vars, "load", Number.MAX_SAFE_INTEGER) ?? 0,
    weight: Math.max(1, decimal(datagram, vars, "weight", Number.MAX_SAFE_INTEGER) ?? 1),
    backup: decimal(datagram, vars, "backup", 255) ?? 0,
    notify: text(datagram, vars, "notify", false),
    unix,
    signature,
    signedBytes,
    vars,
  };
}
