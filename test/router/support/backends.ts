import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../interop/support/ports.js";
import {
  awaitListening,
  type Daemon,
  requireBinary,
  startDaemon,
} from "../../interop/support/process.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** A real uWSGI running fixtures/apps/identity.py, answering as node `id`. */
export interface Backend {
  readonly id: string;
  readonly port: number;
  /** `127.0.0.1:port`, as routers name it. */
  readonly address: string;
  readonly daemon: Daemon;
  logs(): string;
  /** SIGKILL to the whole process group: no unsubscription, sockets reset by the kernel. */
  kill(): void;
  stop(): Promise<void>;
}

/**
 * Starts uWSGI 2.0 with the identity app as node `id` (`--env NODE_ID=id`) on a free port, with
 * `extraArgs` (e.g. `--master --subscribe-to ...`). Waits until its socket accepts.
 */
export async function startBackend(
  id: string,
  extraArgs: readonly string[] = [],
): Promise<Backend> {
  requireBinary("uwsgi", "uwsgi-core uwsgi-plugin-python3");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-router-"));
  const port = await freePort();
  const daemon = startDaemon(
    "uwsgi",
    [
      "--plugin",
      "python3",
      "--socket",
      `127.0.0.1:${port}`,
      "--wsgi-file",
      join(ROOT, "fixtures/apps/identity.py"),
      "--env",
      `NODE_ID=${id}`,
      "--buffer-size",
      "65535",
      "--processes",
      "1",
      "--threads",
      "8",
      "--die-on-term",
      "--need-app",
      "--disable-logging",
      "--chdir",
      dir,
      ...extraArgs,
    ],
    dir,
  );
  const stop = await awaitListening("uWSGI", daemon, port, dir);
  return {
    id,
    port,
    address: `127.0.0.1:${port}`,
    daemon,
    logs: daemon.output,
    kill() {
      try {
        process.kill(-daemon.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    },
    stop,
  };
}

/** Starts several backends at once. */
export function startBackends(
  ids: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<Backend[]> {
  return Promise.all(ids.map((id) => startBackend(id, extraArgs)));
}
