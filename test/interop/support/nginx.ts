import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { awaitListening, requireBinary, startDaemon } from "./process.js";

/** A real nginx on 127.0.0.1 with one server whose `location /` body the caller writes. */
export interface NginxPeer {
  readonly port: number;
  errorLog(): string;
  stop(): Promise<void>;
}

/** `location /` proxying to a uwsgi upstream with Debian's stock uwsgi_params. */
export function uwsgiLocation(upstream: string): string {
  return `include /etc/nginx/uwsgi_params;\n      uwsgi_pass ${upstream};`;
}

/** Starts nginx 1.22 (Debian nginx-light) with a config in a temp dir; waits for its port. */
export async function startNginx(locationBody: string): Promise<NginxPeer> {
  requireBinary("nginx", "nginx-light");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-nginx-"));
  await mkdir(join(dir, "logs"));
  const port = await freePort();
  const errorLog = join(dir, "logs", "error.log");
  const temp = (name: string) => `${name}_temp_path ${join(dir, `${name}_temp`)};`;
  const conf = `
${process.getuid?.() === 0 ? "user root;" : ""}
daemon off;
master_process on;
worker_processes 1;
pid ${join(dir, "nginx.pid")};
error_log ${errorLog} info;
events { worker_connections 1024; }
http {
  access_log off;
  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}
  client_max_body_size 0;
  large_client_header_buffers 8 64k;
  server {
    listen 127.0.0.1:${port};
    server_name localhost;
    location / {
      ${locationBody}
    }
  }
}
`;
  const confPath = join(dir, "nginx.conf");
  await writeFile(confPath, conf);
  const daemon = startDaemon("nginx", ["-p", dir, "-c", confPath, "-e", errorLog], dir);
  const readLog = () => {
    try {
      return readFileSync(errorLog, "utf8");
    } catch {
      return "";
    }
  };
  const stop = await awaitListening("nginx", daemon, port, dir, readLog);
  return { port, errorLog: readLog, stop };
}
