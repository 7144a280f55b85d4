import { mkdtemp } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { uwsgiAppArgs } from "../../../scripts/lib/uwsgi-args.mjs";
import { freePort } from "../../interop/support/ports.js";
import { awaitListening, requireBinary, startDaemon } from "../../interop/support/process.js";

/** A real uWSGI for the client tests: TCP on 127.0.0.1 and, if asked, a unix socket too. */
export interface ClientPeer {
  readonly host: "127.0.0.1";
  readonly port: number;
  /** The unix socket path, when `unix` was asked. */
  readonly path: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface ClientPeerOptions {
  /** Also listen on a unix socket in the temp dir. */
  readonly unix?: boolean;
  /** Load the ping plugin (pong to modifier1 100). */
  readonly ping?: boolean;
  /** Worker threads (1 process). Defaults to 8. */
  readonly threads?: number;
  readonly extraArgs?: readonly string[];
  /** The WSGI app, a file in fixtures/apps/. Defaults to environ_echo.py. */
  readonly app?: string;
}

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/**
 * Starts uWSGI 2.0 with fixtures/apps/environ_echo.py (or `app`), `--buffer-size 65535` and a listen
 * backlog of 1024 (the default 100 drops part of a burst of 200 connections).
 */
export async function startClientPeer(options: ClientPeerOptions = {}): Promise<ClientPeer> {
  requireBinary("uwsgi", "uwsgi-core uwsgi-plugin-python3");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-client-"));
  const port = await freePort();
  const path = options.unix === true ? join(dir, "uwsgi.sock") : "";
  const args = [
    ...uwsgiAppArgs({
      port,
      app: `fixtures/apps/${options.app ?? "environ_echo.py"}`,
      dir,
      threads: options.threads ?? 8,
    }),
    ...(options.ping === true ? ["--plugin", "ping"] : []),
    ...(path === "" ? [] : ["--socket", path]),
    ...["--listen", "1024", "--disable-logging"],
    ...(options.extraArgs ?? []),
  ];
  const daemon = startDaemon("uwsgi", args, dir);
  const stop = await awaitListening("uWSGI", daemon, port, dir);
  if (path !== "" && !(await canConnect(path))) {
    const logs = daemon.output();
    await stop();
    throw new Error(`uWSGI did not start: no unix socket at ${path}\n${logs}`);
  }
  return { host: "127.0.0.1", port, path, logs: daemon.output, stop };
}
