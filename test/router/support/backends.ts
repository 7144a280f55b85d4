import { startUwsgi } from "../../interop/support/uwsgi.js";

/** A real uWSGI running fixtures/apps/identity.py, answering as node `id`. */
export interface Backend {
  readonly id: string;
  readonly port: number;
  /** `127.0.0.1:port`, as routers name it. */
  readonly address: string;
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
  const peer = await startUwsgi({
    app: "fixtures/apps/identity.py",
    threads: 8,
    extraArgs: ["--env", `NODE_ID=${id}`, "--disable-logging", ...extraArgs],
  });
  return {
    id,
    port: peer.port,
    address: `127.0.0.1:${peer.port}`,
    logs: peer.logs,
    kill() {
      try {
        process.kill(-peer.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    },
    stop: peer.stop,
  };
}

/** Starts several backends at once. */
export function startBackends(
  ids: readonly string[],
  extraArgs: readonly string[] = [],
): Promise<Backend[]> {
  return Promise.all(ids.map((id) => startBackend(id, extraArgs)));
}
