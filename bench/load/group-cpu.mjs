// CPU time of a process group (user + system, every live process in it), from /proc/<pid>/stat:
// what nginx (master and worker) spends per request, beside what each backend reports itself.
import { readdirSync, readFileSync } from "node:fs";

const TICK_MICROS = 10_000; // USER_HZ is 100 on Linux: /proc times are in 10 ms ticks

/** Microseconds of CPU used so far by the live processes of process group `pgid`. */
export function groupCpuMicros(pgid) {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (entry.charCodeAt(0) > 0x39) continue; // not a pid
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "latin1");
    } catch {
      continue; // exited meanwhile, or not a process
    }
    // After the command name (which may hold spaces): pgrp is field 5, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (Number(f[2]) === pgid) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * TICK_MICROS;
}
