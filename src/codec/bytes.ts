import { invalidArgType } from "./arguments.js";

// The one module of the codec that knows whether Node's Buffer is there. With it, strings and
// copies go through Buffer's native latin1/utf8 paths and new memory comes from Node's pool (and
// is a Buffer, which Node callers expect); without it (browsers, Deno without node globals,
// workers), the same results come from portable code on plain Uint8Arrays. The global is read
// once, at import; nothing else happens at import.

/** The parts of Node's Buffer the codec uses; declared here so no Node type leaks into the API. */
interface NodeBufferClass {
  new (...args: never[]): Uint8Array;
  allocUnsafe(size: number): Uint8Array;
  from(buffer: ArrayBufferLike, byteOffset?: number, length?: number): Uint8Array;
  byteLength(s: string, encoding: "utf8"): number;
  readonly prototype: Uint8Array & NodeBufferMethods;
}

/** Buffer's own (undocumented but long-standing) native methods; they work on any Uint8Array. */
interface NodeBufferMethods {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  latin1Write(this: Uint8Array, s: string, offset: number, length: number): number;
  utf8Write(this: Uint8Array, s: string, offset: number, length: number): number;
  copy(this: Uint8Array, target: Uint8Array, at: number, start: number, end: number): number;
}

function nodeBuffer(): NodeBufferClass | undefined {
  const B = (globalThis as { Buffer?: NodeBufferClass }).Buffer;
  // A bundler's Buffer polyfill lacks the native methods: use the portable code then.
  if (typeof B !== "function") return undefined;
  const p = B.prototype;
  return typeof p.latin1Slice === "function" &&
    typeof p.latin1Write === "function" &&
    typeof p.utf8Write === "function" &&
    typeof p.copy === "function"
    ? B
    : undefined;
}

// In Node 20 the global `Buffer` is an accessor property: read it once, not per call.
const NODE: NodeBufferClass | undefined = nodeBuffer();
const NODE_METHODS: NodeBufferMethods | undefined = NODE?.prototype;

/** True when Node's Buffer backs the codec (outputs are Buffers). */
export const HAS_NODE_BUFFER: boolean = NODE !== undefined;

/** Uninitialised memory of `size` bytes: a Buffer from Node's pool, or a new Uint8Array. */
export function allocBytes(size: number): Uint8Array {
  return NODE !== undefined ? NODE.allocUnsafe(size) : new Uint8Array(size);
}

// The portable half of each function below, on its own so the tests can run it beside Node's.

/**
 * `input` as a Uint8Array over the same memory (no copy), or undefined when it is not bytes.
 * Accepts what `TextDecoder.decode` accepts: an ArrayBuffer, a SharedArrayBuffer or any
 * ArrayBufferView (a TypedArray of any element type or a DataView, read as its bytes). Under Node
 * the result is a Buffer, so the views the codec hands out are Buffers too.
 */
export function bytesOf(input: unknown): Uint8Array | undefined {
  if (NODE !== undefined) {
    if (input instanceof NODE) return input;
    if (ArrayBuffer.isView(input))
      return NODE.from(input.buffer, input.byteOffset, input.byteLength);
    if (isArrayBuffer(input)) return NODE.from(input);
    return undefined;
  }
  return portableBytesOf(input);
}

function portableBytesOf(input: unknown): Uint8Array | undefined {
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) {
    return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  }
  if (isArrayBuffer(input)) return new Uint8Array(input);
  return undefined;
}

// What bytesOf returns as it is: a Buffer under Node, any Uint8Array elsewhere.
const AS_IS: new (...args: never[]) => Uint8Array = NODE ?? Uint8Array;

/** @internal An input argument as bytes (see bytesOf); anything else is ERR_INVALID_ARG_TYPE. */
export function inputBytes(name: string, input: unknown): Uint8Array {
  // Small enough for V8 to inline into every decode: the usual input takes one test.
  return input instanceof AS_IS ? input : otherInputBytes(name, input);
}

function otherInputBytes(name: string, input: unknown): Uint8Array {
  const bytes = bytesOf(input);
  if (bytes === undefined) throw invalidArgType(name, INPUT_TYPES, input);
  return bytes;
}

const INPUT_TYPES = "a Uint8Array, an ArrayBuffer or another ArrayBufferView";

/** @internal A target argument (memory to write into): a Uint8Array, else ERR_INVALID_ARG_TYPE. */
export function targetBytes(name: string, target: unknown): Uint8Array {
  if (!(target instanceof Uint8Array)) throw invalidArgType(name, "a Uint8Array", target);
  return target;
}

function isArrayBuffer(x: unknown): x is ArrayBufferLike {
  if (x instanceof ArrayBuffer) return true;
  if (typeof SharedArrayBuffer === "function" && x instanceof SharedArrayBuffer) return true;
  // One from another realm (an iframe, a vm context) fails instanceof.
  const tag = Object.prototype.toString.call(x);
  return tag === "[object ArrayBuffer]" || tag === "[object SharedArrayBuffer]";
}

/** Copies `src[start, end)` to `target` at `at`, without making a view of the source. */
export function copyBytes(
  src: Uint8Array,
  start: number,
  end: number,
  target: Uint8Array,
  at: number,
): void {
  if (NODE_METHODS !== undefined) NODE_METHODS.copy.call(src, target, at, start, end);
  else portableCopy(src, start, end, target, at);
}

function portableCopy(src: Uint8Array, start: number, end: number, to: Uint8Array, at: number) {
  to.set(src.subarray(start, end), at);
}

// String.fromCharCode.apply takes its arguments on the stack: keep each call well below limits.
const CHARS_PER_CALL = 8192;

/** `buf[start, end)` as a latin1 string: each byte becomes the char with the same code. */
export function latin1Slice(buf: Uint8Array, start: number, end: number): string {
  if (NODE_METHODS !== undefined) return NODE_METHODS.latin1Slice.call(buf, start, end);
  return portableLatin1Slice(buf, start, end);
}

function portableLatin1Slice(buf: Uint8Array, start: number, end: number): string {
  // Not TextDecoder("latin1"): the WHATWG label means windows-1252, which maps 0x80-0x9F elsewhere.
  let out = "";
  for (let p = start; p < end; p += CHARS_PER_CALL) {
    const part = buf.subarray(p, Math.min(end, p + CHARS_PER_CALL));
    out += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return out;
}

/** Writes `s`, whose chars are all below U+0100 (the caller checked), as latin1 at `offset`. */
export function writeLatin1(buf: Uint8Array, s: string, offset: number): void {
  if (NODE_METHODS !== undefined) NODE_METHODS.latin1Write.call(buf, s, offset, s.length);
  else portableWriteLatin1(buf, s, offset);
}

function portableWriteLatin1(buf: Uint8Array, s: string, offset: number): void {
  for (let i = 0; i < s.length; i++) buf[offset + i] = s.charCodeAt(i);
}

/** UTF-8 length of a well-formed string (the caller checked it has no lone surrogate). */
export function utf8ByteLength(s: string): number {
  if (NODE !== undefined) return NODE.byteLength(s, "utf8");
  return portableUtf8ByteLength(s);
}

function portableUtf8ByteLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      // A surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes.
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

// The WHATWG classes, declared by what the codec calls (no DOM lib in the build).
interface Utf8Encoder {
  encodeInto(s: string, target: Uint8Array): { read: number; written: number };
}
interface Utf8Decoder {
  decode(input: Uint8Array): string;
}

let encoder: Utf8Encoder | undefined;

/** Writes a well-formed `s` as UTF-8 at `offset` (room for `length` bytes); returns the bytes written. */
export function writeUtf8(buf: Uint8Array, s: string, offset: number, length: number): number {
  if (NODE_METHODS !== undefined) return NODE_METHODS.utf8Write.call(buf, s, offset, length);
  return portableWriteUtf8(buf, s, offset, length);
}

function portableWriteUtf8(buf: Uint8Array, s: string, offset: number, length: number): number {
  encoder ??= new TextEncoder();
  return encoder.encodeInto(s, buf.subarray(offset, offset + length)).written;
}

/**
 * @internal What runs where Node's Buffer is missing, for the tests to compare with Node's own
 * (test/codec/bytes.test.ts); the core's run without Node's globals is test/codec/runs-anywhere.
 */
export const PORTABLE: {
  readonly bytesOf: typeof bytesOf;
  readonly copyBytes: typeof copyBytes;
  readonly latin1Slice: typeof latin1Slice;
  readonly writeLatin1: typeof writeLatin1;
  readonly utf8ByteLength: typeof utf8ByteLength;
  readonly writeUtf8: typeof writeUtf8;
} = Object.freeze({
  bytesOf: portableBytesOf,
  copyBytes: portableCopy,
  latin1Slice: portableLatin1Slice,
  writeLatin1: portableWriteLatin1,
  utf8ByteLength: portableUtf8ByteLength,
  writeUtf8: portableWriteUtf8,
});

// Made on first use; `fatal` makes invalid bytes an error instead of U+FFFD.
let decoder: Utf8Decoder | undefined;

/** `buf[start, end)` as UTF-8, or undefined when the bytes are not valid UTF-8. */
export function utf8Slice(buf: Uint8Array, start: number, end: number): string | undefined {
  decoder ??= new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  try {
    return decoder.decode(buf.subarray(start, end));
  } catch {
    return undefined;
  }
}
