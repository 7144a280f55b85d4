import type { AnswerFraming } from "../codec/answer-framing.js";
import { readCacheAnswerHead } from "../codec/cache.js";
import { UwsgiError } from "../codec/errors.js";
import { readRpcAnswerHead } from "../codec/rpc.js";

/** What an answer's first packet announces after itself. */
export interface AnswerContent {
  /** Content bytes announced: after the packet, or in it (`inPacket`); -1 for up to the close. */
  readonly length: number;
  /** The content is the packet's own data (an RPC result that fits in 64 KiB). */
  readonly inPacket: boolean;
  /** Why the head could not be read (the content is then taken up to the close), or null. */
  readonly problem: { code: string; offset: number; message: string } | null;
}

const NOTHING: AnswerContent = { length: 0, inPacket: false, problem: null };
const TO_CLOSE: AnswerContent = { length: -1, inPacket: false, problem: null };

/**
 * Reads the whole first packet of an answer (`head`: its header and datasize bytes) as uWSGI
 * frames the answers of `framing`: an RPC result in the packet (modifier2 0) or after its
 * CONTENT_LENGTH vars (5), a cache value after the magic answer's vars (`size`), a dump's table
 * up to the close; a pong or a status carries nothing after it.
 */
export function answerContentOf(framing: AnswerFraming, head: Uint8Array): AnswerContent {
  if (framing === "dump") return TO_CLOSE;
  if (framing !== "rpc" && framing !== "cache") return NOTHING;
  try {
    if (framing === "cache") {
      const h = readCacheAnswerHead(head);
      // Whole: the packet is all there.
      return h.ready ? { length: h.contentLength, inPacket: false, problem: null } : TO_CLOSE;
    }
    const h = readRpcAnswerHead(head);
    if (!h.ready) return TO_CLOSE;
    // modifier2 0: the result is the packet's data; 5: it follows the vars.
    return { length: h.contentLength, inPacket: h.modifier2 === 0, problem: null };
  } catch (err) {
    // Not control flow: the head is not what the request's framing says; said, then counted.
    return { length: -1, inPacket: false, problem: problemOf(err, framing, head) };
  }
}

function problemOf(
  err: unknown,
  framing: "rpc" | "cache",
  head: Uint8Array,
): { code: string; offset: number; message: string } {
  if (!(err instanceof UwsgiError)) throw err;
  const packetCode = ["UNEXPECTED_PACKET", "MISSING_FIELD", "INVALID_FIELD"].includes(err.code);
  if (!packetCode) return { code: err.code, offset: err.offset, message: err.detail };
  const what = framing === "rpc" ? "an RPC answer" : "a cache answer";
  let message: string;
  if (err.code === "UNEXPECTED_PACKET") {
    message = `modifier1 ${head[0]}, modifier2 ${head[3]} is not ${what} (${framing === "rpc" ? "173 with modifier2 0 or 5" : "111 with modifier2 17"}); the rest is counted as it comes`;
  } else if (err.code === "MISSING_FIELD") {
    message = `${what} without its ${err.field} var; the rest is counted as it comes`;
  } else {
    message = `${what} whose ${err.field} is not a plain decimal number; the rest is counted as it comes`;
  }
  return { code: err.code, offset: err.offset, message };
}
