import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";

/**
 * Var values that replace what {@link varsFromRequest} computes: a string replaces every var of
 * that name (one var, at the first one's place; a new name goes last), undefined removes them.
 */
export type VarsOverrides = Readonly<Record<string, string | undefined>>;

const PERCENT = 0x25;
const SLASH = 0x2f;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** %XX decoded to the byte XX (a latin1 char); a `%` not followed by two hex digits stays. */
function percentDecode(s: string): string {
  let out = "";
  let from = 0;
  let i = s.indexOf("%");
  while (i >= 0 && i + 2 < s.length) {
    const hi = hexValue(s.charCodeAt(i + 1));
    const lo = hexValue(s.charCodeAt(i + 2));
    if (hi >= 0 && lo >= 0) {
      out += s.slice(from, i) + String.fromCharCode(hi * 16 + lo);
      from = i + 3;
    }
    i = s.indexOf("%", hi >= 0 && lo >= 0 ? i + 3 : i + 1);
  }
  return from === 0 ? s : out + s.slice(from);
}

/** Whether the path needs nginx's "complex URI" work: %, //, or a dot segment. */
function isSimplePath(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === PERCENT) return false;
    if (c === SLASH && i + 1 < path.length) {
      const n = path.charCodeAt(i + 1);
      if (n === SLASH || n === 0x2e) return false;
    }
  }
  return true;
}

/**
 * nginx's `$document_uri`: the path without the query, percent-decoded, with repeated slashes
 * merged and `.` / `..` segments resolved (never above the root). Bytes as a latin1 string.
 */
export function documentUri(path: string): string {
  if (isSimplePath(path)) return path;
  const segments = percentDecode(path).split("/");
  const out: string[] = [];
  let trailing = false;
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    trailing = i === segments.length - 1 && (s === "" || s === "." || s === "..");
    if (s === "" || s === ".") continue;
    if (s === "..") out.pop();
    else out.push(s);
  }
  if (out.length === 0) return "/";
  return `/${out.join("/")}${trailing ? "/" : ""}`;
}

/** The origin-form part of a request target (`http://h/p?q` -> `/p?q`), and the host it named. */
function splitTarget(url: string): [string, string | undefined] {
  if (url.charCodeAt(0) === SLASH || url === "*") return [url, undefined];
  const scheme = url.indexOf("://");
  if (scheme < 0) return [url, undefined];
  const slash = url.indexOf("/", scheme + 3);
  const query = url.indexOf("?", scheme + 3);
  const end = slash >= 0 && (query < 0 || slash < query) ? slash : query >= 0 ? query : url.length;
  const host = url.slice(scheme + 3, end);
  const rest = url.slice(end);
  return [rest.charCodeAt(0) === SLASH ? rest : `/${rest}`, host];
}

/** nginx's `$host`: lower case, without the port or a trailing dot. */
function hostName(host: string): string {
  let end = host.length;
  if (host.charCodeAt(0) === 0x5b) {
    const close = host.indexOf("]");
    end = close < 0 ? end : close + 1;
  } else {
    const colon = host.indexOf(":");
    if (colon >= 0) end = colon;
  }
  if (end > 0 && host.charCodeAt(end - 1) === 0x2e) end--;
  return host.slice(0, end).toLowerCase();
}

/**
 * `HTTP_` + the name upper-cased with `-` as `_`, or undefined for a name nginx ignores
 * (`ignore_invalid_headers`: anything but letters, digits and `-`, so `X_Foo` cannot pose as
 * `X-Foo`).
 */
function headerVar(name: string): string | undefined {
  let out = "HTTP_";
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(c - 0x20);
    else if ((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39)) out += name[i];
    else if (c === 0x2d) out += "_";
    else return undefined;
  }
  return out;
}

function applyOverrides(vars: [string, string][], overrides: VarsOverrides): [string, string][] {
  const names = Object.keys(overrides);
  if (names.length === 0) return vars;
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const pair of vars) {
    const name = pair[0];
    if (!Object.hasOwn(overrides, name)) out.push(pair);
    else if (!seen.has(name)) {
      seen.add(name);
      const value = overrides[name];
      if (value !== undefined) out.push([name, value]);
    }
  }
  for (const name of names) {
    const value = overrides[name];
    if (!seen.has(name) && value !== undefined) out.push([name, value]);
  }
  return out;
}

/**
 * The CGI vars nginx sends for a request with Debian's `/etc/nginx/uwsgi_params`, in the same
 * order: QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE, CONTENT_LENGTH, REQUEST_URI, PATH_INFO,
 * DOCUMENT_ROOT, SERVER_PROTOCOL, REQUEST_SCHEME, HTTPS (TLS only), REMOTE_ADDR, REMOTE_PORT,
 * SERVER_PORT, SERVER_NAME, HTTP_HOST (`$host`), then every header but Host as `HTTP_*`, in
 * arrival order, repeated headers as repeated vars.
 *
 * Values are latin1 strings of the bytes received (how Node hands out headers and the URL), so
 * encoding them as latin1 (the codec's default) puts the client's exact bytes on the wire.
 * DOCUMENT_ROOT defaults to "" and SERVER_NAME to the host: set them in `overrides`.
 */
export function varsFromRequest(
  req: IncomingMessage,
  overrides: VarsOverrides = {},
): [string, string][] {
  const [uri, targetHost] = splitTarget(req.url ?? "/");
  const q = uri.indexOf("?");
  const socket = req.socket as Partial<TLSSocket> | null;
  const tls = socket?.encrypted === true;
  const headers = req.headers;
  const rawHost = targetHost ?? (typeof headers.host === "string" ? headers.host : undefined);
  const remote = socket?.remoteAddress ?? "";
  const host =
    rawHost === undefined
      ? (overrides["SERVER_NAME"] ?? socket?.localAddress ?? "")
      : hostName(rawHost);
  const vars: [string, string][] = [
    ["QUERY_STRING", q < 0 ? "" : uri.slice(q + 1)],
    ["REQUEST_METHOD", req.method ?? "GET"],
    ["CONTENT_TYPE", headers["content-type"] ?? ""],
    ["CONTENT_LENGTH", headers["content-length"] ?? ""],
    ["REQUEST_URI", uri],
    ["PATH_INFO", documentUri(q < 0 ? uri : uri.slice(0, q))],
    ["DOCUMENT_ROOT", ""],
    ["SERVER_PROTOCOL", `HTTP/${req.httpVersion}`],
    ["REQUEST_SCHEME", tls ? "https" : "http"],
  ];
  if (tls) vars.push(["HTTPS", "on"]);
  vars.push(
    ["REMOTE_ADDR", remote.startsWith("::ffff:") ? remote.slice(7) : remote],
    ["REMOTE_PORT", String(socket?.remotePort ?? "")],
    ["SERVER_PORT", String(socket?.localPort ?? "")],
    ["SERVER_NAME", host],
    ["HTTP_HOST", host],
  );
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 4 && name.toLowerCase() === "host") continue;
    const key = headerVar(name);
    if (key !== undefined) vars.push([key, raw[i + 1]!]);
  }
  return applyOverrides(vars, overrides);
}
