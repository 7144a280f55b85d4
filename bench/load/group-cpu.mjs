// CPU time of process groups (user + system, every live process in each), from /proc/<pid>/stat:
// what nginx, uWSGI and the routers spend per request, beside what each Node backend reports
// itself. One reader for run.mjs, router.mjs and router-ab.mjs.
import { readdirSync, readFileSync } from "node:fs";

export const TICK_MICROS = 10_000; // USER_HZ is 100 on Linux: /proc times are in 10 ms ticks

/**
 * CPU ticks so far of the live processes of each named process group: `ticks[name]` user +
 * system, `ticks[name + ":user"]` user alone.
 * @param {Record<string, number>} pgids
 * @returns {Record<string, number>}
 */
export function groupTicks(pgids) {
  const byGroup = new Map(Object.entries(pgids).map(([name, id]) => [id, name]));
  const ticks = {};
  for (const name of Object.keys(pgids)) {
    ticks[name] = 0;
    ticks[`${name}:user`] = 0;
  }
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
    const name = byGroup.get(Number(f[2]));
    if (name === undefined) continue;
    ticks[name] += Number(f[11]) + Number(f[12]);
    ticks[`${name}:user`] += Number(f[11]);
  }
  return ticks;
}

/** Microseconds of CPU used so far by the live processes of process group `pgid`. */
export function groupCpuMicros(pgid) {
  return groupTicks({ group: pgid }).group * TICK_MICROS;
}
