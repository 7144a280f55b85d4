// The nginx.conf every script and benchmark here runs nginx with: a private prefix in `dir` (pid,
// logs, temp paths), one worker in the foreground, `user root` when run as root (CI), and the
// caller's `http` block contents. Start it with: nginx -p DIR -c DIR/nginx.conf -e DIR/logs/error.log
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * Writes DIR/nginx.conf (and DIR/logs) and returns its path.
 * @param {string} dir
 * @param {{ http: string, logLevel?: string, workerConnections?: number }} options
 */
export function writeNginxConf(dir, { http, logLevel = "info", workerConnections = 1024 }) {
  mkdirSync(join(dir, "logs"), { recursive: true });
  const temp = (n) => `${n}_temp_path ${join(dir, `${n}_temp`)};`;
  const conf = `${process.getuid?.() === 0 ? "user root;" : ""}
daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${join(dir, "logs", "error.log")} ${logLevel};
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
${http}
}
`;
  const path = join(dir, "nginx.conf");
  writeFileSync(path, conf);
  return path;
}

/** The arguments that start nginx on a config written by {@link writeNginxConf}. */
export function nginxArgs(dir) {
  return ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "logs", "error.log")];
}
