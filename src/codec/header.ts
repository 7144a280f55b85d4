import { checkInteger, invalidArgType } from "./arguments.js";
import { inputBytes, targetBytes } from "./bytes.js";
import { HEADER_SIZE, MAX_U8, MAX_U16 } from "./constants.js";
import { truncated } from "./errors.js";
import { checkRoom } from "./fields.js";

/** The 4-byte header every uwsgi packet starts with. */
export interface PacketHeader {
  /** Packet type, 0-255 (see `Modifier1`). */
  readonly modifier1: number;
  /** Bytes of data after the header, 0-65535 (for a request: the vars block, not the body). */
  readonly datasize: number;
  /** Sub-type or argument, 0-255, meaning set by modifier1. */
  readonly modifier2: number;
}

/**
 * Reads the header at `offset` of `buf` (a Uint8Array, ArrayBuffer or any ArrayBufferView).
 * Throws `TRUNCATED` (a UwsgiError, with `needed`) when fewer than 4 bytes are there.
 */
export function readHeader(
  buf: Uint8Array | ArrayBufferLike | ArrayBufferView,
  offset = 0,
): PacketHeader {
  const bytes = inputBytes("buf", buf);
  checkInteger("offset", offset, 0, bytes.length);
  const avail = bytes.length - offset;
  if (avail < HEADER_SIZE) throw truncated(offset, HEADER_SIZE - avail, "4-byte packet header");
  return {
    modifier1: bytes[offset]!,
    datasize: bytes[offset + 1]! | (bytes[offset + 2]! << 8),
    modifier2: bytes[offset + 3]!,
  };
}

/**
 * Writes `header` at `offset` of `buf`; returns 4. A field out of range is an argument error
 * (ERR_OUT_OF_RANGE), never masked; a buffer without 4 bytes of room is `BUFFER_TOO_SMALL`.
 * Other keys of `header` are ignored, so a decoded packet can be given as it is.
 */
export function writeHeader(buf: Uint8Array, offset: number, header: PacketHeader): number {
  const target = targetBytes("buf", buf);
  checkInteger("offset", offset, 0, target.length);
  if (typeof header !== "object" || header === null) {
    throw invalidArgType("header", "of type object", header);
  }
  const modifier1 = checkInteger("header.modifier1", header.modifier1, 0, MAX_U8);
  const datasize = checkInteger("header.datasize", header.datasize, 0, MAX_U16);
  const modifier2 = checkInteger("header.modifier2", header.modifier2, 0, MAX_U8);
  checkRoom(target, offset, HEADER_SIZE);
  target[offset] = modifier1;
  target[offset + 1] = datasize & 0xff;
  target[offset + 2] = datasize >>> 8;
  target[offset + 3] = modifier2;
  return HEADER_SIZE;
}
