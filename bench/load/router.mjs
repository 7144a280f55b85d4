// The router rows of the load benchmark: the same WSGI app (bench/load/hello.py) in one real
// uWSGI, reached by nginx three ways:
//   wsgi-direct      nginx uwsgi_pass -> uWSGI
//   wsgi-router      nginx uwsgi_pass -> this package's router (bench/load/router-process.mjs) -> uWSGI
//   wsgi-fastrouter  nginx uwsgi_pass -> uWSGI's FastRouter (--fastrouter-to) -> uWSGI
//   wsgi-bare-proxy  nginx uwsgi_pass -> a bare node:net proxy (bench/load/bare-proxy.mjs) -> uWSGI:
//                    the floor of what any router on Node's sockets costs
// What a router costs per request is read two ways:
// - from the rates: with the server side on one core, 1/rate(router row) - 1/rate(direct row) is
//   the time each request adds on that core (the router's CPU, and whatever the extra hop costs
//   nginx, the kernel and the scheduler);
// - from CPU time: the user+system time of each process group on the server side (nginx, the
//   uWSGI app, the row's router: every process of it, FastRouter's master included) read from
//   /proc around each measured run, over the requests wrk counted (the router's user time
//   alone too: its system time is the sockets' work in the kernel). This moves far less than the
//   rate when other work shares the machine, and compares the routers like for like: our router,
//   the bare proxy and FastRouter each run as one process on the same core.
import { join } from "node:path";
import { waitForAddress } from "../../scripts/lib/ports.mjs";
import { groupTicks, TICK_MICROS } from "./group-cpu.mjs";

export const ROUTER_ROWS = ["wsgi-direct", "wsgi-router", "wsgi-fastrouter", "wsgi-bare-proxy"];
/** The process group that routes each row (none for the direct row). */
const ROUTER_OF = {
  "wsgi-router": "router",
  "wsgi-fastrouter": "fastrouter",
  "wsgi-bare-proxy": "bare",
};

/**
 * Starts uWSGI, our router and uWSGI's FastRouter with `startProcess` (run.mjs's launcher, pinned
 * like the other backends); returns the nginx locations for the rows and the CPU accounting
 * (`watch` another process group, `sample` before a run, `record` after it, `figures` per row).
 * @param {{ dir: string, here: string, transport: string, freePort: () => Promise<number>, startProcess: Function, procs: object[] }} ctx
 */
export async function startRouterRows({ dir, here, transport, freePort, startProcess, procs }) {
  const at = {};
  for (const name of ["app", "router", "fastrouter", "bare"]) {
    at[name] =
      transport === "unix" ? join(dir, `wsgi-${name}.sock`) : `127.0.0.1:${await freePort()}`;
  }
  // nginx writes unix:/path; uWSGI and our router take the bare path.
  const up = (name) => (transport === "unix" ? `unix:${at[name]}` : at[name]);
  const uwsgi = (args, ready) => {
    const p = startProcess("uwsgi", [...args, "--die-on-term", "--disable-logging"], {
      waitReady: false,
    });
    procs.push(p);
    return ready(p).then(() => p);
  };
  // Process group ids (each process was started in its own group) of what is measured.
  const pgids = {};
  // Two workers: the backend is the same for every row, so it is not what the rows compare.
  const app = await uwsgi(
    [
      "--plugin",
      "python3",
      "--master",
      "--socket",
      at.app,
      "--wsgi-file",
      join(here, "hello.py"),
      "--processes",
      "2",
      "--chmod-socket=666",
    ],
    (p) => waitForAddress(at.app, p.output),
  );
  const router = startProcess(
    process.execPath,
    [join(here, "router-process.mjs"), at.router, at.app],
    { waitReady: true },
  );
  procs.push(router);
  await router.ready;
  pgids.app = app.pid;
  pgids.router = router.pid;
  const bare = startProcess(process.execPath, [join(here, "bare-proxy.mjs"), at.bare, at.app], {
    waitReady: true,
  });
  procs.push(bare);
  await bare.ready;
  pgids.bare = bare.pid;
  const fastrouter = await uwsgi(
    [
      "--plugin",
      "fastrouter",
      "--master",
      "--fastrouter",
      at.fastrouter,
      "--fastrouter-to",
      at.app,
      "--chmod-socket=666",
    ],
    (p) => waitForAddress(at.fastrouter, p.output),
  );
  pgids.fastrouter = fastrouter.pid;
  const location = (row, name) =>
    `    location = /${row} { include /etc/nginx/uwsgi_params; uwsgi_pass ${up(name)}; }`;
  const locations = [
    location("wsgi-direct", "app"),
    location("wsgi-router", "router"),
    location("wsgi-fastrouter", "fastrouter"),
    location("wsgi-bare-proxy", "bare"),
  ].join("\n");
  // CPU ticks and requests per row, summed over the measured runs.
  const spent = new Map();
  const sample = () => groupTicks(pgids);
  return {
    locations,
    /** Counts another process group (nginx) too. */
    watch(name, pgid) {
      pgids[name] = pgid;
    },
    sample,
    /** Adds what each group spent since `before` to `row`, over `requests`. */
    record(row, before, requests) {
      if (!ROUTER_ROWS.includes(row)) return;
      const after = sample();
      const sum = spent.get(row) ?? { requests: 0, ticks: {} };
      sum.requests += requests;
      for (const name of Object.keys(after)) {
        sum.ticks[name] = (sum.ticks[name] ?? 0) + after[name] - (before[name] ?? 0);
      }
      spent.set(row, sum);
    },
    /**
     * `{ cpuMicrosPerRequestIn: { nginx, app, router, routerUser } }` for a router row (user +
     * system; `routerUser` the router's user time alone), else `{}`.
     */
    figures(row) {
      const sum = spent.get(row);
      if (sum === undefined || sum.requests === 0) return {};
      const per = (name) => (sum.ticks[name] * TICK_MICROS) / sum.requests;
      const figures = { nginx: per("nginx"), app: per("app") };
      if (ROUTER_OF[row] !== undefined) {
        figures.router = per(ROUTER_OF[row]);
        figures.routerUser = per(`${ROUTER_OF[row]}:user`);
      }
      return { cpuMicrosPerRequestIn: figures };
    },
  };
}

/**
 * Lines for the report: each router's cost per request against the direct row, in microseconds.
 * @param {{ row: string, requestsPerSec: number }[]} results
 */
export function routerCost(results) {
  const byRow = new Map(results.map((r) => [r.row, r]));
  const direct = byRow.get("wsgi-direct");
  if (direct === undefined) return [];
  const lines = [];
  for (const row of ["wsgi-router", "wsgi-fastrouter", "wsgi-bare-proxy"]) {
    const r = byRow.get(row);
    if (r === undefined) continue;
    const us = (1e6 / r.requestsPerSec - 1e6 / direct.requestsPerSec).toFixed(1);
    lines.push(`${row}: ${us} us per request over wsgi-direct (1/rate difference)`);
  }
  const cpu = ROUTER_ROWS.filter((row) => byRow.get(row)?.cpuMicrosPerRequestIn !== undefined);
  if (cpu.length > 0) {
    lines.push("CPU time per request (user + system, us) by process group:");
    for (const row of cpu) {
      const c = byRow.get(row).cpuMicrosPerRequestIn;
      const router =
        c.router === undefined
          ? ""
          : `router ${c.router.toFixed(1)} (user ${c.routerUser.toFixed(1)}), `;
      const total = (c.router ?? 0) + c.app + c.nginx;
      lines.push(
        `  ${row}: ${router}app ${c.app.toFixed(1)}, nginx ${c.nginx.toFixed(1)}, sum ${total.toFixed(1)}`,
      );
    }
  }
  return lines;
}
