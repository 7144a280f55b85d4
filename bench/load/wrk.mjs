// Runs wrk and reads its report: requests/s, latency percentiles (ms), errors.
import { spawn } from "node:child_process";

const UNIT_MS = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** "1.23ms" -> 1.23; "850.00us" -> 0.85. */
export function toMs(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (m === null) throw new Error(`wrk latency "${text}" is not a duration`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Reads `wrk --latency` output. Throws when a figure the table needs is missing. */
export function parseWrk(output) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const p50 = /^\s+50%\s+(\S+)/m.exec(output);
  const p99 = /^\s+99%\s+(\S+)/m.exec(output);
  const total = /(\d+) requests in ([\d.]+\w+)/.exec(output);
  if (rps === null || p50 === null || p99 === null || total === null) {
    throw new Error(`unexpected wrk output:\n${output}`);
  }
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = sock === null ? 0 : sock.slice(1).reduce((a, n) => a + Number(n), 0);
  return {
    requestsPerSec: Number(rps[1]),
    p50Ms: toMs(p50[1]),
    p99Ms: toMs(p99[1]),
    requests: Number(total[1]),
    errors: (non2xx === null ? 0 : Number(non2xx[1])) + socketErrors,
  };
}

/**
 * `wrk -t<threads> -c<connections> -d<seconds>s --latency <url>` (under `taskset -c <cpus>` when
 * given); resolves with its stdout.
 */
export function runWrk(url, { threads, connections, seconds, cpus }) {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", url];
  // `cpus` ("1"): run wrk on those cores only (taskset), away from nginx and the backend.
  const [cmd, argv] =
    cpus === undefined ? ["wrk", args] : ["taskset", ["-c", cpus, "wrk", ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (err += c));
    // wrk stops itself after `seconds`; this is the bound if it does not.
    const timer = setTimeout(() => child.kill("SIGKILL"), (seconds + 15) * 1000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`wrk ${args.join(" ")} exited ${code}: ${err}${out}`));
    });
  });
}
