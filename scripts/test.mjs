#!/usr/bin/env node
// `npm test`: everything a fresh clone needs, then the whole suite, so that the README's test command
// works by itself on a fresh Debian machine (and CI runs nothing else). Node built-ins only: on a
// fresh clone node_modules does not exist yet.
//   1. the real peers (the one list: scripts/peers.sh): as root, missing ones are installed with
//      apt-get; otherwise it stops here, before any test, with the one command that installs them;
//   2. node_modules: `npm ci` when it is absent or differs from package-lock.json;
//   3. type-check (tsc), lint (biome), build dist/ (the package, README and browser tests use it);
//   4. vitest with coverage thresholds. The last line is "N passed, N failed, N skipped", from
//      vitest's JSON report. Arguments go to vitest (`npm test -- test/codec`).
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { summarize } from "./lib/test-summary.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const INSTALL_PEERS = "sudo bash scripts/peers.sh install";
const started = Date.now();

/** Runs a command in the repository with inherited output; its exit status. */
function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: "inherit" });
  if (result.error !== undefined) throw result.error;
  return result.status ?? 1;
}

function step(name, command, args) {
  const t0 = Date.now();
  console.log(`\n[npm test] ${name}: ${[command, ...args].join(" ")}`);
  const status = run(command, args);
  console.log(`[npm test] ${name}: ${status === 0 ? "done" : "FAILED"} in ${seconds(t0)}`);
  if (status !== 0) {
    console.log(`[npm test] stopped: ${name} failed (exit ${status}); no test was run`);
    process.exit(1);
  }
}

function seconds(since) {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

/** The Debian packages of missing peers, as scripts/peers.sh reports them (empty: all there). */
function missingPeers() {
  const result = spawnSync("bash", ["scripts/peers.sh", "check"], { cwd: ROOT, encoding: "utf8" });
  if (result.error !== undefined) throw result.error;
  if (result.status === 0) return [];
  const packages = result.stdout.split("\n").filter((line) => line !== "");
  if (result.status !== 1 || packages.length === 0) {
    throw new Error(`scripts/peers.sh check failed: ${result.stderr}`);
  }
  return packages;
}

/** True when node_modules holds exactly the versions package-lock.json pins. */
function dependenciesInstalled() {
  const installed = `${ROOT}node_modules/.package-lock.json`;
  if (!existsSync(installed)) return false;
  const want = JSON.parse(readFileSync(`${ROOT}package-lock.json`, "utf8")).packages ?? {};
  const have = JSON.parse(readFileSync(installed, "utf8")).packages ?? {};
  return Object.entries(want).every(
    // Optional packages are platform builds (biome, rolldown) that npm skips elsewhere.
    ([path, entry]) =>
      path === "" || entry.optional === true || have[path]?.version === entry.version,
  );
}

// 1. Peers.
let missing = missingPeers();
if (missing.length > 0) {
  if (process.getuid?.() !== 0) {
    console.log(`The tests start real peers that are not installed here: ${missing.join(" ")}`);
    console.log("(Debian 12 packages). Install them once, then run npm test again:");
    console.log(`  ${INSTALL_PEERS}`);
    process.exit(1);
  }
  step("peers", "bash", ["scripts/peers.sh", "install"]);
  missing = missingPeers();
  if (missing.length > 0) {
    console.log(`[npm test] stopped: still missing after installing: ${missing.join(" ")}`);
    process.exit(1);
  }
} else {
  console.log("[npm test] peers: all installed (scripts/peers.sh check)");
}

// 2. node_modules.
if (dependenciesInstalled()) {
  console.log("[npm test] dependencies: node_modules matches package-lock.json");
} else {
  step("dependencies", "npm", ["ci", "--include=dev", "--no-audit", "--no-fund"]);
}

// 3. Static checks and the build.
step("typecheck", "npm", ["run", "--silent", "typecheck"]);
step("lint", "npm", ["run", "--silent", "lint"]);
step("build", "npm", ["run", "--silent", "build"]);

// 4. The suite.
const report = `${ROOT}.vitest-report.json`;
rmSync(report, { force: true });
const vitestStarted = Date.now();
const status = run(`${ROOT}node_modules/.bin/vitest`, [
  "run",
  "--coverage",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);

const { passed, failed, skipped, note } = summarize(
  existsSync(report) ? JSON.parse(readFileSync(report, "utf8")) : undefined,
  status,
);
if (note !== undefined) console.log(`[npm test] ${note}`);
console.log(`[npm test] vitest: ${seconds(vitestStarted)}; npm test in all: ${seconds(started)}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(status === 0 && failed === 0 && passed > 0 ? 0 : 1);
