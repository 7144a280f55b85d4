/** Size of the uwsgi packet header: modifier1 (u8), datasize (u16 LE), modifier2 (u8). */
export const HEADER_SIZE = 4;

/** Largest value of any u16 length field: datasize, key length, value length, array item length. */
export const MAX_U16 = 0xffff;

/** Largest datasize the wire format can express (a packet is at most 4 + 65535 bytes before a body). */
export const MAX_DATASIZE: 65535 = MAX_U16;

/** Largest value of a modifier byte. */
export const MAX_U8 = 0xff;

/** Size of one length prefix (key, value or array item). */
export const LENGTH_SIZE = 2;
