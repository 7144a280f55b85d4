import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";
import { awaitListening, requireBinary, startDaemon } from "./process.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** A real uWSGI serving fixtures/apps/environ_echo.py on 127.0.0.1. */
export interface UwsgiPeer {
  readonly host: "127.0.0.1";
  readonly port: number;
  logs(): string;
  stop(): Promise<void>;
}

export interface UwsgiOptions {
  /** `--buffer-size`: the largest packet it accepts. Defaults to 65535 (uWSGI's own is 4096). */
  readonly bufferSize?: number;
  /** The WSGI file, relative to the repo root. */
  readonly app?: string;
  readonly extraArgs?: readonly string[];
}

/** Starts uWSGI 2.0 (Debian uwsgi-core + uwsgi-plugin-python3) and waits for its socket. */
export async function startUwsgi(options: UwsgiOptions = {}): Promise<UwsgiPeer> {
  requireBinary("uwsgi", "uwsgi-core uwsgi-plugin-python3");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-uwsgi-"));
  const port = await freePort();
  const daemon = startDaemon(
    "uwsgi",
    [
      "--plugin",
      "python3",
      "--socket",
      `127.0.0.1:${port}`,
      "--wsgi-file",
      join(ROOT, options.app ?? "fixtures/apps/environ_echo.py"),
      "--buffer-size",
      String(options.bufferSize ?? 65535),
      "--processes",
      "1",
      "--threads",
      "4",
      "--die-on-term",
      "--need-app",
      "--chdir",
      dir,
      ...(options.extraArgs ?? []),
    ],
    dir,
  );
  const stop = await awaitListening("uWSGI", daemon, port, dir);
  return { host: "127.0.0.1", port, logs: daemon.output, stop };
}
