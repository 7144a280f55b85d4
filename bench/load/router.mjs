// The router rows of the load benchmark: the same WSGI app (bench/load/hello.py) in one real
// uWSGI, reached by nginx three ways:
//   wsgi-direct      nginx uwsgi_pass -> uWSGI
//   wsgi-router      nginx uwsgi_pass -> this package's router (bench/load/router-process.mjs) -> uWSGI
//   wsgi-fastrouter  nginx uwsgi_pass -> uWSGI's FastRouter (--fastrouter-to) -> uWSGI
//   wsgi-bare-proxy  nginx uwsgi_pass -> a bare node:net proxy (bench/load/bare-proxy.mjs) -> uWSGI:
//                    the floor of what any router on Node's sockets costs
// What a router costs per request is read from the rates: with the server side on the same cores,
// 1/rate(router row) - 1/rate(direct row) is the time each request spends in the router.
import { join } from "node:path";

export const ROUTER_ROWS = ["wsgi-direct", "wsgi-router", "wsgi-fastrouter", "wsgi-bare-proxy"];

/**
 * Starts uWSGI, our router and uWSGI's FastRouter with `startProcess` (run.mjs's launcher, pinned
 * like the other backends); returns the nginx locations for the three rows.
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
    return ready(p);
  };
  // Two workers: the backend is the same for every row, so it is not what the rows compare.
  await uwsgi(
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
    waitFor(transport, at.app),
  );
  const router = startProcess(
    process.execPath,
    [join(here, "router-process.mjs"), at.router, at.app],
    { waitReady: true },
  );
  procs.push(router);
  await router.ready;
  const bare = startProcess(process.execPath, [join(here, "bare-proxy.mjs"), at.bare, at.app], {
    waitReady: true,
  });
  procs.push(bare);
  await bare.ready;
  await uwsgi(
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
    waitFor(transport, at.fastrouter),
  );
  const location = (row, name) =>
    `    location = /${row} { include /etc/nginx/uwsgi_params; uwsgi_pass ${up(name)}; }`;
  return [
    location("wsgi-direct", "app"),
    location("wsgi-router", "router"),
    location("wsgi-fastrouter", "fastrouter"),
    location("wsgi-bare-proxy", "bare"),
  ].join("\n");
}

/** Waits until a socket path exists (unix) or a port accepts (tcp), at most 10 s. */
function waitFor(transport, address) {
  return async (proc) => {
    const { existsSync } = await import("node:fs");
    const { connect } = await import("node:net");
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok =
        transport === "unix"
          ? existsSync(address)
          : await new Promise((resolve) => {
              const [host, port] = [
                address.slice(0, address.lastIndexOf(":")),
                Number(address.slice(address.lastIndexOf(":") + 1)),
              ];
              const s = connect({ host, port });
              s.once("connect", () => {
                s.destroy();
                resolve(true);
              });
              s.once("error", () => resolve(false));
            });
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`${address} not ready:\n${proc.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
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
  return lines;
}
