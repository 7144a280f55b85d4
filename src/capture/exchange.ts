import type { VarsView } from "../codec/vars-view.js";

/** A point in capture time: whole seconds since the Unix epoch and nanoseconds within it. */
export interface CaptureTime {
  readonly seconds: number;
  readonly nanos: number;
}

/** One end of a TCP connection. */
export interface Endpoint {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  readonly address: string;
  readonly port: number;
}

/** A problem met while decoding one exchange; the exchange is still reported. */
export interface ExchangeError {
  /**
   * A `UwsgiErrorCode` from the codec; `"GAP"` when captured bytes are missing;
   * `"UNKNOWN_MODIFIER1"` for a request whose modifier1 uWSGI does not assign;
   * `"ANSWER_HEAD_TOO_LONG"` for an HTTP answer without the end of its headers in 64 KiB.
   */
  readonly code: string;
  /** Which direction: the client's request or the server's answer. */
  readonly direction: "request" | "answer";
  /** Byte offset in that direction's stream (0 = the first byte the decoder saw). */
  readonly offset: number;
  readonly message: string;
}

/** Size, start and digest of a body. */
export interface BodySummary {
  /** Bytes seen (uncaptured bytes inside it not counted). */
  readonly length: number;
  /** Bytes lost to capture gaps inside the body: counted, never made up. */
  readonly missing: number;
  /** The first bytes (at most `previewBytes` of the options, none past a gap), a copy. */
  readonly preview: Buffer;
  /**
   * Hex SHA-256 of the body, when the decode was asked for digests (option `digest`) and no byte
   * of the body is missing; else null. With `complete` false it covers the bytes seen, which are
   * the body's start.
   */
  readonly sha256: string | null;
  /** True when the body ended where its length said (CONTENT_LENGTH, or the answer's close). */
  readonly complete: boolean;
}

/** One uwsgi packet of an answer (ping's pong, a cache value, an RPC result). */
export interface AnswerPacket {
  readonly modifier1: number;
  readonly modifier2: number;
  readonly modifierName: string;
  readonly datasize: number;
  /** The first bytes of the packet's data, a copy. */
  readonly preview: Buffer;
}

/** Fields every answer has. */
export interface AnswerBase {
  /** Answer bytes seen, headers included. */
  readonly length: number;
  /** Bytes lost to capture gaps. */
  readonly missing: number;
  /** True when the server closed its side (or the answer's own length ended it) with nothing lost. */
  readonly complete: boolean;
}

/** An HTTP-style answer (what uWSGI writes back for a WSGI/PSGI/Rack... request). */
export interface HttpAnswer extends AnswerBase {
  readonly kind: "http";
  /** `HTTP/1.1 200 OK` */
  readonly statusLine: string;
  /** The status code, or 0 when the status line has none. */
  readonly status: number;
  /** Header lines in wire order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: BodySummary;
}

/** An answer made of uwsgi packets (ping, cache, RPC, signal...). */
export interface PacketsAnswer extends AnswerBase {
  readonly kind: "packets";
  /** The first packets (at most 16). */
  readonly packets: readonly AnswerPacket[];
  /** How many packets there were in all. */
  readonly count: number;
}

/** An answer that is neither (or stopped being readable after a gap): its bytes summarised. */
export interface RawAnswer extends AnswerBase {
  readonly kind: "raw";
  readonly body: BodySummary;
}

/** What the server sent back. */
export type CapturedAnswer = HttpAnswer | PacketsAnswer | RawAnswer;

/** One uwsgi request and its answer, as seen in a capture. */
export interface CapturedExchange {
  /** 1-based, in the order the requests started. */
  readonly id: number;
  /** Who sent the request; null for raw uwsgi bytes and hex dumps. */
  readonly client: Endpoint | null;
  /** Who answered; null for raw uwsgi bytes and hex dumps. */
  readonly server: Endpoint | null;
  /** Time of the frame that carried the request's first byte. */
  readonly requestTime: CaptureTime | null;
  /** Time of the frame that carried the answer's first byte. */
  readonly answerTime: CaptureTime | null;
  /** Time of the last frame that carried a byte of the exchange. */
  readonly endTime: CaptureTime | null;
  readonly modifier1: number;
  readonly modifier2: number;
  /** `modifierName(modifier1)`: `"WSGI"`, `"PING"`, `"UNKNOWN_42"`. */
  readonly modifierName: string;
  /** Bytes of the packet's data (4-byte header not counted). */
  readonly datasize: number;
  /** The vars of a vars packet (a detached copy), else null. */
  readonly vars: VarsView | null;
  /** The data of a packet that is not vars (RPC arguments, cache key), a copy; else null. */
  readonly payload: Buffer | null;
  /** CONTENT_LENGTH as read by uWSGI (leading digits), 0 without one. */
  readonly contentLength: number;
  /** The request body. */
  readonly body: BodySummary;
  /** The answer, or null when the server sent nothing back. */
  readonly answer: CapturedAnswer | null;
  /** Things worth knowing that are not errors (started mid-stream, bytes skipped...). */
  readonly notes: readonly string[];
  /** Decode errors and gaps. */
  readonly errors: readonly ExchangeError[];
}
