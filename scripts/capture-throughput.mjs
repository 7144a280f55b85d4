#!/usr/bin/env node
// Measures decodeCapture on large captures: MB/s and peak RSS, each file in its own process so the
// peak is that file's alone. Make the captures with scripts/make-captures.mjs --big=10 / --big=100.
//
// Usage: npm run build && node scripts/capture-throughput.mjs FILE [FILE...] [--runs N] [--ports P]
// Prints one line per file, or JSON with --json.
//        node scripts/capture-throughput.mjs --mss 1448 FILE OUT.pcap
// re-cuts FILE's TCP payloads into 1448-byte segments (a 1500-byte MTU) into OUT.pcap.
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);

if (args[0] === "--child") {
  // One measured run: decode every exchange, touch its vars, count.
  const [, file, portsArg] = args;
  const { decodeCapture, newStats } = await import(
    new URL("../dist/capture/index.js", import.meta.url).href
  );
  const stats = newStats();
  const options = { stats, ...(portsArg ? { ports: portsArg.split(",").map(Number) } : {}) };
  const start = process.hrtime.bigint();
  let exchanges = 0;
  let vars = 0;
  for await (const ex of decodeCapture(file, options)) {
    exchanges++;
    vars += ex.vars?.size ?? 0;
  }
  const ns = Number(process.hrtime.bigint() - start);
  process.stdout.write(
    JSON.stringify({
      ns,
      exchanges,
      vars,
      frames: stats.frames,
      errors: stats.exchangesWithErrors,
      maxRssKiB: process.resourceUsage().maxRSS,
    }),
  );
  process.exit(0);
}

if (args[0] === "--mss") {
  // Re-cuts a capture's TCP payloads into segments of at most MSS bytes (Ethernet, IPv4, classic
  // pcap), as a 1500-byte MTU network would carry them: loopback captures have 64 KiB frames.
  const [, mss, file, out] = args;
  const { CaptureReader } = await import(new URL("../dist/capture/index.js", import.meta.url).href);
  const { decodeFrame, newSegment } = await import(
    new URL("../dist/capture/frame-decoder.js", import.meta.url).href
  );
  const { createReadStream, createWriteStream } = await import("node:fs");
  const sink = createWriteStream(out);
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(65535, 16);
  head.writeUInt32LE(1, 20);
  sink.write(head);
  const seg = newSegment();
  const size = Number(mss);
  const ip4 = (a) => a.split(".").map(Number);
  let frames = 0;
  let pending = [];
  const emit = (frame, s, payload, seq, flags) => {
    const f = Buffer.alloc(16 + 14 + 20 + 20 + payload.length);
    f.writeUInt32LE(frame.seconds, 0);
    f.writeUInt32LE(Math.floor(frame.nanos / 1000), 4);
    f.writeUInt32LE(f.length - 16, 8);
    f.writeUInt32LE(f.length - 16, 12);
    f.writeUInt16BE(0x0800, 16 + 12);
    const ip = 16 + 14;
    f[ip] = 0x45;
    f.writeUInt16BE(40 + payload.length, ip + 2);
    f[ip + 8] = 64;
    f[ip + 9] = 6;
    f.set(ip4(s.srcAddr), ip + 12);
    f.set(ip4(s.dstAddr), ip + 16);
    const t = ip + 20;
    f.writeUInt16BE(s.srcPort, t);
    f.writeUInt16BE(s.dstPort, t + 2);
    f.writeUInt32BE(seq >>> 0, t + 4);
    f.writeUInt32BE(s.ack >>> 0, t + 8);
    f[t + 12] = 0x50;
    f[t + 13] = flags;
    payload.copy(f, t + 20);
    pending.push(f);
    frames++;
  };
  const reader = new CaptureReader({
    onFrame(frame) {
      if (decodeFrame(frame, seg) !== 0) return;
      const p = seg.payload;
      if (p.length === 0) return emit(frame, seg, p, seg.seq, seg.flags);
      for (let off = 0; off < p.length; off += size) {
        const last = off + size >= p.length;
        emit(
          frame,
          seg,
          p.subarray(off, off + size),
          seg.seq + off,
          last ? seg.flags : seg.flags & ~1,
        );
      }
    },
  });
  for await (const chunk of createReadStream(file)) {
    reader.push(chunk);
    if (!sink.write(Buffer.concat(pending))) await new Promise((r) => sink.once("drain", r));
    pending = [];
  }
  reader.end();
  sink.end(Buffer.concat(pending));
  await new Promise((r) => sink.once("finish", r));
  console.log(`${out}: ${frames} frames`);
  process.exit(0);
}

const json = args.includes("--json");
const runsAt = args.indexOf("--runs");
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3;
const portsAt = args.indexOf("--ports");
const ports = portsAt >= 0 ? args[portsAt + 1] : "";
const values = new Set([runsAt, portsAt].filter((i) => i >= 0).map((i) => i + 1));
const files = args.filter((a, i) => !a.startsWith("--") && !values.has(i));
if (files.length === 0) {
  console.error(
    "usage: node scripts/capture-throughput.mjs FILE [FILE...] [--runs N] [--ports P] [--json]",
  );
  process.exit(2);
}
const self = fileURLToPath(import.meta.url);
const rows = [];
for (const file of files) {
  const bytes = statSync(file).size;
  const results = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [self, "--child", file, ports], {
      encoding: "utf8",
    });
    results.push(JSON.parse(out));
  }
  results.sort((a, b) => a.ns - b.ns);
  const median = results[Math.floor(results.length / 2)];
  rows.push({
    file,
    bytes,
    runs,
    medianMs: median.ns / 1e6,
    mbPerS: bytes / 1e6 / (median.ns / 1e9),
    mibPerS: bytes / 1048576 / (median.ns / 1e9),
    peakRssMiB: Math.max(...results.map((r) => r.maxRssKiB)) / 1024,
    exchanges: median.exchanges,
    frames: median.frames,
    errors: median.errors,
  });
}
if (json) console.log(JSON.stringify({ node: process.version, rows }, null, 1));
else {
  console.log(
    `node ${process.version}, ${runs} run(s) per file, median time, peak RSS over the runs`,
  );
  for (const r of rows) {
    console.log(
      `${r.file}: ${(r.bytes / 1048576).toFixed(1)} MiB, ${r.frames} frames, ${r.exchanges} exchanges (${r.errors} with errors) in ${r.medianMs.toFixed(0)} ms = ${r.mbPerS.toFixed(1)} MB/s (${r.mibPerS.toFixed(1)} MiB/s), peak RSS ${r.peakRssMiB.toFixed(1)} MiB`,
    );
  }
}
