import type { AnswerHead } from "./answer-head.js";
import { UwsgiClientError } from "./errors.js";

// Where an answer's body ends, from its head: nowhere for an interim answer, at once for the
// answers that never have one, at Content-Length, or when the backend closes.

/** Interim answers: 1xx but 101, which ends the HTTP exchange (the connection changes protocol). */
export function isInterim(status: number): boolean {
  return status < 200 && status !== 101;
}

/** Answers that never have a body, whatever the backend sends after the head. */
export function bodiless(status: number, head: boolean): boolean {
  return head || status === 204 || status === 304;
}

/** Content-Length of the answer: -1 when absent (the body ends when the backend closes). */
export function answerLength(head: AnswerHead): number {
  // 101: what follows is another protocol's bytes, until the backend closes.
  if (head.statusCode === 101) return -1;
  let length = -1;
  const raw = head.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const value = raw[i + 1]!;
    if (name.length !== 14 || name.toLowerCase() !== "content-length") continue;
    length = nextContentLength(value, length);
    if (length < 0) {
      throw new UwsgiClientError("MALFORMED_ANSWER", `bad Content-Length "${value}" in the answer`);
    }
  }
  return length;
}

/**
 * @internal One more Content-Length field of an answer: its value when it is plain digits within
 * the safe integers and agrees with `before` (the length read so far, -1 for none), else -1.
 * Differing lengths are an error (RFC 9112 6.3): either could frame the body.
 */
export function nextContentLength(value: string, before: number): number {
  let n = value.length === 0 ? -1 : 0;
  for (let k = 0; k < value.length && n >= 0; k++) {
    const d = value.charCodeAt(k) - 0x30;
    n = d >= 0 && d <= 9 ? n * 10 + d : -1;
  }
  return n > Number.MAX_SAFE_INTEGER || (before >= 0 && n !== before) ? -1 : n;
}
