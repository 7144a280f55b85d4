import { checkInteger, invalidArgType, invalidArgValue, unknownOption } from "./arguments.js";
import { allocBytes, targetBytes } from "./bytes.js";
import { HEADER_SIZE, MAX_U8 } from "./constants.js";
import {
  checkDatasize,
  checkRoom,
  encodeSnapshot,
  encodeSnapshotInto,
  type FieldSnapshot,
  type VarBytes,
} from "./fields.js";
import { type EncodeOptions, encodeSettings, isOptions } from "./limits.js";
import type { TextEncoding } from "./text.js";
import { snapshotItems } from "./uwsgi-array.js";
import { snapshotVars, type VarsInput } from "./vars-encode.js";

/**
 * What to encode: the modifiers (default 0) and at most one of `vars`, `items` or `payload`
 * (none means an empty packet, e.g. a ping). Any other key is refused (ERR_UNKNOWN_OPTION): vars
 * go inside `vars`.
 */
export interface PacketInit {
  readonly modifier1?: number;
  readonly modifier2?: number;
  readonly vars?: VarsInput;
  readonly items?: Iterable<VarBytes>;
  readonly payload?: Uint8Array;
}

const INIT_KEYS: readonly string[] = ["modifier1", "modifier2", "vars", "items", "payload"];
// Names a caller may reach for; any other unknown key is most likely a var put beside `vars`.
const INIT_ALIASES: Readonly<Record<string, string>> = {
  modifier: "modifier1",
  headers: "vars",
  params: "vars",
  env: "vars",
  environ: "vars",
  body: "payload",
  data: "payload",
};

/** A packet to write: the header's modifiers and the data, read once. */
interface Plan {
  readonly modifier1: number;
  readonly modifier2: number;
  /** Vars or items, sized by their length (see FieldSnapshot), or undefined. */
  readonly fields: FieldSnapshot | undefined;
  /** The raw payload, or undefined (with `fields` undefined too: an empty packet). */
  readonly payload: Uint8Array | undefined;
}

const WHAT = "the packet's data";

/** Reads `init` once (each of its keys, each var and item) and checks the arguments. */
function planOf(where: string, init: unknown, encoding: TextEncoding, offset: number): Plan {
  if (typeof init !== "object" || init === null || Array.isArray(init)) {
    throw invalidArgType("init", "an object like { modifier1, vars }", init);
  }
  if (typeof (init as Partial<Iterable<unknown>>)[Symbol.iterator] === "function") {
    // A Map or a VarsView given as the packet: the vars belong in `vars`.
    throw invalidArgType("init", "an object like { vars } (pass the vars as init.vars)", init);
  }
  for (const key in init) {
    if (!Object.hasOwn(init, key) || INIT_KEYS.includes(key)) continue;
    const lower = key.toLowerCase();
    const hint = INIT_ALIASES[key] ?? INIT_KEYS.find((k) => k.toLowerCase() === lower) ?? "vars";
    throw unknownOption(where, key, hint);
  }
  const i = init as PacketInit;
  const m1 = i.modifier1;
  const m2 = i.modifier2;
  const vars = i.vars;
  const items = i.items;
  const payload = i.payload;
  const modifier1 = m1 === undefined ? 0 : checkInteger("init.modifier1", m1, 0, MAX_U8);
  const modifier2 = m2 === undefined ? 0 : checkInteger("init.modifier2", m2, 0, MAX_U8);
  const given = (vars !== undefined ? 1 : 0) + (items !== undefined ? 1 : 0);
  if (given + (payload !== undefined ? 1 : 0) > 1) {
    throw invalidArgValue("init", init, "must have only one of vars, items or payload");
  }
  const base = offset + HEADER_SIZE;
  let fields: FieldSnapshot | undefined;
  if (vars !== undefined) fields = snapshotVars(vars, "init.vars", encoding, base);
  else if (items !== undefined) fields = snapshotItems(items, "init.items", encoding, base);
  else if (payload !== undefined) {
    if (!(payload instanceof Uint8Array)) {
      throw invalidArgType("init.payload", "a Uint8Array", payload);
    }
    checkDatasize(payload.length, base, WHAT);
  }
  return { modifier1, modifier2, fields, payload };
}

function writeHead(buf: Uint8Array, at: number, plan: Plan, datasize: number): void {
  buf[at] = plan.modifier1;
  buf[at + 1] = datasize & 0xff;
  buf[at + 2] = datasize >>> 8;
  buf[at + 3] = plan.modifier2;
}

/** Exact size in bytes of the packet {@link encodePacket} would make (header included). */
export function packetByteLength(init: PacketInit, options?: EncodeOptions): number {
  const plan = planOf("packetByteLength", init, encodeSettings(options, "packetByteLength"), 0);
  if (plan.fields === undefined) return HEADER_SIZE + (plan.payload?.length ?? 0);
  const size = plan.fields.validate();
  checkDatasize(size, HEADER_SIZE, WHAT);
  return HEADER_SIZE + size;
}

/**
 * Encodes a packet (header and data) into new memory (a Buffer under Node): each key, value and
 * item read once, sized, allocated once, written once. Refuses, before writing anything, data
 * over 65535 bytes (`PACKET_TOO_LARGE`), a field over 65535 bytes (`FIELD_TOO_LONG`) and a string
 * the encoding cannot hold (`UNENCODABLE_STRING`), all `UwsgiError`s; a modifier that is not a
 * byte, a field that is neither a string nor bytes or an unknown key of `init` is an argument
 * error. A request's body is not part of the packet: send it after.
 */
export function encodePacket(init: PacketInit, options?: EncodeOptions): Uint8Array {
  const plan = planOf("encodePacket", init, encodeSettings(options, "encodePacket"), 0);
  let buf: Uint8Array;
  if (plan.fields !== undefined) buf = encodeSnapshot(plan.fields, HEADER_SIZE, WHAT);
  else {
    buf = allocBytes(HEADER_SIZE + (plan.payload?.length ?? 0));
    if (plan.payload !== undefined) buf.set(plan.payload, HEADER_SIZE);
  }
  writeHead(buf, 0, plan, buf.length - HEADER_SIZE);
  return buf;
}

/**
 * Encodes a packet into `target` at `offset`; returns the bytes written, and writes nothing, not
 * a byte, when it refuses (`BUFFER_TOO_SMALL` when it does not fit, with `needed`). `options` may
 * stand in place of `offset`.
 */
export function encodePacketInto(
  init: PacketInit,
  target: Uint8Array,
  offset?: number | EncodeOptions,
  options?: EncodeOptions,
): number {
  const buf = targetBytes("target", target);
  if (isOptions(offset) && options === undefined) {
    options = offset;
    offset = undefined;
  }
  const at = offset === undefined ? 0 : checkInteger("offset", offset, 0, buf.length);
  const plan = planOf("encodePacketInto", init, encodeSettings(options, "encodePacketInto"), at);
  let datasize: number;
  if (plan.fields !== undefined) {
    datasize = encodeSnapshotInto(plan.fields, buf, at, HEADER_SIZE, WHAT);
  } else {
    datasize = plan.payload?.length ?? 0;
    checkRoom(buf, at, HEADER_SIZE + datasize);
    if (plan.payload !== undefined) buf.set(plan.payload, at + HEADER_SIZE);
  }
  writeHead(buf, at, plan, datasize);
  return HEADER_SIZE + datasize;
}
