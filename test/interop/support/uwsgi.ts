import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uwsgiAppArgs } from "../../../scripts/lib/uwsgi-args.mjs";
import { freePort } from "./ports.js";
import { awaitListening, requireBinary, startDaemon } from "./process.js";

/** A real uWSGI serving fixtures/apps/environ_echo.py on 127.0.0.1. */
export interface UwsgiPeer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** Its process id, which is also its process group's (kill(-pid) reaches every worker). */
  readonly pid: number;
  logs(): string;
  stop(): Promise<void>;
}

export interface UwsgiOptions {
  /** `--buffer-size`: the largest packet it accepts. Defaults to 65535 (uWSGI's own is 4096). */
  readonly bufferSize?: number;
  /** The WSGI file, relative to the repo root. Defaults to fixtures/apps/environ_echo.py. */
  readonly app?: string;
  /** `--threads` of its one process. Defaults to 4. */
  readonly threads?: number;

  readonly extraArgs?: readonly string[];
}

/** Starts uWSGI 2.0 (Debian uwsgi-core + uwsgi-plugin-python3) and waits for its socket. */
export async function startUwsgi(options: UwsgiOptions = {}): Promise<UwsgiPeer> {
  requireBinary("uwsgi", "uwsgi-core uwsgi-plugin-python3");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-uwsgi-"));
  const port = await freePort();
  const args = uwsgiAppArgs({
    port,
    app: options.app ?? "fixtures/apps/environ_echo.py",
    dir,
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    ...(options.bufferSize === undefined ? {} : { bufferSize: options.bufferSize }),
  });
  const daemon = startDaemon("uwsgi", [...args, ...(options.extraArgs ?? [])], dir);
  const stop = await awaitListening("uWSGI", daemon, port, dir);
  return { host: "127.0.0.1", port, pid: daemon.pid, logs: daemon.output, stop };
}
