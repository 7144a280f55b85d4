import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { awaitListening, requireBinary, startDaemon } from "./process.js";

/**
 * How uWSGI stands in front of a uwsgi backend, each the way a deployment runs it:
 * - `"http"`: the http router (`--http ... --http-to backend --http-chunked-input`);
 * - `"http+fastrouter"`: the http router forwarding to a fastrouter, which forwards to the
 *   backend (`--fastrouter ... --fastrouter-to backend`, one uWSGI instance);
 * - `"router_uwsgi"`: a worker on an HTTP socket whose `uwsgi:` route action forwards to the
 *   backend (`--route-run uwsgi:backend,0,0`); with `offloadThreads` (uWSGI's recommended set-up
 *   for proxying) the offload thread relays both ways, without them the worker forwards only the
 *   body bytes that came with the headers (uWSGI 2.0.21, `uwsgi_proxy_nb`).
 */
export type UwsgiRouterKind = "http" | "http+fastrouter" | "router_uwsgi";

/** A real uWSGI router on 127.0.0.1 that clients talk HTTP/1.1 to. */
export interface UwsgiRouter {
  /** Where clients send HTTP. */
  readonly port: number;
  logs(): string;
  stop(): Promise<void>;
}

export interface UwsgiRouterOptions {
  /** For `"router_uwsgi"`: offload threads per worker. Defaults to 1. */
  readonly offloadThreads?: number;
  /** `--socket-timeout` in seconds: how long uWSGI waits on a socket. uWSGI's default is 4. */
  readonly socketTimeout?: number;
}

/**
 * Starts uWSGI 2.0 (Debian uwsgi-core: the http, fastrouter and router_uwsgi plugins) as `kind`,
 * forwarding to the uwsgi backend on 127.0.0.1:`backendPort`, in a temp dir, on free ports,
 * with `--die-on-term` (its master reloads on SIGTERM otherwise); waits until it listens.
 */
export async function startUwsgiRouter(
  kind: UwsgiRouterKind,
  backendPort: number,
  options: UwsgiRouterOptions = {},
): Promise<UwsgiRouter> {
  requireBinary("uwsgi", "uwsgi-core");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-router-"));
  const port = await freePort();
  const backend = `127.0.0.1:${backendPort}`;
  const common = ["--master", "--processes", "1", "--die-on-term", "--chdir", dir];
  if (options.socketTimeout !== undefined)
    common.push("--socket-timeout", String(options.socketTimeout));
  let args: string[];
  if (kind === "http") {
    args = [
      "--plugin",
      "http",
      "--http",
      `127.0.0.1:${port}`,
      "--http-to",
      backend,
      "--http-chunked-input",
    ];
  } else if (kind === "http+fastrouter") {
    const fastrouter = `127.0.0.1:${await freePort()}`;
    args = [
      "--plugin",
      "http,fastrouter",
      "--fastrouter",
      fastrouter,
      "--fastrouter-to",
      backend,
      "--http",
      `127.0.0.1:${port}`,
      "--http-to",
      fastrouter,
      "--http-chunked-input",
    ];
  } else {
    args = [
      "--plugin",
      "router_uwsgi",
      "--http-socket",
      `127.0.0.1:${port}`,
      "--offload-threads",
      String(options.offloadThreads ?? 1),
      "--route-run",
      `uwsgi:${backend},0,0`,
    ];
  }
  const daemon = startDaemon("uwsgi", [...args, ...common], dir);
  const stop = await awaitListening(`uWSGI (${kind})`, daemon, port, dir);
  return { port, logs: daemon.output, stop };
}
