import {
  type FrameHandler,
  FrameView,
  PCAP_MAGIC_MICRO,
  PCAP_MAGIC_NANO,
  type UnitReader,
  u16,
  u32,
} from "./capture-format.js";
import { CaptureError } from "./errors.js";

const FILE_HEADER = 0;
const RECORD = 1;
const DATA = 2;

/**
 * Classic pcap after its magic number: the rest of the 24-byte file header, then records (a
 * 16-byte header, then the captured bytes), in the byte order and time resolution the magic says.
 */
export class PcapRecords implements UnitReader {
  readonly #handler: FrameHandler;
  readonly #maxRecord: number;
  readonly #frame: FrameView = new FrameView();
  readonly #le: boolean;
  readonly #nano: boolean;
  #state = FILE_HEADER;
  #linkType = 0;
  need = 20;
  skip = 0;
  recordStart = 0;
  frames = 0;

  /** The file's magic number is at `buf[p]`: it says the byte order and time resolution. */
  constructor(handler: FrameHandler, maxRecord: number, buf: Buffer, p: number) {
    this.#handler = handler;
    this.#maxRecord = maxRecord;
    const be = u32(buf, p, false);
    this.#le = !(be === PCAP_MAGIC_MICRO || be === PCAP_MAGIC_NANO);
    this.#nano = u32(buf, p, this.#le) === PCAP_MAGIC_NANO;
  }

  get atBoundary(): boolean {
    return this.#state === RECORD;
  }

  expected(): string {
    if (this.#state === FILE_HEADER) return "the rest of the 24-byte pcap file header";
    if (this.#state === RECORD) return "a 16-byte pcap record header";
    return `the ${this.need}-byte frame of a pcap record`;
  }

  unit(buf: Buffer, p: number, at: number): void {
    if (this.#state === DATA) this.#data(buf, p);
    else if (this.#state === RECORD) this.#record(buf, p, at);
    else this.#fileHeader(buf, p);
  }

  #fileHeader(buf: Buffer, p: number): void {
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
    this.#state = RECORD;
    this.need = 16;
  }

  #record(buf: Buffer, p: number, at: number): void {
    const le = this.#le;
    const inclLen = u32(buf, p + 8, le);
    const frame = this.#frame;
    this.recordStart = at;
    frame.offset = at;
    frame.seconds = u32(buf, p, le);
    const frac = u32(buf, p + 4, le);
    frame.nanos = this.#nano ? frac : frac * 1000;
    frame.originalLength = u32(buf, p + 12, le);
    if (inclLen > this.#maxRecord) {
      throw new CaptureError(
        "RECORD_TOO_LARGE",
        at + 8,
        `a captured length of at most ${this.#maxRecord} (option maxRecordSize)`,
        `a pcap record says it holds ${inclLen} bytes`,
      );
    }
    if (inclLen === 0) {
      this.#emit(buf, p, p);
      return;
    }
    this.#state = DATA;
    this.need = inclLen;
  }

  #data(buf: Buffer, p: number): void {
    this.#emit(buf, p, p + this.need);
    this.#state = RECORD;
    this.need = 16;
  }

  #emit(buf: Buffer, start: number, end: number): void {
    const frame = this.#frame;
    frame.linkType = this.#linkType;
    frame.interfaceId = 0;
    frame.setBytes(buf, start, end);
    this.frames++;
    this.#handler.onFrame(frame);
  }
}
