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

/** The uwsgi packet an answer starts with (a pong, a status, an RPC or cache answer's head). */
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

/**
 * An answer that is a uwsgi packet and what it announces, framed as uWSGI frames the answer to
 * its request (`answerFramingOf`): a pong, the `[255, 0, 0, status]` of a signal or spooler
 * request, an RPC answer, a cache "magic" answer, a cache dump.
 */
export interface PacketsAnswer extends AnswerBase {
  readonly kind: "packets";
  /**
   * The answer's packet: one (uWSGI sends one), or none when the answer ended before its header.
   * An answer cut inside its packet still shows the header it had.
   */
  readonly packets: readonly AnswerPacket[];
  /** 1 when the packet is whole, else 0. */
  readonly count: number;
  /**
   * The answer's content: an RPC result (the packet's data with modifier2 0; the bytes after its
   * CONTENT_LENGTH vars with 5), a cache value (after the answer's vars, `size` bytes), a dump's
   * item table (up to the close); empty after a pong or a status. Bytes past what the packet
   * announces are counted here too, and an `UNEXPECTED_BYTES` error says where they start.
   * `complete` is true when the content has the length announced.
   */
  readonly body: BodySummary;
}

/**
 * An answer without framing (an echo, a raw RPC result, a simple cache get's pointer bytes and
 * value), one that is not what its request's framing says, or one whose head a gap cut: its bytes
 * summarised.
 */
export interface RawAnswer extends AnswerBase {
  readonly kind: "raw";
  readonly body: BodySummary;
}

/**
 * How a request's body follows its packet:
 * - `"none"`: no body;
 * - `"length"`: CONTENT_LENGTH bytes (nginx, uWSGI's routers for a body of known length);
 * - `"chunked"`: HTTP/1.1 chunked framing (HTTP_TRANSFER_ENCODING: chunked without
 *   CONTENT_LENGTH, as uWSGI's http router `--http-chunked-input` forwards an upload of unknown
 *   length): `body` is the decoded data; framing errors are listed on the exchange;
 * - `"size"`: a cache "magic" set's or update's value, `size` bytes.
 */
export type RequestBodyFraming = "none" | "length" | "chunked" | "size";

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
  /**
   * The body length the request announces: CONTENT_LENGTH as uWSGI reads it (leading digits), or
   * a cache "magic" request's `size`; 0 without one, and for a chunked body.
   */
  readonly contentLength: number;
  /** How the request's body is framed after its packet (see {@link RequestBodyFraming}). */
  readonly bodyFraming: RequestBodyFraming;
  /** The request body: what follows the packet, de-chunked when it came chunked. */
  readonly body: BodySummary;
  /** The answer, or null when the server sent nothing back. */
  readonly answer: CapturedAnswer | null;
  /** Things worth knowing that are not errors (started mid-stream, bytes skipped...). */
  readonly notes: readonly string[];
  /** Decode errors and gaps. */
  readonly errors: readonly ExchangeError[];
}
