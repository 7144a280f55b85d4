// Real nginx speaking FastCGI (fastcgi_pass) and SCGI (scgi_pass), each through a recording relay
// to a real backend: what nginx put on the wire, decoded by the baseline codecs, must be exactly
// what php-fpm (FastCGI) and uWSGI (SCGI) decoded from the same bytes.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeFcgiRequest } from "../../src/fastcgi/index.js";
import { decodeScgiRequest } from "../../src/scgi/index.js";
import { sha256 } from "../support/bytes.js";
import { isAddedByUwsgi, parseEcho } from "./support/environ.js";
import { exchange, parseHttpAnswer, rawHttp } from "./support/exchange.js";
import { type NginxPeer, startNginx } from "./support/nginx.js";
import { type PhpFpmPeer, SERVER_ECHO, startPhpFpm } from "./support/php-fpm.js";
import { freePort } from "./support/ports.js";
import { startTee, type Tee } from "./support/tee.js";
import { startUwsgi, type UwsgiPeer } from "./support/uwsgi.js";

let fpm: PhpFpmPeer | undefined;
let uwsgi: UwsgiPeer | undefined;
let fcgiTee: Tee | undefined;
let scgiTee: Tee | undefined;
let nginx: NginxPeer | undefined;

beforeAll(async () => {
  fpm = await startPhpFpm();
  const scgiPort = await freePort();
  uwsgi = await startUwsgi({ extraArgs: ["--scgi-socket", `127.0.0.1:${scgiPort}`] });
  fcgiTee = await startTee(fpm.port);
  scgiTee = await startTee(scgiPort);
  nginx = await startNginx(`
      location /scgi/ {
        include /etc/nginx/scgi_params;
        scgi_pass 127.0.0.1:${scgiTee.port};
      }
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME ${SERVER_ECHO};
      fastcgi_pass 127.0.0.1:${fcgiTee.port};`);
});
afterAll(async () => {
  await nginx?.stop();
  await fcgiTee?.close();
  await scgiTee?.close();
  await fpm?.stop();
  await uwsgi?.stop();
});

/** HTTP/1.0 so that nginx answers without chunked encoding. */
const http = rawHttp;

const ADDED_BY_PHP = new Set(["USER", "HOME", "FCGI_ROLE", "PHP_SELF"]);

const REQUESTS: [string, Buffer][] = [
  [
    "a curl-like GET",
    http(`GET /index.php?a=1&b=%20x HTTP/1.0
      Host: 127.0.0.1
      User-Agent: curl/7.88.1
      Accept: */*`),
  ],
  [
    "a POST with a 100 KiB body (STDIN in 32 KiB records)",
    http(
      `POST /form.php HTTP/1.0
      Host: shop.example.org
      Content-Type: application/x-www-form-urlencoded
      Content-Length: 102400`,
      Buffer.alloc(102400, "k=v&"),
    ),
  ],
  [
    "duplicate headers and 20 KiB of cookies",
    http(`GET /a/b.php HTTP/1.0
      Host: 127.0.0.1
      X-Dup: one
      X-Dup: two
      Cookie: ${"c=".padEnd(20000, "z")}`),
  ],
];

describe("nginx fastcgi_pass -> our FastCGI decoder agrees with php-fpm", () => {
  for (const [name, request] of REQUESTS) {
    it(name, async () => {
      const before = fcgiTee!.captured.length;
      const { answer } = await exchange(nginx!.port, [request]);
      const http = parseHttpAnswer(answer);
      expect(http.status, answer.subarray(0, 300).toString("latin1")).toBe(200);
      const echo = JSON.parse(http.body.toString("utf8")) as {
        server: [string, string][];
        body_length: number;
        body_sha256: string;
      };
      const wire = await fcgiTee!.next(before);
      const req = decodeFcgiRequest(wire);
      expect(req.end).toBe(wire.length);
      expect(req.requestId).toBe(1);
      const ours = req.params.toObject();
      const theirs: Record<string, string> = {};
      for (const [k, v] of echo.server) {
        const key = Buffer.from(k, "hex").toString("latin1");
        if (!ADDED_BY_PHP.has(key)) theirs[key] = Buffer.from(v, "hex").toString("latin1");
      }
      expect(theirs).toEqual({ ...ours });
      const body = Buffer.concat(req.body);
      expect([body.length, sha256(body)]).toEqual([echo.body_length, echo.body_sha256]);
      // nginx's framing: one PARAMS record, STDIN records of at most 32 KiB.
      expect(req.body.every((b) => b.length <= 32768)).toBe(true);
    });
  }
});

describe("nginx scgi_pass -> our SCGI decoder agrees with uWSGI's SCGI socket", () => {
  for (const [name, request] of REQUESTS) {
    it(name, async () => {
      const before = scgiTee!.captured.length;
      const scgiRequest = Buffer.from(
        request.toString("latin1").replace(/ \//, " /scgi/"),
        "latin1",
      );
      const { answer } = await exchange(nginx!.port, [scgiRequest]);
      const echoed = parseEcho(answer);
      expect(echoed.status).toBe(200);
      const wire = await scgiTee!.next(before);
      const req = decodeScgiRequest(wire);
      expect(req.end).toBe(wire.length);
      const ours = req.headers.toObject();
      for (const [key, value] of Object.entries(ours)) {
        expect(echoed.environ.get(key)?.toString("latin1"), key).toBe(value);
      }
      const theirs = [...echoed.environ.keys()].filter((k) => !isAddedByUwsgi(k)).sort();
      expect(theirs).toEqual(Object.keys(ours).sort());
      expect([req.body.length, sha256(req.body)]).toEqual([echoed.bodyLength, echoed.bodySha256]);
    });
  }
});
