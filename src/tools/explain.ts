import { modifierName } from "../codec/modifiers.js";

/** What `explain` made of a log line. */
export interface Explanation {
  /** Who wrote the line: uWSGI or nginx ("unknown" when no rule matched). */
  readonly source: "uwsgi" | "nginx" | "unknown";
  /** A stable name for what happened (`BLOCK_SIZE`, `UPSTREAM_TIMEOUT`...), or `UNKNOWN`. */
  readonly kind: string;
  /** One sentence: what the line means. */
  readonly summary: string;
  /** The numbers in the line, said in words (a block size as bytes and text...). */
  readonly details: readonly string[];
  /** What to change, most likely first. */
  readonly advice: readonly string[];
}

/** Printable ASCII as itself, anything else as \xNN. */
function asText(bytes: readonly number[]): string {
  let s = "";
  for (const b of bytes) {
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return s;
}

const METHODS = [
  "GET ",
  "POST",
  "HEAD",
  "PUT ",
  "DELETE",
  "OPTIONS",
  "PATCH",
  "CONNECT",
  "TRACE",
  "PRI ",
];

/**
 * What sent a uwsgi header whose datasize is `size`, when its bytes 0-2 were text: the HTTP
 * method whose 2nd and 3rd letters they are, or undefined.
 */
export function methodFromDatasize(size: number): string | undefined {
  const lo = size & 0xff;
  const hi = size >>> 8;
  for (const m of METHODS) {
    if (m.charCodeAt(1) === lo && m.charCodeAt(2) === hi) return m.trim();
  }
  return undefined;
}

/** A uwsgi header's first 3 bytes for this datasize and modifier1: how the number looks on the wire. */
function headerBytes(size: number): string {
  const lo = size & 0xff;
  const hi = size >>> 8;
  return `bytes 1-2 of the header are ${lo.toString(16).padStart(2, "0")} ${hi.toString(16).padStart(2, "0")} ("${asText([lo, hi])}" as text)`;
}

function blockSize(size: number, max: number): Explanation {
  const method = methodFromDatasize(size);
  const details = [
    `${size} is the datasize field of the uwsgi header: 0x${size.toString(16).padStart(4, "0")}, read little-endian, so ${headerBytes(size)}.`,
    `uWSGI's --buffer-size is ${max}: a request whose vars take more than ${max} bytes is dropped (the connection is reset).`,
  ];
  if (method !== undefined) {
    return {
      source: "uwsgi",
      kind: "HTTP_ON_UWSGI_SOCKET",
      summary: `An HTTP request ("${method} ...") was sent to uWSGI's uwsgi socket: the letters of "${method}" were read as a uwsgi header.`,
      details,
      advice: [
        "In nginx, use uwsgi_pass (with include uwsgi_params), not proxy_pass, towards this socket.",
        "Or give uWSGI an HTTP socket for HTTP clients: --http-socket ADDR (or --http for its router), and keep --socket for nginx.",
        "A health check or a browser pointed at the uwsgi port does the same: use `uwsgi-codec ping` or `uwsgi-codec request` for uwsgi.",
      ],
    };
  }
  if (
    size > 0xff &&
    (size & 0xff) >= 0x20 &&
    (size & 0xff) < 0x7f &&
    size >>> 8 >= 0x20 &&
    size >>> 8 < 0x7f
  ) {
    details.push(
      "Both bytes are printable text: probably not a uwsgi client at all (a text protocol sent to the uwsgi socket).",
    );
  }
  return {
    source: "uwsgi",
    kind: "BLOCK_SIZE",
    summary: `A uwsgi request of ${size} bytes of vars (headers and CGI vars) came in; uWSGI takes at most ${max}.`,
    details,
    advice: [
      `Raise --buffer-size to at least ${size} (at most 65535: 65536 wraps to 0 in uWSGI 2.0).`,
      "Browsers with many cookies send over 4 KB of headers; 32768 is a common setting.",
      "Through nginx the client gets 502 with `recv() failed (104: Connection reset by peer) while reading response header from upstream` in nginx's error log.",
    ],
  };
}

function unavailableModifier(n: number): Explanation {
  const details = [
    `modifier1 ${n} is byte 0 of the uwsgi header (${modifierName(n)}), "${asText([n])}" as text.`,
  ];
  if (n === 22) {
    return {
      source: "uwsgi",
      kind: "TLS_ON_UWSGI_SOCKET",
      summary:
        "A TLS handshake reached the uwsgi socket: 22 (0x16) is the first byte of a TLS record.",
      details,
      advice: [
        "Something speaks HTTPS (or uwsgi over TLS) to a plain uwsgi socket: use uwsgi_pass uwsgi://, not suwsgi://, or give uWSGI --https / --ssl-socket.",
      ],
    };
  }
  if (n >= 0x41 && n <= 0x5a) {
    return {
      source: "uwsgi",
      kind: "TEXT_ON_UWSGI_SOCKET",
      summary: `A text protocol reached the uwsgi socket: "${asText([n])}" was read as modifier1 (an HTTP request starts "GET", "POST", "HEAD"...).`,
      details,
      advice: ["In nginx, use uwsgi_pass, not proxy_pass; or give HTTP clients --http-socket."],
    };
  }
  return {
    source: "uwsgi",
    kind: "UNAVAILABLE_MODIFIER",
    summary: `A request asked for modifier1 ${n} (${modifierName(n)}), and no loaded plugin serves it; uWSGI closed the connection.`,
    details,
    advice:
      n === 100
        ? ["Load the ping plugin (--plugin ping) for uwsgi pings (uwsgi --ping, uwsgi-codec ping)."]
        : [
            `Load the plugin for modifier1 ${n} (--plugin NAME), or send the modifier your app's plugin uses (uwsgi_modifier1 in nginx; 0 for Python).`,
          ],
  };
}

type Rule = [RegExp, (m: RegExpExecArray) => Explanation];

const UPSTREAM = /upstream: "([^"]*)"/;

function nginx(kind: string, summary: string, details: string[], advice: string[]): Explanation {
  return { source: "nginx", kind, summary, details, advice };
}

const RULES: readonly Rule[] = [
  [/invalid request block size: (\d+) \(max (\d+)\)/, (m) => blockSize(Number(m[1]), Number(m[2]))],
  [/unavailable modifier requested: (\d+)/, (m) => unavailableModifier(Number(m[1]))],
  [
    /invalid uwsgi request \(current strsize: (\d+)\)/,
    (m) => ({
      source: "uwsgi",
      kind: "MALFORMED_VARS",
      summary:
        "A uwsgi request's vars block is malformed: a key or value length runs past the end of the block (or 1-4 stray bytes are left), so uWSGI dropped it.",
      details: [`strsize ${m[1]} is the length field uWSGI was reading when it gave up.`],
      advice: [
        "The client builds broken packets (a length that wrapped past 65535, a truncated write): decode a capture with `uwsgi-codec decode` to see which var.",
      ],
    }),
  ],
  [
    /uwsgi key cannot be null/,
    () => ({
      source: "uwsgi",
      kind: "EMPTY_KEY",
      summary: "A uwsgi request has a var with an empty name; uWSGI drops such requests.",
      details: [],
      advice: ["Fix the client that sends an empty uwsgi_param name (or an empty header name)."],
    }),
  ],
  [
    /max vec size reached/,
    () => ({
      source: "uwsgi",
      kind: "TOO_MANY_VARS",
      summary:
        "A request carries more vars (CGI vars plus one per header) than uWSGI's --max-vars (128 by default).",
      details: [],
      advice: ["Raise --max-vars (e.g. 256), or send fewer headers."],
    }),
  ],
  [
    /Invalid \(too big\) CONTENT_LENGTH/,
    () => ({
      source: "uwsgi",
      kind: "LIMIT_POST",
      summary:
        "A request's CONTENT_LENGTH is over uWSGI's --limit-post, so it was refused before the app ran.",
      details: [],
      advice: [
        "Raise --limit-post if such bodies are legitimate; nginx's client_max_body_size should be the same or smaller.",
      ],
    }),
  ],
  [
    /HARAKIRI ON WORKER (\d+)/,
    (m) => ({
      source: "uwsgi",
      kind: "HARAKIRI",
      summary: `Worker ${m[1]} ran one request for longer than --harakiri and was killed.`,
      details: [],
      advice: [
        "Find the slow request (the lines before name it), or raise --harakiri; nginx's uwsgi_read_timeout should be longer than it.",
      ],
    }),
  ],
  [
    /listen queue of socket "?([^"( ]+)"? .*full !!! \((\d+)\/(\d+)\)/,
    (m) => ({
      source: "uwsgi",
      kind: "LISTEN_QUEUE_FULL",
      summary: `The socket ${m[1]} has ${m[2]} connections waiting for a worker, its whole backlog of ${m[3]}: new connections are refused or time out.`,
      details: [],
      advice: [
        "Add workers or threads (--processes, --threads), make requests faster, or raise --listen (and net.core.somaxconn).",
      ],
    }),
  ],
  [
    /(SIGPIPE: writing to a closed pipe|uwsgi_response_write_body_do\(\): Broken pipe|uwsgi_response_writev_headers_and_body_do\(\): Broken pipe|write\(\): Broken pipe)/,
    () => ({
      source: "uwsgi",
      kind: "CLIENT_GONE",
      summary:
        "The app was still writing its answer when the client (nginx) closed the connection.",
      details: [],
      advice: [
        "nginx gave up first: compare the request's time with uwsgi_read_timeout (60 s by default) and with the user's patience; nginx logs 499 when the browser left.",
      ],
    }),
  ],
  [
    /Timeout reading (\d+) bytes\. Content-Length: (\d+) consumed: (\d+) left: (\d+)/,
    (m) => ({
      source: "uwsgi",
      kind: "BODY_READ_TIMEOUT",
      summary: `The app waited for the request body and ${m[4]} of its ${m[2]} bytes never came within --socket-timeout.`,
      details: [],
      advice: [
        "A slow or stalled upload: nginx buffers bodies by default (uwsgi_request_buffering on); check what sends bodies directly.",
      ],
    }),
  ],
  [
    /uwsgi request is too big: (\d+)/,
    (m) =>
      nginx(
        "NGINX_PACKET_TOO_BIG",
        `nginx refused to send a request whose uwsgi vars take ${m[1]} bytes: the uwsgi header's datasize is 16 bits, 65535 at most. The client got 500.`,
        [],
        [
          "No uWSGI setting helps: the request's headers (cookies, mostly) are too large for the uwsgi protocol. Trim them, or use --http-socket with proxy_pass for such clients.",
        ],
      ),
  ],
  [
    /upstream prematurely closed connection while reading response header/,
    (m) =>
      nginx(
        "UPSTREAM_CLOSED",
        "uWSGI closed the connection without an answer (the client got 502): it refused the request or the worker died.",
        upstreamOf(m),
        [
          "Look at uWSGI's log at that time: `max vec size reached` (raise --max-vars), `invalid uwsgi request`, `unavailable modifier` (wrong uwsgi_modifier1), HARAKIRI, or a crash.",
        ],
      ),
  ],
  [
    /recv\(\) failed \(104: Connection reset by peer\) while reading response header/,
    (m) =>
      nginx(
        "UPSTREAM_RESET",
        "uWSGI reset the connection before answering (the client got 502): most often the request was larger than uWSGI's --buffer-size.",
        upstreamOf(m),
        [
          "uWSGI logs `invalid request block size: N (max M)`: raise --buffer-size to at least N (at most 65535).",
          "`uwsgi-codec probe ADDR` finds the buffer-size of a running uWSGI.",
        ],
      ),
  ],
  [
    /upstream timed out \(110: Connection timed out\) while (reading response header|reading upstream|connecting to upstream|sending request)/,
    (m) =>
      nginx(
        "UPSTREAM_TIMEOUT",
        m[1] === "connecting to upstream"
          ? "nginx could not connect to uWSGI within uwsgi_connect_timeout (60 s by default; the client got 504)."
          : `uWSGI did not answer within uwsgi_read_timeout (60 s by default) while nginx was ${m[1]} (the client got 504).`,
        upstreamOf(m),
        m[1] === "connecting to upstream"
          ? [
              "uWSGI's listen queue is full or the host is unreachable: check `listen queue ... full` in its log.",
            ]
          : [
              "Raise uwsgi_read_timeout for slow endpoints (and keep uWSGI's --harakiri below it), or make the request faster.",
              "All workers busy looks the same: check uWSGI's listen queue and worker count.",
            ],
      ),
  ],
  [
    /connect\(\) (?:to (\S+) )?failed \((\d+): ([^)]*)\) while connecting to upstream/,
    (m) =>
      nginx(
        "UPSTREAM_CONNECT_FAILED",
        `nginx could not connect to uWSGI${m[1] === undefined ? "" : ` at ${m[1]}`}: ${m[3]} (errno ${m[2]}); the client got 502.`,
        upstreamOf(m),
        m[2] === "13"
          ? [
              "The unix socket's permissions refuse nginx's user: --chmod-socket=660 with a shared group, or --chown-socket.",
            ]
          : m[2] === "2"
            ? ["The unix socket does not exist: uWSGI is not running, or uses another path."]
            : m[2] === "11"
              ? ["The unix socket's backlog is full: raise --listen, add workers."]
              : ["Nothing listens there: start uWSGI, or fix uwsgi_pass's address."],
      ),
  ],
  [
    /upstream sent too big header while reading response header/,
    (m) =>
      nginx(
        "ANSWER_HEADER_TOO_BIG",
        "The app's answer headers do not fit nginx's uwsgi_buffer_size (4 or 8 KB by default); the client got 502.",
        upstreamOf(m),
        ["Raise uwsgi_buffer_size (e.g. 16k), or send smaller headers (large Set-Cookie, CSP)."],
      ),
  ],
  [
    /upstream sent invalid (status|header)/,
    (m) =>
      nginx(
        "INVALID_ANSWER",
        `The app's answer is not HTTP nginx can read (invalid ${m[1]}); the client got 502.`,
        upstreamOf(m),
        [
          "uWSGI echoes SERVER_PROTOCOL in its status line: check that uwsgi_params passes it; check what the app writes before its headers.",
        ],
      ),
  ],
  [
    /client intended to send too large body: (\d+) bytes/,
    (m) =>
      nginx(
        "BODY_TOO_LARGE",
        `A client sent a ${m[1]}-byte body, over client_max_body_size (1 MB by default); nginx answered 413 without asking uWSGI.`,
        [],
        [
          "Raise client_max_body_size where uploads are expected (and uWSGI's --limit-post, if set).",
        ],
      ),
  ],
  [
    /(writev|send)\(\) failed \(32: Broken pipe\) while sending request to upstream/,
    (m) =>
      nginx(
        "UPSTREAM_CLOSED_WHILE_SENDING",
        "uWSGI closed the connection while nginx was still sending the request (its body, usually): it refused it early.",
        upstreamOf(m),
        [
          "Check --limit-post and --buffer-size in uWSGI's log; with --post-buffering, check its limits.",
        ],
      ),
  ],
  [
    /no live upstreams while connecting to upstream/,
    () =>
      nginx(
        "NO_LIVE_UPSTREAMS",
        "Every server of the upstream group is marked failed (max_fails within fail_timeout), so nginx did not even try (502).",
        [],
        ["Find the first errors before this line: they say why each server failed."],
      ),
  ],
];

function upstreamOf(m: RegExpExecArray): string[] {
  const u = UPSTREAM.exec(m.input);
  return u === null ? [] : [`The upstream was ${u[1]}.`];
}

/** Explains one uWSGI or nginx error-log line; `kind` is `UNKNOWN` when no rule knows it. */
export function explainLogLine(line: string): Explanation {
  for (const [re, make] of RULES) {
    const m = re.exec(line);
    if (m !== null) return make(m);
  }
  return {
    source: "unknown",
    kind: "UNKNOWN",
    summary: "No rule knows this line.",
    details: [],
    advice: [
      "Paste the whole line, as uWSGI or nginx wrote it (explain knows uWSGI's request errors and nginx's uwsgi upstream errors).",
    ],
  };
}
