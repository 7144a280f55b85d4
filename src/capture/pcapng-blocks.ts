import {
  type FrameHandler,
  FrameView,
  PCAPNG_MAGIC,
  type UnitReader,
  u16,
  u32,
} from "./capture-format.js";
import { CaptureInterface } from "./capture-interface.js";
import { CaptureError } from "./errors.js";

const FIRST = 0; // the first section header's length and byte-order magic
const HEAD = 1; // a block's type and length
const BOM = 2; // a later section header's byte-order magic
const BODY = 3; // a block's body and trailing length

const SHB = PCAPNG_MAGIC;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const TWO_32 = 4294967296;

/**
 * pcapng after its magic number: sections in either byte order; section headers, interface
 * descriptions (link type, snap length, `if_tsresol`, `if_tsoffset`), enhanced, simple and
 * obsolete packet blocks; other blocks are skipped unread, whatever their size.
 */
export class PcapngBlocks implements UnitReader {
  readonly #handler: FrameHandler;
  readonly #maxRecord: number;
  readonly #frame: FrameView = new FrameView();
  #state = FIRST;
  #le = true;
  #blockType = SHB;
  #blockLength = 0;
  #blockLengthOther = 0;
  #interfaces: CaptureInterface[] = [];
  need = 8;
  skip = 0;
  recordStart = 0;
  frames = 0;

  constructor(handler: FrameHandler, maxRecord: number) {
    this.#handler = handler;
    this.#maxRecord = maxRecord;
  }

  get atBoundary(): boolean {
    return this.#state === HEAD;
  }

  expected(): string {
    if (this.#state === FIRST || this.#state === BOM) return "a pcapng section header";
    if (this.#state === HEAD) return "an 8-byte pcapng block header";
    return `the rest of a ${this.#blockLength}-byte pcapng block`;
  }

  unit(buf: Buffer, p: number, at: number): void {
    const state = this.#state;
    if (state === BODY) this.#body(buf, p);
    else if (state === HEAD) this.#head(buf, p, at);
    else if (state === FIRST) this.#first(buf, p);
    else this.#byteOrder(buf, p);
  }

  /** The first section header: length and byte-order magic (the type was the file's magic). */
  #first(buf: Buffer, p: number): void {
    this.#blockLength = u32(buf, p, true);
    this.#blockLengthOther = u32(buf, p, false);
    this.#byteOrder(buf, p + 4);
  }

  #head(buf: Buffer, p: number, at: number): void {
    const le = this.#le;
    this.recordStart = at;
    this.#blockType = u32(buf, p, le);
    if (this.#blockType === SHB) {
      // A new section may change the byte order: read the length once the magic says how.
      this.#blockLength = u32(buf, p + 4, true);
      this.#blockLengthOther = u32(buf, p + 4, false);
      this.#state = BOM;
      this.need = 4;
      return;
    }
    const length = u32(buf, p + 4, le);
    this.#checkBlockLength(length, 12);
    this.#blockLength = length;
    const type = this.#blockType;
    if (type !== EPB && type !== IDB && type !== SPB && type !== OPB) {
      // Skipped unread: the trailing length is not checked, and its size costs no memory.
      this.skip = length - 8;
      return;
    }
    this.#checkRecordSize(length);
    this.#state = BODY;
    this.need = length - 8;
  }

  #byteOrder(buf: Buffer, p: number): void {
    let le: boolean;
    if (u32(buf, p, false) === BYTE_ORDER_MAGIC) le = false;
    else if (u32(buf, p, true) === BYTE_ORDER_MAGIC) le = true;
    else {
      throw new CaptureError(
        "BAD_FILE_HEADER",
        this.recordStart + 8,
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
    this.#state = BODY;
    this.need = length - 12;
  }

  #checkBlockLength(length: number, min: number): void {
    if (length < min || length % 4 !== 0) {
      throw new CaptureError(
        "BAD_BLOCK",
        this.recordStart + 4,
        `a block length that is a multiple of 4 and at least ${min}`,
        `a pcapng block says it is ${length} bytes long`,
      );
    }
  }

  #checkRecordSize(length: number): void {
    if (length > this.#maxRecord) {
      throw new CaptureError(
        "RECORD_TOO_LARGE",
        this.recordStart + 4,
        `a block of at most ${this.#maxRecord} bytes (option maxRecordSize)`,
        `a pcapng block says it is ${length} bytes long`,
      );
    }
  }

  /** `buf[p..]` is the block after its type and length (after the byte-order magic for an SHB). */
  #body(buf: Buffer, p: number): void {
    const le = this.#le;
    const end = p + this.need - 4;
    if (u32(buf, end, le) !== this.#blockLength) {
      throw new CaptureError(
        "BAD_BLOCK",
        this.recordStart + this.#blockLength - 4,
        `the trailing block length ${this.#blockLength}`,
        `a pcapng block ends with length ${u32(buf, end, le)}`,
      );
    }
    this.#state = HEAD;
    this.need = 8;
    const type = this.#blockType;
    if (type === EPB) this.#packet(buf, p, end, u32(buf, p, le), p + 4);
    else if (type === SHB) this.#section(buf, p);
    else if (type === IDB) this.#interface(buf, p, end);
    else if (type === OPB) this.#packet(buf, p, end, u16(buf, p, le), p + 4);
    else this.#simplePacket(buf, p, end);
  }

  #section(buf: Buffer, p: number): void {
    const major = u16(buf, p, this.#le);
    if (major !== 1) {
      throw new CaptureError(
        "BAD_FILE_HEADER",
        this.recordStart + 12,
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

  /** An enhanced or obsolete packet block: interface `id`, timestamp at `ts`, 20 fixed bytes. */
  #packet(buf: Buffer, p: number, end: number, id: number, ts: number): void {
    const le = this.#le;
    if (end - p < 20) throw this.#overrun(20);
    const iface = this.#interfaces[id];
    if (iface === undefined) {
      throw new CaptureError(
        "UNKNOWN_INTERFACE",
        this.recordStart + 8,
        `an interface id below ${this.#interfaces.length}`,
        `a packet block names interface ${id}, which no interface block described`,
      );
    }
    const capLen = u32(buf, p + 12, le);
    if (end - p - 20 < capLen) throw this.#overrun(capLen);
    const frame = this.#frame;
    frame.offset = this.recordStart;
    frame.originalLength = u32(buf, p + 16, le);
    iface.setTime(frame, u32(buf, ts, le), u32(buf, ts + 4, le));
    const data = p + 20;
    this.#emit(iface.linkType, buf, data, data + capLen, id);
  }

  #simplePacket(buf: Buffer, p: number, end: number): void {
    if (end - p < 4) throw this.#overrun(4);
    const iface = this.#interfaces[0];
    if (iface === undefined) {
      throw new CaptureError(
        "UNKNOWN_INTERFACE",
        this.recordStart + 8,
        "an interface block before a simple packet block",
        "a simple packet block comes before any interface block",
      );
    }
    const original = u32(buf, p, this.#le);
    let capLen = Math.min(original, end - p - 4);
    if (iface.snapLength > 0 && capLen > iface.snapLength) capLen = iface.snapLength;
    // A simple packet block has no timestamp: the frame keeps the previous frame's time.
    const frame = this.#frame;
    frame.offset = this.recordStart;
    frame.originalLength = original;
    this.#emit(iface.linkType, buf, p + 4, p + 4 + capLen, 0);
  }

  #emit(linkType: number, buf: Buffer, start: number, end: number, interfaceId: number): void {
    const frame = this.#frame;
    frame.linkType = linkType;
    frame.interfaceId = interfaceId;
    frame.setBytes(buf, start, end);
    this.frames++;
    this.#handler.onFrame(frame);
  }

  #overrun(n: number): CaptureError {
    return new CaptureError(
      "BAD_BLOCK",
      this.recordStart,
      `${n} more bytes inside the block`,
      `a pcapng block's fields run past its ${this.#blockLength}-byte length`,
    );
  }
}
