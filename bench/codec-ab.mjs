// node bench/codec-ab.mjs REV_A REV_B [--scenario=nginx-get] [--modes=lazy,strings,toObj,walk]
//   [--utf8] [--n=5000] [--rounds=61]
// The codec at two commits in one process: each commit's src and bench are taken with git archive
// and compiled (tsc -p tsconfig.bench.json) into a temp dir, both are loaded, and their rows run
// interleaved, round after round, each codec's rows as functions of their own. Prints the best
// and the median round per row. On a shared machine this resolves changes of a few ns that
// `npm run bench` (one codec per run, runs minutes apart) cannot.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const option = (name, fallback) =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const revs = args.filter((a) => !a.startsWith("--"));
if (revs.length !== 2) throw new Error("usage: node bench/codec-ab.mjs REV_A REV_B [--options]");
const scenario = option("scenario", "nginx-get");
const modes = option("modes", "lazy,strings,toObj,walk").split(",");
const N = Number(option("n", "5000"));
const rounds = Number(option("rounds", "61"));
const utf8 = args.includes("--utf8");

/** Compiles `rev`'s src and bench into a temp dir; returns the dir. */
function build(rev) {
  const dir = mkdtempSync(join(tmpdir(), "codec-ab-"));
  const files = ["src", "bench", "tsconfig.json", "tsconfig.bench.json", "package.json"];
  const tar = execFileSync("git", ["archive", rev, ...files], { cwd: root, maxBuffer: 1 << 28 });
  execFileSync("tar", ["-x", "-C", dir], { input: tar });
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  symlinkSync(join(root, "fixtures"), join(dir, "fixtures"));
  try {
    execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.bench.json"], { cwd: dir });
  } catch {
    // Type errors elsewhere in the tree still emit; the codec is what is loaded.
  }
  return dir;
}

const dirs = revs.map(build);
const { loadScenarios } = await import(join(dirs[0], ".bench/bench/scenarios.js"));
const s = loadScenarios().find((x) => x.name === scenario);
const wire = Buffer.concat([s.packet, s.body]);
const EMPTY = Buffer.alloc(0);

// The rows, as source: each codec gets its own copy (new Function), so neither's calls are
// compiled for the other's classes. The same work as the bench's rows of the same names.
const rowsSource = `(codec) => {
  const { decodePacket, MAX_DATASIZE } = codec;
  const OPTIONS = { maxDatasize: MAX_DATASIZE, ...(utf8 ? { encoding: "utf8" } : {}) };
  return {
    lazy() {
      const p = decodePacket(wire, 0, OPTIONS);
      const length = p.vars.contentLength();
      const body = length > 0 ? wire.subarray(p.byteLength, p.byteLength + length) : EMPTY;
      if (p.vars.size !== s.varCount || body.length !== s.body.length) throw new Error("lazy");
      return body.length;
    },
    strings() {
      const v = decodePacket(wire, 0, OPTIONS).vars;
      let n = 0;
      for (let i = 0; i < v.size; i++) n += v.keyAt(i).length + v.valueAt(i).length;
      if (v.contentLength() !== s.body.length) throw new Error("strings");
      return n;
    },
    toObj() {
      if (decodePacket(wire, 0, OPTIONS).vars.toObject().REQUEST_METHOD === undefined) {
        throw new Error("toObject");
      }
      return 1;
    },
    walk() {
      let p = 4;
      let n = 0;
      const end = s.packet.length;
      while (p + 4 <= end) {
        p += 2 + (wire[p] | (wire[p + 1] << 8));
        p += 2 + (wire[p] | (wire[p + 1] << 8));
        n++;
      }
      if (n !== s.varCount) throw new Error("walk");
      return n;
    },
  };
}`;
const rowsOf = async (dir) => {
  const make = new Function("wire", "s", "EMPTY", "utf8", `return ${rowsSource}`);
  return make(wire, s, EMPTY, utf8)(await import(join(dir, ".bench/src/index.js")));
};
const rows = [await rowsOf(dirs[0]), await rowsOf(dirs[1])];
const times = rows.map(() => Object.fromEntries(modes.map((m) => [m, []])));
let sink = 0;
for (let r = 0; r < rounds; r++) {
  for (const k of r % 2 === 0 ? [0, 1] : [1, 0]) {
    for (const m of modes) {
      const fn = rows[k][m];
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < N; i++) sink += fn();
      // The first rounds warm up.
      if (r >= 3) times[k][m].push(Number(process.hrtime.bigint() - t0) / N);
    }
  }
}
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const [k, rev] of revs.entries()) {
  const cells = modes.map((m) => {
    const t = times[k][m];
    return `${m} ${Math.min(...t).toFixed(0)}/${median(t).toFixed(0)} ns`;
  });
  console.log(`${rev} ${scenario}${utf8 ? " utf8" : ""}: ${cells.join("  ")} (best/median)`);
}
if (sink === 0.5) console.log("");
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
