// Hostile capture shapes, written straight into one classic pcap buffer (Ethernet, IPv4): the
// inputs that once made the capture decoder's work grow faster than the file. Shared by
// test/capture/linear-work.test.ts (which proves the work bounded) and
// scripts/capture-throughput.mjs --hostile (which times each beside its in-order twin).

const CLIENT = [10, 0, 0, 1];
const SERVER = [10, 0, 0, 2];
const SERVER_PORT = 3031;
const FRAME_OVERHEAD = 16 + 14 + 20 + 20;

/** Collects segments, then writes them as one pcap. */
export class PcapBuilder {
  #segments = [];
  #bytes = 24;

  /**
   * One segment. `from`: "client" or "server"; `port`: the client's port; `flags`: TCP flags
   * (0x02 SYN, 0x12 SYN+ACK, 0x18 PSH+ACK, 0x11 FIN+ACK, 0x04 RST).
   */
  add(from, port, seq, flags, payload = EMPTY) {
    this.#segments.push({ from, port, seq: seq >>> 0, flags, payload });
    this.#bytes += FRAME_OVERHEAD + payload.length;
  }

  /** The classic pcap file (microsecond timestamps, one a segment). */
  build() {
    const out = Buffer.alloc(this.#bytes);
    out.writeUInt32LE(0xa1b2c3d4, 0);
    out.writeUInt16LE(2, 4);
    out.writeUInt16LE(4, 6);
    out.writeUInt32LE(262144, 16);
    out.writeUInt32LE(1, 20);
    let p = 24;
    let n = 0;
    for (const s of this.#segments) {
      const frame = 14 + 20 + 20 + s.payload.length;
      out.writeUInt32LE(1_700_000_000 + Math.floor(n / 1e6), p);
      out.writeUInt32LE(n % 1e6, p + 4);
      out.writeUInt32LE(frame, p + 8);
      out.writeUInt32LE(frame, p + 12);
      n++;
      p += 16;
      out.writeUInt16BE(0x0800, p + 12);
      p += 14;
      out[p] = 0x45;
      out.writeUInt16BE(40 + s.payload.length, p + 2);
      out[p + 8] = 64;
      out[p + 9] = 6;
      const client = s.from === "client";
      out.set(client ? CLIENT : SERVER, p + 12);
      out.set(client ? SERVER : CLIENT, p + 16);
      p += 20;
      out.writeUInt16BE(client ? s.port : SERVER_PORT, p);
      out.writeUInt16BE(client ? SERVER_PORT : s.port, p + 2);
      out.writeUInt32BE(s.seq, p + 4);
      out[p + 12] = 0x50;
      out[p + 13] = s.flags;
      out.writeUInt16BE(65535, p + 14);
      p += 20;
      out.set(s.payload, p);
      p += s.payload.length;
    }
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

/** A WSGI request packet with these vars (latin1), as nginx would send it. */
export function requestPacket(vars) {
  const parts = [];
  for (const [k, v] of Object.entries(vars)) {
    const kb = Buffer.from(k, "latin1");
    const vb = Buffer.from(v, "latin1");
    const head = Buffer.alloc(2);
    head.writeUInt16LE(kb.length);
    const mid = Buffer.alloc(2);
    mid.writeUInt16LE(vb.length);
    parts.push(head, kb, mid, vb);
  }
  const data = Buffer.concat(parts);
  const header = Buffer.from([0, data.length & 0xff, data.length >> 8, 0]);
  return Buffer.concat([header, data]);
}

const CLIENT_ISN = 1000;
const SERVER_ISN = 900_000;

/** Handshake of connection `port`; returns the first data sequence numbers. */
function open(b, port) {
  b.add("client", port, CLIENT_ISN, 0x02);
  b.add("server", port, SERVER_ISN, 0x12);
  return { c: CLIENT_ISN + 1, s: SERVER_ISN + 1 };
}

/**
 * `connections` connections, each a GET whose answer is one byte: `2^31 - 1` bytes ahead of
 * where the answer starts (`jump`), or in place (the in-order twin, of the same size).
 */
export function sequenceJump(connections, jump = true) {
  const b = new PcapBuilder();
  const req = requestPacket({ REQUEST_METHOD: "GET", PATH_INFO: "/j" });
  for (let i = 0; i < connections; i++) {
    const port = 20000 + i;
    const { c, s } = open(b, port);
    b.add("client", port, c, 0x18, req);
    const at = jump ? s + 0x7fffffff : s;
    b.add("server", port, at, 0x18, Buffer.from("H"));
    b.add("server", port, at + 1, 0x11);
    b.add("client", port, c + req.length, 0x11);
  }
  return b.build();
}

/**
 * One POST whose `bodyBytes`-byte body travels in one-byte segments: last first (`reverse`), or
 * in order (the twin).
 */
export function oneByteSegments(bodyBytes, reverse = true) {
  const b = new PcapBuilder();
  const port = 20000;
  const req = requestPacket({
    REQUEST_METHOD: "POST",
    PATH_INFO: "/r",
    CONTENT_LENGTH: String(bodyBytes),
  });
  const { c, s } = open(b, port);
  b.add("client", port, c, 0x18, req);
  const body = c + req.length;
  for (let i = 0; i < bodyBytes; i++) {
    const k = reverse ? bodyBytes - 1 - i : i;
    b.add("client", port, body + k, 0x18, Buffer.from([0x61 + (k % 26)]));
  }
  b.add("client", port, body + bodyBytes, 0x11);
  b.add("server", port, s, 0x11);
  return b.build();
}

/**
 * One POST whose body's first segment is lost (`lose`; kept in the twin), then `copies`
 * retransmissions of each of the next `segments` segments of `size` bytes, shifted by one byte
 * each time (overlaps).
 */
export function retransmissionStorm(segments, copies, size = 100, lose = true) {
  const b = new PcapBuilder();
  const port = 20000;
  const bodyBytes = (segments + 1) * size;
  const req = requestPacket({
    REQUEST_METHOD: "POST",
    PATH_INFO: "/s",
    CONTENT_LENGTH: String(bodyBytes),
  });
  const { c, s } = open(b, port);
  b.add("client", port, c, 0x18, req);
  const body = c + req.length;
  const data = Buffer.alloc(size + copies, 0x62);
  if (!lose) b.add("client", port, body, 0x18, data.subarray(0, size));
  for (let i = 1; i <= segments; i++) {
    for (let k = 0; k < copies; k++) {
      b.add("client", port, body + i * size + k, 0x18, data.subarray(0, size));
    }
  }
  b.add("client", port, body + bodyBytes, 0x11);
  b.add("server", port, s, 0x11);
  return b.build();
}

/**
 * One POST whose body loses every other byte: `bytes` one-byte segments, one-byte holes; the
 * answer too. The twin (`holes` false) has the same segments, two bytes each, nothing lost.
 */
export function gapStorm(bytes, holes = true) {
  const b = new PcapBuilder();
  const port = 20000;
  const req = requestPacket({
    REQUEST_METHOD: "POST",
    PATH_INFO: "/g",
    CONTENT_LENGTH: String(2 * bytes),
  });
  const { c, s } = open(b, port);
  b.add("client", port, c, 0x18, req);
  const body = c + req.length;
  const x = Buffer.from(holes ? "x" : "xx");
  const y = Buffer.from(holes ? "y" : "yy");
  for (let i = 0; i < bytes; i++) b.add("client", port, body + 2 * i + (holes ? 1 : 0), 0x18, x);
  b.add("server", port, s, 0x18, Buffer.from("HTTP/1.1 200 OK\r\n\r\n"));
  for (let i = 0; i < bytes; i++) b.add("server", port, s + 19 + 2 * i + (holes ? 1 : 0), 0x18, y);
  return b.build();
}

/** `connections` connections of one data segment each, without handshake or close. */
export function tinyConnections(connections) {
  const b = new PcapBuilder();
  const req = requestPacket({ REQUEST_METHOD: "GET", PATH_INFO: "/t" });
  for (let i = 0; i < connections; i++) {
    b.add("client", 1024 + (i % 60000), 5000 + Math.floor(i / 60000) * 100_000, 0x18, req);
  }
  return b.build();
}

/**
 * A connection that started before the capture (no handshake), whose client bytes offer a
 * candidate uwsgi header every 9 bytes: 9-byte vars `01 00 4b 04 00 | 00 60 ea 00` (key "K", a
 * 4-byte value) whose values read as WSGI headers with datasize 60000. Each candidate's vars are
 * valid for 6,666 vars and the last one runs past its end (60000 is no multiple of 9), so checking
 * every candidate alone walks the window once per candidate. `windows` blocks of 64 KiB. The twin
 * (`asBody`) carries the same bytes as the body of a POST, after a handshake: nothing to search.
 */
export function heuristicBait(windows, asBody = false) {
  const b = new PcapBuilder();
  const unit = Buffer.from("01004b0400" + "0060ea00", "hex");
  const block = Buffer.alloc(65536 - (65536 % unit.length));
  for (let k = 0; k < block.length; k += unit.length) unit.copy(block, k);
  let seq = 7000;
  if (asBody) {
    const req = requestPacket({
      REQUEST_METHOD: "POST",
      CONTENT_LENGTH: String(windows * block.length),
    });
    ({ c: seq } = open(b, 20000));
    b.add("client", 20000, seq, 0x18, req);
    seq += req.length;
  }
  for (let w = 0; w < windows; w++) {
    for (let off = 0; off < block.length; off += 1448) {
      const piece = block.subarray(off, Math.min(block.length, off + 1448));
      b.add("client", 20000, seq, 0x18, piece);
      seq += piece.length;
    }
  }
  return b.build();
}
