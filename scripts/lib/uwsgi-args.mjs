// How the scripts and the tests run uWSGI 2.0 with one of fixtures/apps: the same command line
// everywhere, so a capture script records the peer the tests talk to.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * uWSGI's arguments for a WSGI app (`app`, relative to the repo root) on 127.0.0.1:`port`, one
 * process of `threads` threads, packets up to `bufferSize` bytes (uWSGI's own default is 4096),
 * stopped by SIGTERM (a master reloads on it without --die-on-term), run from `dir`.
 */
export function uwsgiAppArgs({ port, app, dir, threads = 4, bufferSize = 65535 }) {
  return [
    ...["--plugin", "python3", "--socket", `127.0.0.1:${port}`],
    ...["--wsgi-file", join(ROOT, app), "--buffer-size", String(bufferSize)],
    ...["--processes", "1", "--threads", String(threads)],
    ...["--die-on-term", "--need-app", "--chdir", dir],
  ];
}

/**
 * What fixtures/apps/packets_app.py needs beside {@link uwsgiAppArgs}: the plugins of the special
 * packets, a master (signals and the spooler need one), three caches ("main" first, "shared",
 * and "synced" with a UDP sync server on `syncPort`) and a spooler in `spoolDir`.
 */
export function packetsAppArgs({ syncPort, spoolDir }) {
  return [
    ...["--plugin", "rpc,cache,signal,spooler,echo,ping", "--master"],
    ...["--cache2", "name=main,items=16,blocksize=4096"],
    ...["--cache2", "name=shared,items=64,blocksize=131072"],
    ...["--cache2", `name=synced,items=16,blocksize=4096,udp=127.0.0.1:${syncPort}`],
    ...["--spooler", spoolDir],
  ];
}
