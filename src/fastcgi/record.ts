// FastCGI 1.0 record framing (spec section 3.3): an 8-byte header (version, type, requestId u16
// BE, contentLength u16 BE, paddingLength, reserved), content, padding.

/** Record types (spec section 8). */
export const FcgiType = {
  BEGIN_REQUEST: 1,
  ABORT_REQUEST: 2,
  END_REQUEST: 3,
  PARAMS: 4,
  STDIN: 5,
  STDOUT: 6,
  STDERR: 7,
  DATA: 8,
  GET_VALUES: 9,
  GET_VALUES_RESULT: 10,
  UNKNOWN_TYPE: 11,
} as const;

/** BEGIN_REQUEST roles. */
export const FcgiRole = { RESPONDER: 1, AUTHORIZER: 2, FILTER: 3 } as const;

/** END_REQUEST protocol statuses. */
export const FcgiProtocolStatus = {
  REQUEST_COMPLETE: 0,
  CANT_MPX_CONN: 1,
  OVERLOADED: 2,
  UNKNOWN_ROLE: 3,
} as const;

/** The only version there is. */
export const FCGI_VERSION = 1;
/** Bytes of a record header. */
export const RECORD_HEADER_SIZE = 8;
/** Most content in one record: contentLength is a u16. */
export const MAX_CONTENT_LENGTH = 65535;
/** BEGIN_REQUEST flag: the web server keeps the connection after END_REQUEST. */
export const KEEP_CONN = 1;
/** nginx 1.22 sends a request body in STDIN records of at most 32 KiB. */
export const NGINX_STDIN_RECORD = 32768;

/** Padding that brings `contentLength` to a multiple of 8, as nginx and php-fpm send. */
export function paddingOf(contentLength: number): number {
  return (8 - (contentLength & 7)) & 7;
}

/** Writes a record header and zeroes `padding` bytes after the content; returns the content start. */
export function writeRecordHeader(
  buf: Uint8Array,
  at: number,
  type: number,
  requestId: number,
  contentLength: number,
  padding: number,
): number {
  buf[at] = FCGI_VERSION;
  buf[at + 1] = type;
  buf[at + 2] = requestId >>> 8;
  buf[at + 3] = requestId & 0xff;
  buf[at + 4] = contentLength >>> 8;
  buf[at + 5] = contentLength & 0xff;
  buf[at + 6] = padding;
  buf[at + 7] = 0;
  const pad = at + RECORD_HEADER_SIZE + contentLength;
  for (let i = 0; i < padding; i++) buf[pad + i] = 0;
  return at + RECORD_HEADER_SIZE;
}

/** Content bytes of the record whose header is at `at`. */
export function contentLengthAt(buf: Uint8Array, at: number): number {
  return (buf[at + 4]! << 8) | buf[at + 5]!;
}

/** Request id of the record whose header is at `at`. */
export function requestIdAt(buf: Uint8Array, at: number): number {
  return (buf[at + 2]! << 8) | buf[at + 3]!;
}
