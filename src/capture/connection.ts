import { portsKey, type TableEntry } from "./connection-table.js";
import { Conversation } from "./conversation.js";
import type { Endpoint } from "./exchange.js";
import { TcpFlag, type TcpSegment } from "./frame-decoder.js";
import type { RequestFinder } from "./request-finder.js";
import type { DecodeSession } from "./session.js";
import { type PendingBudget, type StreamOwner, TcpStream } from "./tcp-stream.js";
import { Check, headerVerdict, looksLikeUwsgi, Verdict } from "./uwsgi-heuristic.js";

const UNDECIDED = 0;
const UWSGI = 1;
const IGNORED = 2;
/** Not on the server ports: probed like UNDECIDED, only to count it when it looks like uwsgi. */
const CENSUS = 3;

// Without a handshake, a request must start in the first 64 KiB of its direction.
const PROBE_OFFSETS = 65540;

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
export class Connection implements StreamOwner, TableEntry {
  readonly key: number;
  readonly reverseKey: number;
  readonly #session: DecodeSession;
  readonly #ends: readonly [Endpoint, Endpoint];
  readonly #streams: readonly [TcpStream, TcpStream];
  #role = UNDECIDED;
  #clientDir = -1;
  #synSeq = -1;
  #conversation: Conversation | null = null;
  // Each direction's first bytes while deciding (a RequestFinder also searches them).
  readonly #probes: (RequestFinder | null)[] = [null, null];
  // Bytes that did not fit in a probe (only the answer side can fill one before deciding).
  #overflow = [0, 0];
  #ruledOut = [false, false];
  #reset = false;
  #finished = false;
  /** Set by the decoder when it stops tracking this connection. */
  forgotten = false;

  constructor(
    session: DecodeSession,
    seg: TcpSegment,
    ports: ReadonlySet<number> | null,
    heuristic: boolean,
    maxPending: number,
    budget: PendingBudget,
  ) {
    this.#session = session;
    this.key = portsKey(seg.srcPort, seg.dstPort);
    this.reverseKey = portsKey(seg.dstPort, seg.srcPort);
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
      else if (!heuristic) this.#role = CENSUS;
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

  /** True when `seg` is between this connection's two endpoints (either way). */
  carries(seg: TcpSegment): boolean {
    const a = this.#ends[0];
    const b = this.#ends[1];
    if (seg.srcPort === a.port && seg.dstPort === b.port) {
      return seg.srcAddr === a.address && seg.dstAddr === b.address;
    }
    if (seg.srcPort === b.port && seg.dstPort === a.port) {
      return seg.srcAddr === b.address && seg.dstAddr === a.address;
    }
    return false;
  }

  /** Its 4-tuple as text, from the first endpoint seen (or, `reverse`, from the other). */
  tupleText(reverse: boolean): string {
    const [a, b] = reverse ? [this.#ends[1], this.#ends[0]] : this.#ends;
    return `${a.address} ${a.port} ${b.address} ${b.port}`;
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
    for (let i = 0; i < 2; i++) {
      const s = this.#streams[i]!;
      s.flush();
      stats.gapBytes += s.gapBytes;
      stats.duplicateBytes += s.duplicateBytes;
    }
    if (this.#conversation !== null) {
      const server = this.#streams[1 - this.#clientDir]!;
      this.#conversation.finish(server.closed || this.#reset);
      this.#conversation = null;
    }
    this.#dropProbes();
  }

  /** TcpStream callback. */
  onStreamData(dir: number, data: Buffer): void {
    if (this.#role === UWSGI) {
      const conv = this.#conversation ?? this.#startConversation();
      if (dir === this.#clientDir) conv.request(data);
      else conv.answer(data);
      return;
    }
    if (this.#role === UNDECIDED || this.#role === CENSUS) this.#probe(dir, data);
  }

  /** TcpStream callback. */
  onStreamGap(dir: number, bytes: number): void {
    if (this.#role === UNDECIDED || this.#role === CENSUS) {
      // A hole while deciding: what was gathered cannot be trusted to be a start.
      this.#probes[dir]?.reset();
      this.#overflow[dir] = 0;
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
    const handshake = this.#clientDir >= 0 && !this.#streams[this.#clientDir]!.midstream;
    if (handshake && dir === this.#clientDir) {
      this.#probeStart(dir, data);
      return;
    }
    const probe = this.#probeOf(dir);
    const taken = probe.append(data, 0);
    if (handshake) {
      // Answer bytes while the request is not whole yet: kept to be given after it.
      this.#overflow[dir]! += data.length - taken;
      return;
    }
    // No handshake: look at every offset of the first 64 KiB of each direction.
    if (probe.find(PROBE_OFFSETS, false) >= 0) this.#decide(dir, probe.bytes, data.subarray(taken));
    else if (probe.from >= PROBE_OFFSETS) {
      this.#ruledOut[dir] = true;
      this.#probes[dir] = null;
      if (this.#ruledOut[1 - dir]) this.#ignore();
    } else {
      // The capacity holds a whole packet at any offset it still looks at: nothing is cut.
      this.#overflow[dir]! += data.length - taken;
    }
  }

  /**
   * After a handshake the client's first bytes must be a request: one candidate, checked once it
   * is whole. Most arrive whole in the first segment, which is then used as it is.
   */
  #probeStart(dir: number, data: Buffer): void {
    const held = this.#probes[dir] ?? null;
    const taken = held === null ? data.length : held.append(data, 0);
    const bytes = held === null ? data : held.bytes;
    const quick = headerVerdict(bytes, 0, bytes.length);
    const whole = quick === Check.VARS || quick === Check.ARRAY;
    this.#session.work.scanSteps += whole ? 1 + (bytes[1]! | (bytes[2]! << 8)) : 1;
    const verdict = whole ? looksLikeUwsgi(bytes, 0, bytes.length) : quick;
    if (verdict === Verdict.YES) this.#decide(dir, bytes, data.subarray(taken));
    else if (verdict === Verdict.NO) this.#ignore();
    else if (held === null) this.#probeOf(dir).append(data, 0);
  }

  #probeOf(dir: number): RequestFinder {
    const probe = this.#probes[dir] ?? this.#session.finder();
    this.#probes[dir] = probe;
    return probe;
  }

  /**
   * The connection is uwsgi, `clientDir` the client's: `request` is what was probed of it, `rest`
   * what followed in the same segment.
   */
  #decide(clientDir: number, request: Buffer, rest: Buffer): void {
    if (this.#role === CENSUS) {
      const elsewhere = this.#session.stats.uwsgiElsewhere;
      const port = this.#ends[1 - clientDir]!.port;
      elsewhere.set(port, (elsewhere.get(port) ?? 0) + 1);
      this.#ignore();
      return;
    }
    this.#clientDir = clientDir;
    this.#role = UWSGI;
    const conv = this.#startConversation();
    const server = 1 - clientDir;
    const answer = this.#probes[server]?.bytes ?? null;
    const answerLost = this.#overflow[server]!;
    const handshake = !this.#streams[clientDir]!.midstream;
    this.#dropProbes();
    // After a handshake, answer bytes seen while deciding answer this request. Without one, they
    // belong to an earlier request the capture missed: given first, they become a note.
    if (!handshake) this.#replayAnswer(conv, answer, answerLost);
    conv.request(request);
    if (rest.length > 0) conv.request(rest);
    if (handshake) this.#replayAnswer(conv, answer, answerLost);
  }

  #replayAnswer(conv: Conversation, answer: Buffer | null, lost: number): void {
    if (answer !== null && answer.length > 0) conv.answer(answer);
    if (lost > 0) conv.answerGap(lost);
  }

  #ignore(): void {
    this.#role = IGNORED;
    this.#dropProbes();
  }

  #dropProbes(): void {
    this.#probes[0] = null;
    this.#probes[1] = null;
  }
}
