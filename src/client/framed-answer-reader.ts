import type { FramedAnswerReady, FramedAnswerWaiting } from "../codec/framed-answer.js";
import { UwsgiClientError } from "./errors.js";
import { type AnswerReader, Collected } from "./packet-exchange.js";

/**
 * @internal Reads a uwsgi-framed answer (an RPC result, a cache value): the head, gathered until
 * the codec can read it, then exactly `contentLength` bytes of content, copied once into a buffer
 * of that size. A subclass names the codec's head reader and what the answer becomes.
 */
export abstract class FramedAnswerReader<H extends FramedAnswerReady, T>
  implements AnswerReader<T>
{
  readonly #max: number;
  readonly #what: string;
  readonly #head = new Collected();
  #need = 4;
  #ready: H | null = null;
  #content: Buffer | null = null;
  #filled = 0;

  /** `max`: the largest content accepted (`tooLarge` above it); `what`: `"a cache answer"`. */
  constructor(max: number, what: string) {
    this.#max = max;
    this.#what = what;
  }

  /** The codec's reader of this answer's head. */
  protected abstract readHead(bytes: Buffer): FramedAnswerWaiting | H;
  /** The BODY_TOO_LARGE error for content of `size` bytes, over `max`. */
  protected abstract tooLarge(size: number, max: number): UwsgiClientError;
  /** The result of a whole answer. */
  protected abstract result(head: H, content: Buffer): T;
  /** The result of a close before any byte (uWSGI's miss or failure), or a throw. */
  protected abstract closedEmpty(): T;

  push(chunk: Buffer): { readonly value: T } | undefined {
    if (this.#content !== null) return this.#fill(chunk);
    this.#head.add(chunk);
    if (this.#head.size < this.#need) return undefined;
    const bytes = this.#head.bytes();
    let head: FramedAnswerWaiting | H;
    try {
      head = this.readHead(bytes);
    } catch (err) {
      // The codec's UwsgiError: bytes that are no such answer.
      const cause = err as Error;
      throw new UwsgiClientError("MALFORMED_ANSWER", `not ${this.#what}: ${cause.message}`, cause);
    }
    if (!head.ready) {
      this.#need = bytes.length + head.needed;
      return undefined;
    }
    if (head.contentLength > this.#max) throw this.tooLarge(head.contentLength, this.#max);
    this.#ready = head;
    this.#content = Buffer.allocUnsafe(head.contentLength);
    return this.#fill(bytes.subarray(head.headLength));
  }

  #fill(chunk: Buffer): { readonly value: T } | undefined {
    const content = this.#content!;
    const n = Math.min(chunk.length, content.length - this.#filled);
    chunk.copy(content, this.#filled, 0, n);
    this.#filled += n;
    return this.#filled === content.length
      ? { value: this.result(this.#ready!, content) }
      : undefined;
  }

  end(): T {
    if (this.#head.size === 0) return this.closedEmpty();
    const expected = this.#content === null ? this.#need : this.#content.length;
    const got = this.#content === null ? this.#head.size : this.#filled;
    throw new UwsgiClientError(
      "ANSWER_TRUNCATED",
      `uWSGI closed the connection after ${got} of the ${expected} bytes it announced`,
    );
  }
}
