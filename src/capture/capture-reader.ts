import { checkInteger, checkOptions, invalidArgType } from "../codec/arguments.js";
import { CaptureInterface } from "./capture-interface.js";
import { CaptureError } from "./errors.js";

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

/** Options of {@link CaptureReader}. */
export interface CaptureReaderOptions {
  /**
   * Largest record (pcap) or block (pcapng) held in memory, in bytes. Defaults to 1 MiB
   * (libpcap's largest snap length is 256 KiB). Unknown pcapng blocks of any size are skipped
   * without being held.
   */
  readonly maxRecordSize?: number;
}

/** Defaults of {@link CaptureReaderOptions}. */
export const DEFAULT_MAX_RECORD_SIZE: number = 1024 * 1024;

const S_MAGIC = 0;
const S_PCAP_HEADER = 1;
const S_PCAP_RECORD = 2;
const S_PCAP_DATA = 3;
const S_NG_FIRST = 4;
const S_NG_HEAD = 5;
const S_NG_BOM = 6;
const S_NG_BODY = 7;

const SHB = PCAPNG_MAGIC;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BOM = 0x1a2b3c4d;
const TWO_32 = 4294967296;

function u16(buf: Buffer, p: number, le: boolean): number {
  return le ? buf[p]! | (buf[p + 1]! << 8) : (buf[p]! << 8) | buf[p + 1]!;
}

function u32(buf: Buffer, p: number, le: boolean): number {
  return le
    ? (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0
    : ((buf[p]! << 24) | (buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!) >>> 0;
}

/**
 * A push-based reader of classic pcap (both byte orders, micro- and nanosecond magic) and pcapng
 * (sections in either byte order; SHB, IDB, EPB, SPB and the obsolete packet block; other blocks
 * skipped unread). Feed it chunks split anywhere; it calls the handler once per frame. A record
 * inside one chunk is handed out in place; one that straddles chunks is gathered into a scratch
 * buffer that never grows past `maxRecordSize`, so memory stays flat whatever the file size.
 *
 * Every error is a {@link CaptureError} whose offset counts bytes from the start of the input;
 * after one the reader must not be used again.
 */
export class CaptureReader {
  readonly #handler: FrameHandler;
  readonly #maxRecord: number;
  readonly #frame: Frame = {
    linkType: 0,
    data: Buffer.alloc(0),
    originalLength: 0,
    seconds: 0,
    nanos: 0,
    offset: 0,
    interfaceId: 0,
  };
  #format: CaptureFormat | null = null;
  #state = S_MAGIC;
  #need = 4;
  #have = 0;
  #scratch: Buffer = Buffer.allocUnsafe(64);
  #skip = 0;
  // Input offset of the first byte of the current unit.
  #pos = 0;
  #unitStart = 0;
  #recordStart = 0;
  #le = true;
  // pcap: classic header fields.
  #linkType = 0;
  #nano = false;
  // pcapng: the current block.
  #blockType = 0;
  #blockLength = 0;
  #blockLengthOther = 0;
  #interfaces: CaptureInterface[] = [];
  #frames = 0;

  constructor(handler: FrameHandler, options: CaptureReaderOptions = {}) {
    checkOptions("CaptureReader", options, ["maxRecordSize"]);
    if (typeof handler !== "object" || handler === null || typeof handler.onFrame !== "function") {
      throw invalidArgType("handler", "an object with an onFrame method", handler);
    }
    const max =
      options.maxRecordSize === undefined
        ? DEFAULT_MAX_RECORD_SIZE
        : checkInteger("options.maxRecordSize", options.maxRecordSize, 64, 2 ** 32 - 1);
    this.#handler = handler;
    this.#maxRecord = max;
  }

  /** The format seen in the first four bytes, or null before them. */
  get format(): CaptureFormat | null {
    return this.#format;
  }

  /** Bytes consumed so far. */
  get bytesRead(): number {
    return this.#pos + this.#have;
  }

  /** Frames handed out so far. */
  get frames(): number {
    return this.#frames;
  }

  /** Feeds the next chunk of the file. Throws a `CaptureError` for bytes that cannot be a capture. */
  push(buf: Buffer): void {
    let off = 0;
    const len = buf.length;
    while (off < len) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, len - off);
        this.#skip -= n;
        this.#pos += n;
        off += n;
        continue;
      }
      const need = this.#need;
      if (this.#have === 0 && len - off >= need) {
        this.#unitStart = this.#pos;
        this.#pos += need;
        this.#unit(buf, off);
        off += need;
        continue;
      }
      if (this.#have === 0 && this.#scratch.length < need) {
        this.#scratch = Buffer.allocUnsafe(Math.max(need, this.#scratch.length * 2));
      }
      const n = Math.min(need - this.#have, len - off);
      buf.copy(this.#scratch, this.#have, off, off + n);
      this.#have += n;
      off += n;
      if (this.#have === need) {
        this.#have = 0;
        this.#unitStart = this.#pos;
        this.#pos += need;
        this.#unit(this.#scratch, 0);
      }
    }
  }

  /** The input ended. Throws `TRUNCATED` when it ended inside a header, record or block. */
  end(): void {
    const state = this.#state;
    const between = state === S_PCAP_RECORD || state === S_NG_HEAD;
    if (between && this.#have === 0 && this.#skip === 0) return;
    const at = this.#skip > 0 ? this.#recordStart : this.#pos;
    throw new CaptureError(
      "TRUNCATED",
      at,
      this.#skip > 0 ? `${this.#skip} more bytes of a skipped block` : this.#expected(),
      `the capture ends ${this.#skip > 0 ? this.#skip : this.#need - this.#have} byte(s) short`,
    );
  }

  #expected(): string {
    switch (this.#state) {
      case S_MAGIC:
        return "a 4-byte magic number";
      case S_PCAP_HEADER:
        return "the rest of the 24-byte pcap file header";
      case S_PCAP_RECORD:
        return "a 16-byte pcap record header";
      case S_PCAP_DATA:
        return `the ${this.#need}-byte frame of a pcap record`;
      case S_NG_FIRST:
      case S_NG_BOM:
        return "a pcapng section header";
      case S_NG_HEAD:
        return "an 8-byte pcapng block header";
      default:
        return `the rest of a ${this.#blockLength}-byte pcapng block`;
    }
  }

  #unit(buf: Buffer, p: number): void {
    switch (this.#state) {
      case S_MAGIC:
        this.#magic(buf, p);
        return;
      case S_PCAP_HEADER:
        this.#pcapHeader(buf, p);
        return;
      case S_PCAP_RECORD:
        this.#pcapRecord(buf, p);
        return;
      case S_PCAP_DATA:
        this.#pcapData(buf, p);
        return;
      case S_NG_FIRST:
        this.#ngFirst(buf, p);
        return;
      case S_NG_HEAD:
        this.#ngHead(buf, p);
        return;
      case S_NG_BOM:
        this.#ngBom(buf, p);
        return;
      default:
        this.#ngBody(buf, p);
    }
  }

  #magic(buf: Buffer, p: number): void {
    const format = captureFormatOf(buf[p]!, buf[p + 1]!, buf[p + 2]!, buf[p + 3]!);
    if (format === null) {
      throw new CaptureError(
        "NOT_A_CAPTURE",
        0,
        "a pcap (a1b2c3d4, a1b23c4d) or pcapng (0a0d0d0a) magic number",
        `the input starts with ${buf.toString("hex", p, p + 4)}, which is not a capture file`,
      );
    }
    this.#format = format;
    this.#recordStart = 0;
    if (format === "pcap") {
      const be = u32(buf, p, false);
      this.#le = !(be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO);
      this.#nano = u32(buf, p, this.#le) === PCAP_MAGIC_NANO;
      this.#state = S_PCAP_HEADER;
      this.#need = 20;
    } else {
      this.#blockType = SHB;
      this.#state = S_NG_FIRST;
      this.#need = 8;
    }
  }

  #pcapHeader(buf: Buffer, p: number): void {
    const le = this.#le;
    const major = u16(buf, p, le);
    if (major !== 2) {
      throw new CaptureError(
        "BAD_FILE_HEADER",
        4,
        "pcap version 2.x",
        `pcap version ${major}.${u16(buf, p + 2, le)} is unknown`,
      );
    }
    // The top bits of the link-type field carry FCS information; the type is the low 16 bits.
    this.#linkType = u32(buf, p + 16, le) & 0xffff;
    this.#state = S_PCAP_RECORD;
    this.#need = 16;
  }

  #pcapRecord(buf: Buffer, p: number): void {
    const le = this.#le;
    const inclLen = u32(buf, p + 8, le);
    const frame = this.#frame;
    this.#recordStart = this.#unitStart;
    frame.offset = this.#unitStart;
    frame.seconds = u32(buf, p, le);
    const frac = u32(buf, p + 4, le);
    frame.nanos = this.#nano ? frac : frac * 1000;
    frame.originalLength = u32(buf, p + 12, le);
    if (inclLen > this.#maxRecord) {
      throw new CaptureError(
        "RECORD_TOO_LARGE",
        this.#unitStart + 8,
        `a captured length of at most ${this.#maxRecord} (option maxRecordSize)`,
        `a pcap record says it holds ${inclLen} bytes`,
      );
    }
    if (inclLen === 0) {
      this.#emit(this.#linkType, buf.subarray(p, p), 0);
      return;
    }
    this.#state = S_PCAP_DATA;
    this.#need = inclLen;
  }

  #pcapData(buf: Buffer, p: number): void {
    this.#emit(this.#linkType, buf.subarray(p, p + this.#need), 0);
    this.#state = S_PCAP_RECORD;
    this.#need = 16;
  }

  #emit(linkType: number, data: Buffer, interfaceId: number): void {
    const frame = this.#frame;
    frame.linkType = linkType;
    frame.data = data;
    frame.interfaceId = interfaceId;
    if (frame.originalLength < data.length) frame.originalLength = data.length;
    this.#frames++;
    this.#handler.onFrame(frame);
  }

  /** The first section header: length and byte-order magic (the type was the file's magic). */
  #ngFirst(buf: Buffer, p: number): void {
    this.#blockLength = u32(buf, p, true);
    this.#blockLengthOther = u32(buf, p, false);
    this.#ngBom(buf, p + 4);
  }

  #ngHead(buf: Buffer, p: number): void {
    const le = this.#le;
    this.#recordStart = this.#unitStart;
    this.#blockType = u32(buf, p, le);
    if (this.#blockType === SHB) {
      // A new section may change the byte order: read the length once the magic says how.
      this.#blockLength = u32(buf, p + 4, true);
      this.#blockLengthOther = u32(buf, p + 4, false);
      this.#state = S_NG_BOM;
      this.#need = 4;
      return;
    }
    const length = u32(buf, p + 4, le);
    this.#checkBlockLength(length, 12);
    this.#blockLength = length;
    const known =
      this.#blockType === EPB ||
      this.#blockType === IDB ||
      this.#blockType === SPB ||
      this.#blockType === OPB;
    if (!known) {
      // Skipped unread: the trailing length is not checked, and its size costs no memory.
      this.#skip = length - 8;
      return;
    }
    this.#checkRecordSize(length);
    this.#state = S_NG_BODY;
    this.#need = length - 8;
  }

  #ngBom(buf: Buffer, p: number): void {
    const bom = u32(buf, p, false);
    let le: boolean;
    if (bom === BOM) le = false;
    else if (u32(buf, p, true) === BOM) le = true;
    else {
      throw new CaptureError(
        "BAD_FILE_HEADER",
        this.#recordStart + 8,
        "the byte-order magic 1a2b3c4d",
        `a pcapng section header with byte-order magic ${buf.toString("hex", p, p + 4)}`,
      );
    }
    this.#le = le;
    const length = le ? this.#blockLength : this.#blockLengthOther;
    this.#checkBlockLength(length, 28);
    this.#checkRecordSize(length);
    this.#blockLength = length;
    this.#blockType = SHB;
    this.#state = S_NG_BODY;
    this.#need = length - 12;
  }

  #checkBlockLength(length: number, min: number): void {
    if (length < min || length % 4 !== 0) {
      throw new CaptureError(
        "BAD_BLOCK",
        this.#recordStart + 4,
        `a block length that is a multiple of 4 and at least ${min}`,
        `a pcapng block says it is ${length} bytes long`,
      );
    }
  }

  #checkRecordSize(length: number): void {
    if (length > this.#maxRecord) {
      throw new CaptureError(
        "RECORD_TOO_LARGE",
        this.#recordStart + 4,
        `a block of at most ${this.#maxRecord} bytes (option maxRecordSize)`,
        `a pcapng block says it is ${length} bytes long`,
      );
    }
  }

  /** `buf[p..]` is the block after its type and length (after the byte-order magic for an SHB). */
  #ngBody(buf: Buffer, p: number): void {
    const le = this.#le;
    const end = p + this.#need - 4;
    if (u32(buf, end, le) !== this.#blockLength) {
      throw new CaptureError(
        "BAD_BLOCK",
        this.#recordStart + this.#blockLength - 4,
        `the trailing block length ${this.#blockLength}`,
        `a pcapng block ends with length ${u32(buf, end, le)}`,
      );
    }
    this.#state = S_NG_HEAD;
    this.#need = 8;
    const type = this.#blockType;
    if (type === SHB) this.#section(buf, p);
    else if (type === IDB) this.#interface(buf, p, end);
    else if (type === EPB) this.#packet(buf, p, end, u32(buf, p, le), p + 4, 20);
    else if (type === OPB) this.#packet(buf, p, end, u16(buf, p, le), p + 4, 20);
    else this.#simplePacket(buf, p, end);
  }

  #section(buf: Buffer, p: number): void {
    const major = u16(buf, p, this.#le);
    if (major !== 1) {
      throw new CaptureError(
        "BAD_FILE_HEADER",
        this.#recordStart + 12,
        "pcapng version 1.x",
        `pcapng version ${major} is unknown`,
      );
    }
    this.#interfaces = [];
  }

  #interface(buf: Buffer, p: number, end: number): void {
    const le = this.#le;
    if (end - p < 8) throw this.#overrun(8);
    const linkType = u16(buf, p, le);
    const snapLength = u32(buf, p + 4, le);
    let pow10 = 6;
    let pow2 = 0;
    let offsetSeconds = 0;
    let q = p + 8;
    while (end - q >= 4) {
      const code = u16(buf, q, le);
      const olen = u16(buf, q + 2, le);
      const v = q + 4;
      if (code === 0) break;
      if (end - v < olen) throw this.#overrun(olen + 4);
      if (code === 9 && olen >= 1) {
        const r = buf[v]!;
        if (r & 0x80) {
          pow10 = -1;
          pow2 = r & 0x7f;
        } else {
          pow10 = r;
        }
      } else if (code === 14 && olen >= 8) {
        const lo = u32(buf, v + (le ? 0 : 4), le);
        const hi = u32(buf, v + (le ? 4 : 0), le) | 0;
        offsetSeconds = hi * TWO_32 + lo;
      }
      q = v + ((olen + 3) & ~3);
    }
    this.#interfaces.push(new CaptureInterface(linkType, snapLength, pow10, pow2, offsetSeconds));
  }

  #packet(buf: Buffer, p: number, end: number, id: number, ts: number, fixed: number): void {
    const le = this.#le;
    if (end - p < fixed) throw this.#overrun(fixed);
    const iface = this.#interfaces[id];
    if (iface === undefined) {
      throw new CaptureError(
        "UNKNOWN_INTERFACE",
        this.#recordStart + 8,
        `an interface id below ${this.#interfaces.length}`,
        `a packet block names interface ${id}, which no interface block described`,
      );
    }
    const capLen = u32(buf, p + 12, le);
    if (end - p - fixed < capLen) throw this.#overrun(capLen);
    const frame = this.#frame;
    frame.offset = this.#recordStart;
    frame.originalLength = u32(buf, p + 16, le);
    iface.setTime(frame, u32(buf, ts, le), u32(buf, ts + 4, le));
    const data = p + fixed;
    this.#emit(iface.linkType, buf.subarray(data, data + capLen), id);
  }

  #simplePacket(buf: Buffer, p: number, end: number): void {
    if (end - p < 4) throw this.#overrun(4);
    const iface = this.#interfaces[0];
    if (iface === undefined) {
      throw new CaptureError(
        "UNKNOWN_INTERFACE",
        this.#recordStart + 8,
        "an interface block before a simple packet block",
        "a simple packet block comes before any interface block",
      );
    }
    const original = u32(buf, p, this.#le);
    let capLen = Math.min(original, end - p - 4);
    if (iface.snapLength > 0 && capLen > iface.snapLength) capLen = iface.snapLength;
    // A simple packet block has no timestamp: the frame keeps the previous frame's time.
    const frame = this.#frame;
    frame.offset = this.#recordStart;
    frame.originalLength = original;
    this.#emit(iface.linkType, buf.subarray(p + 4, p + 4 + capLen), 0);
  }

  #overrun(n: number): CaptureError {
    return new CaptureError(
      "BAD_BLOCK",
      this.#recordStart,
      `${n} more bytes inside the block`,
      `a pcapng block's fields run past its ${this.#blockLength}-byte length`,
    );
  }
}
