import type { TcpSegment } from "./frame-decoder.js";

/** What the table needs of a connection. */
export interface TableEntry {
  /** {@link portsKey} of its first endpoint's port to the second's, and the reverse. */
  readonly key: number;
  readonly reverseKey: number;
  /** True when `seg` is between its two endpoints (either way). */
  carries(seg: TcpSegment): boolean;
  /** Its 4-tuple as text, from the first endpoint (or, `reverse`, from the second). */
  tupleText(reverse: boolean): string;
}

/**
 * A key of a TCP direction made of its ports alone: a small integer, so that finding a frame's
 * connection makes no string and no heap number. Different port pairs may share one.
 */
export function portsKey(srcPort: number, dstPort: number): number {
  // srcPort << 14 stays below 2^30: a small integer for V8.
  return (srcPort << 14) ^ dstPort;
}

function tupleOf(seg: TcpSegment): string {
  return `${seg.srcAddr} ${seg.srcPort} ${seg.dstAddr} ${seg.dstPort}`;
}

/**
 * Connections by the ports of either direction. A key held by one connection is checked against
 * the segment's addresses (`carries`); a key several share (the same ports between other hosts,
 * or ports whose keys collide) holds them by their 4-tuple text, as a map would by default. So a
 * lookup usually makes nothing, and never costs more than one string, whatever the input.
 */
export class ConnectionTable<C extends TableEntry> {
  readonly #byKey = new Map<number, C | Map<string, C>>();

  /** The connection `seg` belongs to (either way), or undefined. */
  find(seg: TcpSegment): C | undefined {
    const found = this.#byKey.get(portsKey(seg.srcPort, seg.dstPort));
    if (found === undefined) return undefined;
    if (found instanceof Map) return found.get(tupleOf(seg));
    return found.carries(seg) ? found : undefined;
  }

  add(conn: C): void {
    this.#put(conn.key, conn);
    if (conn.reverseKey !== conn.key) this.#put(conn.reverseKey, conn);
  }

  delete(conn: C): void {
    this.#drop(conn.key, conn);
    if (conn.reverseKey !== conn.key) this.#drop(conn.reverseKey, conn);
  }

  clear(): void {
    this.#byKey.clear();
  }

  #put(key: number, conn: C): void {
    const there = this.#byKey.get(key);
    if (there === undefined) {
      this.#byKey.set(key, conn);
      return;
    }
    let shared: Map<string, C>;
    if (there instanceof Map) shared = there;
    else {
      shared = new Map();
      setTuples(shared, key, there);
      this.#byKey.set(key, shared);
    }
    setTuples(shared, key, conn);
  }

  #drop(key: number, conn: C): void {
    const there = this.#byKey.get(key);
    if (there === conn) this.#byKey.delete(key);
    else if (there instanceof Map) {
      if (conn.key === key) there.delete(conn.tupleText(false));
      if (conn.reverseKey === key) there.delete(conn.tupleText(true));
      if (there.size === 0) this.#byKey.delete(key);
    }
  }
}

/** Files `conn` in a shared key's map under each of its directions that has this key. */
function setTuples<C extends TableEntry>(shared: Map<string, C>, key: number, conn: C): void {
  if (conn.key === key) shared.set(conn.tupleText(false), conn);
  if (conn.reverseKey === key) shared.set(conn.tupleText(true), conn);
}
