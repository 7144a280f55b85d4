import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { UwsgiClientError } from "../../client/errors.js";
import { request } from "../../client/request.js";
import type { UwsgiResponse } from "../../client/response.js";
import { HEADER_SIZE } from "../../codec/constants.js";
import { modifierName } from "../../codec/modifiers.js";
import { encodePacket } from "../../codec/packet.js";
import { parseTarget, type Target } from "../../load/target.js";
import { frontOf, withHost } from "../../load/wire.js";
import { editVars, type HttpRequestSpec, nginxVars } from "../../tools/http-request.js";
import { parseStrict, UsageError } from "../args.js";
import { type CliCommand, type CliIo, write } from "../io.js";
import { headerOf, hexDump, integerOf, millisOf, varEditsOf } from "./common.js";

/** Exit codes of `uwsgi-codec request`: curl's numbers, where curl has one. */
const RequestExit = {
  OK: 0,
  USAGE: 2,
  CONNECT_FAILED: 7,
  MALFORMED_ANSWER: 8,
  TRUNCATED: 18,
  HTTP_ERROR: 22,
  WRITE_ERROR: 23,
  READ_ERROR: 26,
  TIMEOUT: 28,
  EMPTY_REPLY: 52,
  RECEIVE_ERROR: 56,
} as const;

const HELP = `Usage: uwsgi-codec request URL [options]

Sends one request to a uwsgi server (uWSGI's --socket, what nginx's uwsgi_pass talks to) and
prints the answer's body, as curl does for HTTP. URL is uwsgi://HOST[:PORT]/PATH[?QUERY]
(port 3031 by default). The vars are those nginx sends with Debian's uwsgi_params: the request's
headers as HTTP_* vars, HTTP_HOST from the Host header (the URL's host unless -H sets one),
SERVER_NAME localhost, SERVER_PORT the URL's port, REMOTE_ADDR 127.0.0.1, REMOTE_PORT 0 and
DOCUMENT_ROOT "" (change any with --var).

Options:
  -X, --request METHOD    the method (default GET; POST with -d; HEAD with -I)
  -H, --header "N: V"     a request header (repeatable)
  -d, --data DATA         a body (repeatable, joined with &; @FILE reads a file without its
                          newlines, @- reads stdin); Content-Type defaults to a form
      --data-binary DATA  a body as it is (@FILE reads a file byte for byte)
      --var NAME=VALUE    set a var (replacing nginx's); --var NAME removes it (repeatable)
      --modifier1 N       the header's modifier1 (default 0)
      --modifier2 N       the header's modifier2 (default 0)
      --unix-socket PATH  connect to this unix socket instead of the URL's host and port
  -i, --include           print the answer's status line and headers before its body
  -I, --head              a HEAD request; print the status line and headers
  -o, --output FILE       write the body to FILE instead of stdout
  -v, --verbose           on stderr: the packet as sent (header fields, every var with its
                          sizes) and the answer's head
      --trace             on stderr: the bytes sent, as a hex dump
  -f, --fail              exit 22 when the status is 400 or more (the body is not printed)
  -s, --silent            no error messages
  -m, --max-time SECS     give up after this long (also 500ms, 2m)
      --connect-timeout SECS  give up connecting after this long (default 10)
  -h, --help              this text

Exit codes (curl's where curl has one):
  0  an answer came (whatever its status, unless --fail)
  2  usage error
  7  could not connect
  8  the answer is not HTTP/1.x (a weird server reply)
  18 the answer was cut short of its Content-Length
  22 --fail and a status of 400 or more
  23 the output file could not be written
  26 a --data @FILE could not be read
  28 --max-time or --connect-timeout ran out
  52 the server closed the connection before the answer's head (uWSGI does this to a request
     it refuses: see its log, or \`uwsgi-codec explain\`)
  56 the connection failed while receiving (reset)
  70 internal error (a bug: please report it)
`;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  request: { type: "string", short: "X" },
  header: { type: "string", short: "H", multiple: true },
  data: { type: "string", short: "d", multiple: true },
  "data-binary": { type: "string", multiple: true },
  var: { type: "string", multiple: true },
  modifier1: { type: "string" },
  modifier2: { type: "string" },
  "unix-socket": { type: "string" },
  include: { type: "boolean", short: "i" },
  head: { type: "boolean", short: "I" },
  output: { type: "string", short: "o" },
  verbose: { type: "boolean", short: "v" },
  trace: { type: "boolean" },
  fail: { type: "boolean", short: "f" },
  silent: { type: "boolean", short: "s" },
  "max-time": { type: "string", short: "m" },
  "connect-timeout": { type: "string" },
} as const;

class ReadFailure extends Error {}

async function readStdin(io: CliIo): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of io.stdin ?? [])
    parts.push(typeof c === "string" ? Buffer.from(c) : Buffer.from(c));
  return Buffer.concat(parts);
}

async function dataOf(text: string, binary: boolean, io: CliIo): Promise<Buffer> {
  if (!text.startsWith("@")) return Buffer.from(text, "utf8");
  let bytes: Buffer;
  try {
    bytes = text === "@-" ? await readStdin(io) : readFileSync(text.slice(1));
  } catch (err) {
    throw new ReadFailure(`${text.slice(1)}: ${(err as Error).message}`);
  }
  // curl -d @FILE drops carriage returns and newlines; --data-binary keeps every byte.
  return binary ? bytes : Buffer.from(bytes.toString("latin1").replace(/[\r\n]/g, ""), "latin1");
}

/** The header fields and vars table of a packet with sizes, for -v. */
function describePacket(
  packet: Uint8Array,
  vars: readonly (readonly [string, string])[],
  bodyLength: number,
): string {
  const datasize = packet.length - HEADER_SIZE;
  const m1 = packet[0]!;
  let out = `> uwsgi header: modifier1 ${m1} (${modifierName(m1)}), datasize ${datasize}, modifier2 ${packet[3]}\n`;
  const width = Math.max(0, ...vars.map(([k]) => k.length));
  for (const [k, v] of vars) {
    // latin1 strings: one char a byte.
    out += `>   ${k.padEnd(width)} = ${JSON.stringify(v).slice(1, -1)}  (${k.length}+${v.length} bytes, ${k.length + v.length + 4} on the wire)\n`;
  }
  out += `> ${vars.length} vars in ${datasize} bytes: ${HEADER_SIZE + datasize} bytes of packet, then ${bodyLength} bytes of body\n`;
  return out;
}

function exitOf(err: unknown): number {
  if (!(err instanceof UwsgiClientError)) return -1;
  switch (err.code) {
    case "CONNECT_FAILED":
      return RequestExit.CONNECT_FAILED;
    case "CONNECT_TIMEOUT":
    case "TIMEOUT":
    case "ABORTED":
      return RequestExit.TIMEOUT;
    case "CLOSED_BEFORE_ANSWER":
      return /after 0 bytes/.test(err.message)
        ? RequestExit.EMPTY_REPLY
        : RequestExit.RECEIVE_ERROR;
    case "MALFORMED_ANSWER":
    case "HEADER_TOO_LARGE":
      return RequestExit.MALFORMED_ANSWER;
    case "ANSWER_TRUNCATED":
      return RequestExit.TRUNCATED;
    default:
      return RequestExit.RECEIVE_ERROR;
  }
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const { values: v, positionals } = parseStrict(argv, OPTIONS);
  if (v.help === true) {
    await write(io.stdout, HELP);
    return RequestExit.OK;
  }
  if (positionals.length !== 1) throw new UsageError("give one URL (uwsgi://HOST:PORT/PATH)");
  let target: Target;
  try {
    target = parseTarget(positionals[0]!, v["unix-socket"]);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (target.scheme !== "uwsgi") {
    throw new UsageError(
      `${target.url}: request speaks uwsgi:// (use curl for http://, \`load\` for the others)`,
    );
  }
  const say = async (text: string) => {
    if (v.silent !== true) await write(io.stderr, `uwsgi-codec request: ${text}\n`);
  };
  const headers = (v.header ?? []).map(headerOf);
  let body: Buffer | undefined;
  try {
    const pieces: Buffer[] = [];
    for (const d of v.data ?? []) pieces.push(await dataOf(d, false, io));
    const joined =
      pieces.length > 0
        ? Buffer.from(pieces.map((p) => p.toString("latin1")).join("&"), "latin1")
        : undefined;
    const binary: Buffer[] = [];
    for (const d of v["data-binary"] ?? []) binary.push(await dataOf(d, true, io));
    if (joined !== undefined || binary.length > 0)
      body = Buffer.concat([...(joined ? [joined] : []), ...binary]);
  } catch (err) {
    if (!(err instanceof ReadFailure)) throw err;
    await say(`cannot read ${err.message}`);
    return RequestExit.READ_ERROR;
  }
  const head = v.head === true;
  const method = v.request ?? (head ? "HEAD" : body !== undefined ? "POST" : "GET");
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(method))
    throw new UsageError(`-X ${method}: not a method`);
  if (body !== undefined && !headers.some(([n]) => n.toLowerCase() === "content-type")) {
    headers.push(["Content-Type", "application/x-www-form-urlencoded"]);
  }
  const spec: HttpRequestSpec = withHost(target, {
    method,
    target: target.path,
    headers,
    body: body ?? new Uint8Array(0),
    hasBody: body !== undefined,
  });
  let vars = nginxVars(spec, frontOf(target));
  const edits = varEditsOf(v.var ?? []);
  if (edits.size > 0) vars = editVars(vars, edits);
  const modifier1 = v.modifier1 === undefined ? 0 : integerOf("--modifier1", v.modifier1, 0, 255);
  const modifier2 = v.modifier2 === undefined ? 0 : integerOf("--modifier2", v.modifier2, 0, 255);
  let packet: Uint8Array;
  try {
    packet = encodePacket({ modifier1, modifier2, vars });
  } catch (err) {
    throw new UsageError(`the request cannot be encoded: ${(err as Error).message}`);
  }
  const maxTime = v["max-time"] === undefined ? 0 : millisOf("--max-time", v["max-time"]);
  const connectTimeout =
    v["connect-timeout"] === undefined
      ? 10_000
      : millisOf("--connect-timeout", v["connect-timeout"]);
  if (v.verbose === true) {
    const where = target.socketPath ?? `${target.host}:${target.port}`;
    await write(
      io.stderr,
      `* ${target.url} via ${where}\n${describePacket(packet, vars, body?.length ?? 0)}`,
    );
  }
  if (v.trace === true) {
    await write(io.stderr, `=> ${packet.length} bytes of packet\n${hexDump(packet, "")}`);
    if (body !== undefined)
      await write(io.stderr, `=> ${body.length} bytes of body\n${hexDump(body, "", 4096)}`);
  }
  const address =
    target.socketPath === undefined
      ? { host: target.host, port: target.port }
      : { path: target.socketPath };
  const signal = maxTime > 0 ? AbortSignal.timeout(maxTime) : undefined;
  let res: UwsgiResponse;
  try {
    res = await request({
      ...address,
      // The same pairs encode to the same bytes: what -v and --trace showed is what is sent.
      vars,
      modifier1,
      modifier2,
      ...(body !== undefined ? { body } : {}),
      connectTimeout,
      timeout: 0,
      ...(signal !== undefined ? { signal } : {}),
      head: head || method === "HEAD",
    });
  } catch (err) {
    const code = exitOf(err);
    if (code < 0) throw err;
    await say((err as Error).message);
    return code;
  }
  const headText =
    `HTTP/${res.httpVersion} ${res.statusCode}${res.statusMessage === "" ? "" : ` ${res.statusMessage}`}\r\n` +
    res.rawHeaders.map((x, i) => (i % 2 === 0 ? `${x}: ` : `${x}\r\n`)).join("") +
    "\r\n";
  if (v.verbose === true) {
    await write(
      io.stderr,
      headText
        .split("\r\n")
        .slice(0, -1)
        .map((l) => `< ${l}\n`)
        .join(""),
    );
  }
  if (v.fail === true && res.statusCode >= 400) {
    res.body.destroy();
    await say(`the server answered ${res.statusCode}`);
    return RequestExit.HTTP_ERROR;
  }
  if (v.include === true || head) await write(io.stdout, headText);
  // The output file is opened once the answer came, as curl does; written synchronously.
  let fd: number | undefined;
  if (v.output !== undefined) {
    try {
      fd = openSync(v.output, "w");
    } catch (err) {
      res.body.destroy();
      await say(`cannot write ${v.output}: ${(err as Error).message}`);
      return RequestExit.WRITE_ERROR;
    }
  }
  try {
    for await (const chunk of res.body) {
      if (fd !== undefined) writeSync(fd, chunk as Buffer);
      else await write(io.stdout, chunk as Buffer);
    }
  } catch (err) {
    const code = exitOf(err);
    if (code < 0) throw err;
    await say((err as Error).message);
    return code;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return RequestExit.OK;
}

/** `uwsgi-codec request`: curl for uwsgi. */
export const requestCommand: CliCommand = {
  summary: "send one request to a uwsgi server and print the answer (curl for uwsgi)",
  help: HELP,
  run,
};
