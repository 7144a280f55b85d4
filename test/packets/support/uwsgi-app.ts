// A real uWSGI 2.0 running fixtures/apps/packets_app.py with the plugins the special packets
// need (rpc, cache, signal, spooler, echo, ping), a master (signals and the spooler need one),
// three caches ("main" first, "shared", and "synced" with a UDP sync server on `syncPort`) and a
// spooler directory, all in temp dirs that stop() removes. Plus a helper to call the app's routes
// with a plain request.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packetsAppArgs } from "../../../scripts/lib/uwsgi-args.mjs";
import { request } from "../../../src/node.js";
import { freePort } from "../../interop/support/ports.js";
import { startUwsgi, type UwsgiPeer } from "../../interop/support/uwsgi.js";

export interface PacketsPeer extends UwsgiPeer {
  /** The spool directory (`--spooler`). */
  readonly spoolDir: string;
  /** The UDP port of the "synced" cache's sync server (modifier2 10/11 datagrams). */
  readonly syncPort: number;
  /** GET (or POST with `body`) one of the app's routes; resolves status and body bytes. */
  route(path: string, query?: string, body?: Buffer): Promise<{ status: number; body: Buffer }>;
}

/** Starts uWSGI with the packets app; `extraArgs` go last. */
export async function startPacketsUwsgi(extraArgs: readonly string[] = []): Promise<PacketsPeer> {
  const spoolDir = await mkdtemp(join(tmpdir(), "uwsgi-codec-spool-"));
  const syncPort = await freePort();
  let peer: UwsgiPeer;
  try {
    peer = await startUwsgi({
      app: "fixtures/apps/packets_app.py",
      extraArgs: [
        ...packetsAppArgs({ syncPort, spoolDir }),
        ...["--spooler-frequency", "1"],
        ...extraArgs,
      ],
    });
  } catch (err) {
    await rm(spoolDir, { recursive: true, force: true });
    throw err;
  }
  const route = async (path: string, query = "", body?: Buffer) => {
    const res = await request({
      host: peer.host,
      port: peer.port,
      vars: {
        REQUEST_METHOD: body === undefined ? "GET" : "POST",
        PATH_INFO: path,
        QUERY_STRING: query,
        SERVER_PROTOCOL: "HTTP/1.1",
      },
      ...(body === undefined ? {} : { body }),
      timeout: 10_000,
    });
    const chunks: Buffer[] = [];
    for await (const chunk of res.body) chunks.push(Buffer.from(chunk));
    return { status: res.statusCode, body: Buffer.concat(chunks) };
  };
  return {
    ...peer,
    spoolDir,
    syncPort,
    route,
    stop: async () => {
      await peer.stop();
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
}
