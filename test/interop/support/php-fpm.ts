import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";
import { awaitListening, requireBinary, startDaemon } from "./process.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

/** The PHP script php-fpm runs for the tests: it answers with $_SERVER and the body it read. */
export const SERVER_ECHO = join(ROOT, "fixtures/apps/server_echo.php");

/** A real php-fpm 8.2 pool on 127.0.0.1. */
export interface PhpFpmPeer {
  readonly port: number;
  logs(): string;
  stop(): Promise<void>;
}

/** Starts php-fpm (Debian php8.2-fpm) in the foreground with a pool config in a temp dir. */
export async function startPhpFpm(): Promise<PhpFpmPeer> {
  requireBinary("php-fpm8.2", "php8.2-fpm");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-php-fpm-"));
  const port = await freePort();
  const root = process.getuid?.() === 0;
  const conf = `
[global]
error_log = ${join(dir, "fpm.log")}
daemonize = no
pid = ${join(dir, "fpm.pid")}

[echo]
${root ? "user = root\ngroup = root" : ""}
listen = 127.0.0.1:${port}
pm = static
pm.max_children = 4
clear_env = yes
catch_workers_output = yes
php_admin_value[post_max_size] = 64M
php_admin_value[enable_post_data_reading] = 0
`;
  const confPath = join(dir, "fpm.conf");
  await writeFile(confPath, conf);
  // -R: allow running as root (CI runs as root); -F: stay in the foreground.
  const daemon = startDaemon(
    "php-fpm8.2",
    [...(root ? ["-R"] : []), "-F", "-y", confPath, "-p", dir],
    dir,
  );
  const stop = await awaitListening("php-fpm", daemon, port, dir);
  return { port, logs: daemon.output, stop };
}
