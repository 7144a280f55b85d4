// What the capture readers share: the formats' magic numbers, the frame they hand out, and the
// interface between the push reader (capture-reader.ts) and each format's reader
// (pcap-records.ts, pcapng-blocks.ts).

/** Magic numbers of the capture formats, as the first four bytes read big-endian. */
export const PCAP_MAGIC_MICRO = 0xa1b2c3d4;
/** Classic pcap with nanosecond timestamps. */
export const PCAP_MAGIC_NANO = 0xa1b23c4d;
/** pcapng section header block type (the same read either way). */
export const PCAPNG_MAGIC = 0x0a0d0d0a;

/** The capture file formats the reader understands. */
export type CaptureFormat = "pcap" | "pcapng";

/** The format the first four bytes announce, or null. */
export function captureFormatOf(
  b0: number,
  b1: number,
  b2: number,
  b3: number,
): CaptureFormat | null {
  const be = ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
  const le = ((b3 << 24) | (b2 << 16) | (b1 << 8) | b0) >>> 0;
  if (be === PCAPNG_MAGIC) return "pcapng";
  if (be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO) return "pcap";
  if (le === PCAP_MAGIC_MICRO || le === PCAP_MAGIC_NANO) return "pcap";
  return null;
}

/**
 * One captured link-layer frame. The reader hands out ONE object, refilled for each frame:
 * `data` is a view valid only during {@link FrameHandler.onFrame}; copy what you keep.
 */
export interface Frame {
  /** LINKTYPE_* of the interface the frame was captured on (1 Ethernet, 113 SLL, 276 SLL2...). */
  linkType: number;
  /** The captured bytes (at most the snap length): a view, valid during the callback only. */
  data: Buffer;
  /** Length of the frame on the wire; more than `data.length` when the capture cut it. */
  originalLength: number;
  /** Whole seconds since the Unix epoch. */
  seconds: number;
  /** Nanoseconds within the second (0-999999999). */
  nanos: number;
  /** Byte offset of the record (pcap) or block (pcapng) in the file. */
  offset: number;
  /** pcapng interface id (0 for classic pcap). */
  interfaceId: number;
}

/** Receives frames in file order. One handler object, so no closure is made per frame. */
export interface FrameHandler {
  onFrame(frame: Frame): void;
}

const EMPTY = Buffer.alloc(0);

/**
 * The frame object the readers refill: the frame's bytes stay where they are in the reader's
 * buffer (`bytes[start, end)`), and `data` is a view made when it is read; the capture decoder
 * reads them in place (most frames are ACKs: no view is made for them at all).
 */
export class FrameView implements Frame {
  linkType = 0;
  originalLength = 0;
  seconds = 0;
  nanos = 0;
  offset = 0;
  interfaceId = 0;
  #bytes: Buffer = EMPTY;
  #start = 0;
  #end = 0;

  /** The captured bytes: a new view of `bytes[start, end)` each time it is read. */
  get data(): Buffer {
    return this.#bytes.subarray(this.#start, this.#end);
  }

  /** The buffer holding the frame's bytes (valid during the callback only). */
  get bytes(): Buffer {
    return this.#bytes;
  }

  /** Where the frame's bytes start in `bytes`. */
  get start(): number {
    return this.#start;
  }

  /** Where they end. */
  get end(): number {
    return this.#end;
  }

  /** The frame is `bytes[start, end)`. */
  setBytes(bytes: Buffer, start: number, end: number): void {
    this.#bytes = bytes;
    this.#start = start;
    this.#end = end;
    if (this.originalLength < end - start) this.originalLength = end - start;
  }
}

/**
 * A format's reader, as the push reader drives it: it reads the input in units of `need` bytes
 * (a record header, a record's data, a block), each given whole, after `skip` bytes it asked to
 * pass over unread. It throws a `CaptureError` for bytes that cannot be its format.
 */
export interface UnitReader {
  /** Bytes of the next unit. */
  readonly need: number;
  /** Bytes to pass over unread before the next unit (the push reader counts them down). */
  skip: number;
  /** Input offset of the record or block being read (where a cut inside a skip is reported). */
  readonly recordStart: number;
  /** True between records or blocks: the input may end here. */
  readonly atBoundary: boolean;
  /** Frames handed out. */
  readonly frames: number;
  /** Reads the next unit, `buf[p, p + need)`, which starts at input offset `at`. */
  unit(buf: Buffer, p: number, at: number): void;
  /** What the next unit is, in words, for a capture that ends before it. */
  expected(): string;
}

/** A 16-bit field in the file's byte order. */
export function u16(buf: Buffer, p: number, le: boolean): number {
  return le ? buf[p]! | (buf[p + 1]! << 8) : (buf[p]! << 8) | buf[p + 1]!;
}

/** A 32-bit field in the file's byte order. */
export function u32(buf: Buffer, p: number, le: boolean): number {
  return le
    ? (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0
    : ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}
