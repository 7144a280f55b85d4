import { HEADER_SIZE, MAX_U8, MAX_U16 } from "./constants.js";
import { truncated, UwsgiError } from "./errors.js";
import { checkOffset } from "./limits.js";

/** The 4-byte header every uwsgi packet starts with. */
export interface PacketHeader {
  /** Packet type, 0-255 (see `Modifier1`). */
  readonly modifier1: number;
  /** Bytes of data after the header, 0-65535 (for a request: the vars block, not the body). */
  readonly datasize: number;
  /** Sub-type or argument, 0-255, meaning set by modifier1. */
  readonly modifier2: number;
}

/** Reads the header at `offset`. Throws `TRUNCATED` when fewer than 4 bytes are there. */
export function readHeader(buf: Uint8Array, offset = 0): PacketHeader {
  checkOffset(offset, buf.length);
  const avail = buf.length - offset;
  if (avail < HEADER_SIZE) throw truncated(offset, HEADER_SIZE - avail, "4-byte packet header");
  return {
    modifier1: buf[offset]!,
    datasize: buf[offset + 1]! | (buf[offset + 2]! << 8),
    modifier2: buf[offset + 3]!,
  };
}

/** Writes `header` at `offset`; returns 4. Fields out of range are refused, never masked. */
export function writeHeader(buf: Uint8Array, offset: number, header: PacketHeader): number {
  checkOffset(offset, buf.length);
  checkByte("modifier1", header.modifier1, offset);
  checkByte("modifier2", header.modifier2, offset + 3);
  const { datasize } = header;
  if (!(Number.isInteger(datasize) && datasize >= 0)) {
    throw new UwsgiError(
      "FIELD_OUT_OF_RANGE",
      offset + 1,
      `an integer datasize 0-${MAX_U16}`,
      `datasize ${String(datasize)} is not a length`,
    );
  }
  if (datasize > MAX_U16) {
    throw new UwsgiError(
      "PACKET_TOO_LARGE",
      offset + 1,
      `a datasize of 0-${MAX_U16}`,
      `datasize ${datasize} does not fit the header's u16 field`,
    );
  }
  if (buf.length - offset < HEADER_SIZE) {
    throw new UwsgiError(
      "BUFFER_TOO_SMALL",
      offset,
      `${HEADER_SIZE} bytes of room`,
      `only ${buf.length - offset} bytes left for the header`,
    );
  }
  buf[offset] = header.modifier1;
  buf[offset + 1] = datasize & 0xff;
  buf[offset + 2] = datasize >>> 8;
  buf[offset + 3] = header.modifier2;
  return HEADER_SIZE;
}

/** Refuses a modifier that is not a byte. */
export function checkByte(name: string, value: number, offset: number): void {
  if (!(Number.isInteger(value) && value >= 0 && value <= MAX_U8)) {
    throw new UwsgiError(
      "FIELD_OUT_OF_RANGE",
      offset,
      "an integer 0-255",
      `${name} ${String(value)} is not a byte value`,
    );
  }
}
