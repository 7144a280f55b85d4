import { Conversation } from "./conversation.js";
import type { Endpoint } from "./exchange.js";
import { TcpFlag, type TcpSegment } from "./frame-decoder.js";
import type { DecodeSession } from "./session.js";
import { type PendingBudget, type StreamOwner, TcpStream } from "./tcp-stream.js";
import { looksLikeUwsgi, Verdict } from "./uwsgi-heuristic.js";

const UNDECIDED = 0;
const UWSGI = 1;
const IGNORED = 2;

// Enough for one whole packet (65539 bytes) to be looked for at any offset of the first 64 KiB.
const PROBE_CAPACITY = 2 * 65540;

/**
 * One TCP connection: two reassembled directions (0: from the endpoint that sent the first segment
 * seen, 1: back), the decision whether it carries uwsgi and which side is the client, then the
 * {@link Conversation} that reads it.
 *
 * With server ports the decision is made from the ports. Without, it is the strict heuristic:
 * when the handshake was seen, the client's first bytes must be a whole plausible uwsgi request;
 * when it was not, each direction's first 64 KiB are searched and the first that holds one is the
 * client's. Connections that fail are ignored (their segments are dropped on sight).
 */
export class Connection implements StreamOwner {
  readonly key: string;
  readonly reverseKey: string;
  readonly #session: DecodeSession;
  readonly #ends: readonly [Endpoint, Endpoint];
  readonly #streams: readonly [TcpStream, TcpStream];
  #role = UNDECIDED;
  #clientDir = -1;
  #synSeq = -1;
  #conversation: Conversation | null = null;
  #probes: (Buffer | null)[] = [null, null];
  #probeLengths = [0, 0];
  #scanFrom = [0, 0];
  #ruledOut = [false, false];
  #reset = false;
  #finished = false;

  constructor(
    session: DecodeSession,
    key: string,
    reverseKey: string,
    seg: TcpSegment,
    ports: ReadonlySet<number> | null,
    heuristic: boolean,
    maxPending: number,
    budget: PendingBudget,
  ) {
    this.#session = session;
    this.key = key;
    this.reverseKey = reverseKey;
    this.#ends = [
      { address: seg.srcAddr, port: seg.srcPort },
      { address: seg.dstAddr, port: seg.dstPort },
    ];
    this.#streams = [
      new TcpStream(this, 0, maxPending, budget),
      new TcpStream(this, 1, maxPending, budget),
    ];
    if (ports !== null) {
      if (ports.has(seg.dstPort)) this.#clientDir = 0;
      else if (ports.has(seg.srcPort)) this.#clientDir = 1;
      if (this.#clientDir >= 0) this.#role = UWSGI;
      else if (!heuristic) this.#role = IGNORED;
    }
  }

  /** True when this connection is not uwsgi: its segments can be dropped unread. */
  get ignored(): boolean {
    return this.#role === IGNORED;
  }

  /** True once it has been reported (closed, reset or flushed). */
  get finished(): boolean {
    return this.#finished;
  }

  /** True when `seg` is a new connection's SYN on this 4-tuple (port reuse). */
  isNewSyn(seg: TcpSegment): boolean {
    const syn = (seg.flags & (TcpFlag.SYN | TcpFlag.ACK)) === TcpFlag.SYN;
    return syn && this.#synSeq >= 0 && seg.seq !== this.#synSeq;
  }

  /** Direction of `seg`: 0 when its source is the first endpoint seen. */
  directionOf(seg: TcpSegment): number {
    const a = this.#ends[0];
    return seg.srcPort === a.port && seg.srcAddr === a.address ? 0 : 1;
  }

  /** Feeds one segment of this connection. */
  segment(seg: TcpSegment, dir: number): void {
    const flags = seg.flags;
    const stream = this.#streams[dir]!;
    if (flags & TcpFlag.RST) {
      this.#reset = true;
      this.finish();
      return;
    }
    if (flags & TcpFlag.SYN) {
      if (!(flags & TcpFlag.ACK)) {
        this.#synSeq = seg.seq;
        if (this.#clientDir < 0) this.#clientDir = dir;
      } else if (this.#clientDir < 0) {
        this.#clientDir = 1 - dir;
      }
      stream.syn(seg.seq);
      return;
    }
    stream.segment(seg.seq, seg.payload, seg.missing, (flags & TcpFlag.FIN) !== 0);
    if (this.#streams[0].closed && this.#streams[1].closed) this.finish();
  }

  /** Ends the connection: what waits for missing segments is delivered after gaps, then reported. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const stats = this.#session.stats;
    for (const s of this.#streams) {
      s.flush();
      stats.gapBytes += s.gapBytes;
      stats.duplicateBytes += s.duplicateBytes;
    }
    if (this.#conversation !== null) {
      const server = this.#streams[1 - this.#clientDir]!;
      this.#conversation.finish(server.closed || this.#reset);
      this.#conversation = null;
    }
    this.#probes = [null, null];
  }

  /** @internal TcpStream callback. */
  onStreamData(dir: number, data: Buffer): void {
    if (this.#role === UWSGI) {
      const conv = this.#conversation ?? this.#startConversation();
      if (dir === this.#clientDir) conv.request(data);
      else conv.answer(data);
      return;
    }
    if (this.#role === UNDECIDED) this.#probe(dir, data);
  }

  /** @internal TcpStream callback. */
  onStreamGap(dir: number, bytes: number): void {
    if (this.#role === UNDECIDED) {
      // A hole while deciding: what was gathered cannot be trusted to be a start.
      this.#probeLengths[dir] = 0;
      this.#scanFrom[dir] = 0;
      return;
    }
    if (this.#role !== UWSGI) return;
    const conv = this.#conversation ?? this.#startConversation();
    if (dir === this.#clientDir) conv.requestGap(bytes);
    else conv.answerGap(bytes);
  }

  #startConversation(): Conversation {
    const client = this.#streams[this.#clientDir]!;
    const midstream = !client.started || client.midstream;
    this.#session.stats.uwsgiConnections++;
    this.#conversation = new Conversation(
      this.#session,
      this.#ends[this.#clientDir]!,
      this.#ends[1 - this.#clientDir]!,
      {
        search: midstream,
        searchReason: "the connection started before the capture",
        searchAfterRequest: true,
      },
    );
    return this.#conversation;
  }

  #probe(dir: number, data: Buffer): void {
    if (this.#ruledOut[dir]) return;
    const have = this.#probeLengths[dir]!;
    let buf = this.#probes[dir] ?? null;
    if (buf === null || (buf.length < have + data.length && buf.length < PROBE_CAPACITY)) {
      // Grown as needed: most connections are decided on their first few bytes.
      const grown = Buffer.allocUnsafe(
        Math.min(PROBE_CAPACITY, Math.max(4096, 2 * (have + data.length))),
      );
      if (buf !== null) buf.copy(grown, 0, 0, have);
      buf = grown;
      this.#probes[dir] = buf;
    }
    const n = Math.min(buf.length - have, data.length);
    data.copy(buf, have, 0, n);
    const len = have + n;
    this.#probeLengths[dir] = len;
    const handshake = this.#clientDir >= 0 && !this.#streams[this.#clientDir]!.midstream;
    if (handshake) {
      if (dir !== this.#clientDir) return;
      const verdict = looksLikeUwsgi(buf, 0, len);
      if (verdict === Verdict.YES) this.#decide(dir);
      else if (verdict === Verdict.NO) this.#ignore();
      return;
    }
    // No handshake: look at every offset of the first 64 KiB of each direction.
    let verdict: number = Verdict.NO;
    const last = Math.min(len, PROBE_CAPACITY / 2);
    // A NO at an offset is final (it rests on bytes already there): rescan only from the first
    // offset that was still open.
    let k = this.#scanFrom[dir]!;
    for (; k < last; k++) {
      verdict = looksLikeUwsgi(buf, k, len);
      if (verdict !== Verdict.NO) break;
    }
    this.#scanFrom[dir] = k;
    if (verdict === Verdict.YES) this.#decide(dir);
    else if (verdict === Verdict.NO && len >= PROBE_CAPACITY / 2) {
      this.#ruledOut[dir] = true;
      this.#probes[dir] = null;
      if (this.#ruledOut[1 - dir]) this.#ignore();
    }
  }

  #decide(clientDir: number): void {
    this.#clientDir = clientDir;
    this.#role = UWSGI;
    const conv = this.#startConversation();
    const server = 1 - clientDir;
    const answerBytes = this.#probes[server] ?? null;
    const requestBytes = this.#probes[clientDir]!;
    const answerLength = this.#probeLengths[server]!;
    const handshake = !this.#streams[clientDir]!.midstream;
    this.#probes = [null, null];
    // After a handshake, answer bytes seen while deciding answer this request. Without one, they
    // belong to an earlier request the capture missed: given first, they become a note.
    if (!handshake && answerBytes !== null && answerLength > 0) {
      conv.answer(answerBytes.subarray(0, answerLength));
    }
    conv.request(requestBytes.subarray(0, this.#probeLengths[clientDir]));
    if (handshake && answerBytes !== null && answerLength > 0) {
      conv.answer(answerBytes.subarray(0, answerLength));
    }
  }

  #ignore(): void {
    this.#role = IGNORED;
    this.#probes = [null, null];
  }
}
