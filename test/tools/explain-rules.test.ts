// Every rule of `explain`, on lines in the exact formats uWSGI 2.0 and nginx 1.22 print them (the
// printf formats of core/protocol.c, proto/uwsgi.c, ngx_http_upstream.c...): each number said in
// words. explain.test.ts checks the same rules on lines real daemons wrote.
import { describe, expect, it } from "vitest";
import { explainLogLine, methodFromDatasize } from "../../src/tools/explain.js";

const NGINX = (what: string) =>
  `2026/11/25 10:00:00 [error] 7#7: *1 ${what}, client: 127.0.0.1, server: localhost, request: "GET / HTTP/1.1", upstream: "uwsgi://127.0.0.1:3031", host: "localhost"`;

describe("explain's rules", () => {
  const cases: [string, string, string][] = [
    ["invalid request block size: 21327 (max 4096)...skip", "HTTP_ON_UWSGI_SOCKET", '"POST ...'],
    ["invalid request block size: 16709 (max 4096)...skip", "HTTP_ON_UWSGI_SOCKET", '"HEAD ...'],
    ["invalid request block size: 5290 (max 4096)...skip", "BLOCK_SIZE", "5290 bytes of vars"],
    ["invalid request block size: 25455 (max 4096)...skip", "BLOCK_SIZE", "came in"],
    ["-- unavailable modifier requested: 22 --", "TLS_ON_UWSGI_SOCKET", "0x16"],
    ["-- unavailable modifier requested: 71 --", "TEXT_ON_UWSGI_SOCKET", '"G"'],
    ["-- unavailable modifier requested: 100 --", "UNAVAILABLE_MODIFIER", "PING"],
    ["-- unavailable modifier requested: 5 --", "UNAVAILABLE_MODIFIER", "modifier1 5"],
    ["invalid uwsgi request (current strsize: 65535). skip.", "MALFORMED_VARS", "malformed"],
    ["uwsgi key cannot be null. skip this request.", "EMPTY_KEY", "empty name"],
    ["max vec size reached. skip this var.", "TOO_MANY_VARS", "--max-vars"],
    ["Invalid (too big) CONTENT_LENGTH. skip.", "LIMIT_POST", "--limit-post"],
    ["*** HARAKIRI ON WORKER 3 (pid: 123, try: 1) ***", "HARAKIRI", "Worker 3"],
    [
      '*** uWSGI listen queue of socket "127.0.0.1:3031" (fd: 3) full !!! (101/100) ***',
      "LISTEN_QUEUE_FULL",
      "101 connections",
    ],
    [
      "SIGPIPE: writing to a closed pipe/socket/fd (probably the client disconnected) on request / (ip 127.0.0.1) !!!",
      "CLIENT_GONE",
      "closed",
    ],
    [
      "uwsgi_response_write_body_do(): Broken pipe [core/writer.c line 429] during GET / (127.0.0.1)",
      "CLIENT_GONE",
      "closed",
    ],
    [
      "[uwsgi-body-read] Timeout reading 4096 bytes. Content-Length: 10000 consumed: 4096 left: 5904",
      "BODY_READ_TIMEOUT",
      "5904 of its 10000",
    ],
    [NGINX("uwsgi request is too big: 65536"), "NGINX_PACKET_TOO_BIG", "65536 bytes"],
    [
      NGINX("upstream prematurely closed connection while reading response header from upstream"),
      "UPSTREAM_CLOSED",
      "502",
    ],
    [
      NGINX(
        "recv() failed (104: Connection reset by peer) while reading response header from upstream",
      ),
      "UPSTREAM_RESET",
      "--buffer-size",
    ],
    [
      NGINX("upstream timed out (110: Connection timed out) while connecting to upstream"),
      "UPSTREAM_TIMEOUT",
      "uwsgi_connect_timeout",
    ],
    [
      NGINX("upstream timed out (110: Connection timed out) while reading upstream"),
      "UPSTREAM_TIMEOUT",
      "uwsgi_read_timeout",
    ],
    [
      NGINX(
        "connect() to unix:/run/uwsgi/app.sock failed (13: Permission denied) while connecting to upstream",
      ),
      "UPSTREAM_CONNECT_FAILED",
      "unix:/run/uwsgi/app.sock",
    ],
    [
      NGINX(
        "connect() to unix:/run/uwsgi/app.sock failed (2: No such file or directory) while connecting to upstream",
      ),
      "UPSTREAM_CONNECT_FAILED",
      "errno 2",
    ],
    [
      NGINX(
        "connect() to unix:/run/uwsgi/app.sock failed (11: Resource temporarily unavailable) while connecting to upstream",
      ),
      "UPSTREAM_CONNECT_FAILED",
      "errno 11",
    ],
    [
      NGINX("connect() failed (111: Connection refused) while connecting to upstream"),
      "UPSTREAM_CONNECT_FAILED",
      "Connection refused",
    ],
    [
      NGINX("upstream sent too big header while reading response header from upstream"),
      "ANSWER_HEADER_TOO_BIG",
      "uwsgi_buffer_size",
    ],
    [
      NGINX(
        'upstream sent invalid header: "FOO/9 200 OK\\x0D..." while reading response header from upstream',
      ),
      "INVALID_ANSWER",
      "invalid header",
    ],
    [
      NGINX("client intended to send too large body: 2000000 bytes"),
      "BODY_TOO_LARGE",
      "2000000-byte",
    ],
    [
      NGINX("writev() failed (32: Broken pipe) while sending request to upstream"),
      "UPSTREAM_CLOSED_WHILE_SENDING",
      "early",
    ],
    [NGINX("no live upstreams while connecting to upstream"), "NO_LIVE_UPSTREAMS", "max_fails"],
  ];
  for (const [line, kind, said] of cases) {
    it(`${kind}: ${line.slice(0, 60)}`, () => {
      const e = explainLogLine(line);
      expect(e.kind).toBe(kind);
      expect([e.summary, ...e.details, ...e.advice].join(" ")).toContain(said);
      expect(e.advice.length).toBeGreaterThan(0);
    });
  }

  it("names the method whose letters make a datasize, and no other", () => {
    expect(
      ["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"].map((m) =>
        methodFromDatasize(m.charCodeAt(1) | (m.charCodeAt(2) << 8)),
      ),
    ).toEqual(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]);
    expect(methodFromDatasize(5290)).toBeUndefined();
  });

  it("says when it does not know a line", () => {
    expect(explainLogLine("all is well")).toMatchObject({ source: "unknown", kind: "UNKNOWN" });
  });
});
