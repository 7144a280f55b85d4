#!/usr/bin/env node
// The capture decoder's speed and memory, measured with dist/ (npm run bench:capture builds it).
//
//   node scripts/capture-throughput.mjs FILE [FILE...] [--runs N] [--ports P]
//     For each file, interleaved, N runs each (default 5), median wall time and CPU time (user +
//     system), peak RSS over the runs: decodeCapture as the API runs it (no digests), with digest: true, the CLI
//     (uwsgi-codec decode --json > /dev/null), and tshark -r FILE -q reading the same file.
//     Every row is a whole process, start-up included, its peak RSS from GNU time.
//     Make the file with: npm run build && node scripts/make-captures.mjs --big=100 --out FILE
//
//   node scripts/capture-throughput.mjs --hostile [--runs N]
//     The hostile shapes of scripts/lib/hostile-captures.mjs beside their in-order twins of the
//     same size: the decode's time (inside the process) and the ratio. Linear work means ratios
//     near 1 whatever the shape.
//
//   node scripts/capture-throughput.mjs --mss 1448 FILE OUT.pcap
//     Re-cuts FILE's TCP payloads into 1448-byte segments (a 1500-byte MTU) into OUT.pcap.
//
// --json prints the rows as data.
// The measured child loads nothing but the package: this script's own modules are imported
// after it (a row measures the decoder, not the harness).
const args = process.argv.slice(2);
const DIST = new URL("../dist/capture/index.js", import.meta.url).href;

if (args[0] === "--child") {
  // One measured decode: every exchange, its vars touched, counted.
  const [, file, options] = args;
  const { decodeCapture, newStats } = await import(DIST);
  const stats = newStats();
  const start = process.hrtime.bigint();
  let exchanges = 0;
  let vars = 0;
  for await (const ex of decodeCapture(file, { ...JSON.parse(options), stats })) {
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
    }),
  );
  process.exit(0);
}

const { execFileSync, spawnSync } = await import("node:child_process");
const { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } = await import("node:fs");
const { cpus, tmpdir } = await import("node:os");
const { join } = await import("node:path");
const { fileURLToPath } = await import("node:url");
const hostile = await import("./lib/hostile-captures.mjs");
const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const self = fileURLToPath(import.meta.url);

if (args[0] === "--mss") {
  await recut(Number(args[1]), args[2], args[3]);
  process.exit(0);
}

const json = args.includes("--json");
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const runs = Number(option("--runs", 5));
const ports = option("--ports", "");
const valued = new Set(["--runs", "--ports"].map((n) => args.indexOf(n) + 1).filter((i) => i > 0));
const files = args.filter((a, i) => !a.startsWith("--") && !valued.has(i));
const machine = `${cpus()[0]?.model.trim() ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}`;

if (!existsSync(fileURLToPath(DIST))) {
  console.error("dist/ is missing: npm run build first (npm run bench:capture does)");
  process.exit(2);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `cmd args` under GNU time: wall ms (measured here), CPU ms (user + system, all threads), peak RSS in KiB. */
function timed(cmd, argv) {
  const start = process.hrtime.bigint();
  const r = spawnSync("/usr/bin/time", ["-f", "%M %U %S", cmd, ...argv], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 && !(cmd.endsWith("node") && r.status === 1)) {
    throw new Error(`${cmd} ${argv.join(" ")} failed (${r.status}): ${r.stderr}`);
  }
  const [rss, user, system] = r.stderr.trim().split("\n").at(-1).split(" ").map(Number);
  return { ms, cpuMs: (user + system) * 1000, rssKiB: rss, stdout: r.stdout };
}

if (args.includes("--hostile")) {
  const dir = mkdtempSync(join(tmpdir(), "uwsgi-codec-hostile-"));
  try {
    const shapes = [
      [
        "answer byte 2^31 ahead, 10,000 connections",
        hostile.sequenceJump(10_000),
        hostile.sequenceJump(10_000, false),
        {},
      ],
      [
        "160,000 one-byte segments, last first",
        hostile.oneByteSegments(160_000),
        hostile.oneByteSegments(160_000, false),
        {},
      ],
      [
        "retransmission storm: 2,000 segments x 40 shifted copies",
        hostile.retransmissionStorm(2_000, 40),
        hostile.retransmissionStorm(2_000, 40, 100, false),
        {},
      ],
      [
        "a hole every other byte, 100,000 holes a direction",
        hostile.gapStorm(100_000),
        hostile.gapStorm(100_000, false),
        {},
      ],
      [
        "candidate headers every 9 bytes, 64 windows of 64 KiB (--port)",
        hostile.heuristicBait(64),
        hostile.heuristicBait(64, true),
        { ports: [3031] },
      ],
      [
        "candidate headers every 9 bytes, 64 windows of 64 KiB (heuristic)",
        hostile.heuristicBait(64),
        hostile.heuristicBait(64, true),
        {},
      ],
      [
        "200,000 connections, maxConnections 10,000",
        hostile.tinyConnections(200_000),
        hostile.tinyConnections(200_000),
        {},
        { maxConnections: 200_000 },
      ],
    ];
    const rows = [];
    for (const [name, bad, twin, options, twinOptions = options] of shapes) {
      const badFile = join(dir, "hostile.pcap");
      const twinFile = join(dir, "twin.pcap");
      writeFileSync(badFile, bad);
      writeFileSync(twinFile, twin);
      const b = [];
      const t = [];
      for (let i = 0; i < runs; i++) {
        b.push(child(badFile, options).ns / 1e6);
        t.push(child(twinFile, twinOptions).ns / 1e6);
      }
      rows.push({
        name,
        bytes: bad.length,
        twinBytes: twin.length,
        ms: median(b),
        twinMs: median(t),
      });
    }
    if (json) console.log(JSON.stringify({ machine, runs, rows }, null, 1));
    else {
      console.log(`${machine}; decode time inside the process, median of ${runs} interleaved runs`);
      console.log("| hostile shape | size | decode | in-order twin (size) | ratio |");
      console.log("|---|---:|---:|---:|---:|");
      for (const r of rows) {
        console.log(
          `| ${r.name} | ${mib(r.bytes)} | ${r.ms.toFixed(0)} ms | ${r.twinMs.toFixed(0)} ms (${mib(r.twinBytes)}) | ${(r.ms / r.twinMs).toFixed(2)}x |`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

function child(file, options) {
  const out = execFileSync(process.execPath, [self, "--child", file, JSON.stringify(options)], {
    encoding: "utf8",
  });
  return JSON.parse(out);
}

function mib(n) {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

if (files.length === 0) {
  console.error(
    "usage: node scripts/capture-throughput.mjs FILE [FILE...] [--runs N] [--ports P] [--json]\n" +
      "       node scripts/capture-throughput.mjs --hostile [--runs N] [--json]",
  );
  process.exit(2);
}

const tshark = spawnSync("sh", ["-c", "command -v tshark"]).status === 0;
const rows = [];
for (const file of files) {
  const bytes = statSync(file).size;
  const options = ports === "" ? {} : { ports: ports.split(",").map(Number) };
  const cases = [
    [
      "decodeCapture (API default: no digests)",
      process.execPath,
      [self, "--child", file, JSON.stringify(options)],
    ],
    [
      "decodeCapture, digest: true",
      process.execPath,
      [self, "--child", file, JSON.stringify({ ...options, digest: true })],
    ],
    [
      "uwsgi-codec decode --json (digests) > /dev/null",
      process.execPath,
      [CLI, "decode", file, "--json", "-q", ...(ports === "" ? [] : ["--port", ports])],
    ],
  ];
  if (tshark) cases.push(["tshark -r FILE -q", "tshark", ["-r", file, "-q"]]);
  const seen = cases.map(() => ({ ms: [], cpu: [], rss: [], exchanges: 0, frames: 0 }));
  for (let i = 0; i < runs; i++) {
    // Interleaved: each run of each case sees the same machine state, in turn.
    cases.forEach(([, cmd, argv], c) => {
      const r = timed(cmd, argv);
      seen[c].ms.push(r.ms);
      seen[c].cpu.push(r.cpuMs);
      seen[c].rss.push(r.rssKiB);
      if (argv[1] === "--child") {
        const out = JSON.parse(r.stdout);
        seen[c].exchanges = out.exchanges;
        seen[c].frames = out.frames;
      }
    });
  }
  const base = tshark ? median(seen.at(-1).ms) : Number.NaN;
  cases.forEach(([name], c) => {
    const ms = median(seen[c].ms);
    const sorted = [...seen[c].ms].sort((a, b) => a - b);
    rows.push({
      file,
      bytes,
      name,
      medianMs: ms,
      // The middle half of the runs: how much the machine moved the figure.
      q1Ms: sorted[Math.floor((sorted.length - 1) / 4)],
      q3Ms: sorted[Math.ceil((3 * (sorted.length - 1)) / 4)],
      mbPerS: bytes / 1e6 / (ms / 1e3),
      // CPU time moves less than wall time on a shared machine: what the process itself spent.
      cpuMs: median(seen[c].cpu),
      peakRssMiB: Math.max(...seen[c].rss) / 1024,
      vsTshark: ms / base,
      exchanges: seen[c].exchanges,
      frames: seen[c].frames,
    });
  });
}
if (json) console.log(JSON.stringify({ machine, runs, rows }, null, 1));
else {
  console.log(
    `${machine}; whole processes, median wall and CPU time of ${runs} interleaved runs, peak RSS over them`,
  );
  console.log(
    "| file | what | wall (middle half of the runs) | CPU | speed | peak RSS | time vs tshark |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    console.log(
      `| ${mib(r.bytes)} | ${r.name} | ${r.medianMs.toFixed(0)} ms (${r.q1Ms.toFixed(0)}-${r.q3Ms.toFixed(0)}) | ${r.cpuMs.toFixed(0)} ms | ${r.mbPerS.toFixed(0)} MB/s | ${r.peakRssMiB.toFixed(1)} MiB | ${Number.isNaN(r.vsTshark) ? "-" : `${r.vsTshark.toFixed(2)}x`} |`,
    );
  }
  const api = rows.find((r) => r.frames > 0);
  if (api !== undefined) console.log(`(${api.frames} frames, ${api.exchanges} exchanges)`);
}

/**
 * Re-cuts a capture's TCP payloads into segments of at most `mss` bytes (Ethernet, IPv4, classic
 * pcap), as a 1500-byte MTU network would carry them: loopback captures have 64 KiB frames.
 */
async function recut(mss, file, out) {
  const { CaptureReader } = await import(DIST);
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
      for (let off = 0; off < p.length; off += mss) {
        const last = off + mss >= p.length;
        emit(
          frame,
          seg,
          p.subarray(off, off + mss),
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
}
