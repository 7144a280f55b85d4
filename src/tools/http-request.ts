import { nginxHost } from "../client/nginx-checks.js";
import { documentUri, headerVar } from "../client/vars-from-request.js";

/**
 * One HTTP request as a front server (nginx) received it: what the `request` and `load` commands
 * send, in whichever protocol. Header names and values are latin1 strings of the bytes sent.
 */
export interface HttpRequestSpec {
  /** Defaults to GET, or POST with a body. */
  readonly method: string;
  /** The request target in origin form: `/path?query`. */
  readonly target: string;
  /** Request headers in order; a `Host` header sets HTTP_HOST (nginx's `$host`). */
  readonly headers: readonly (readonly [string, string])[];
  /** The body (empty when none). */
  readonly body: Uint8Array;
  /** Sent as CONTENT_LENGTH (and a Content-Length header over HTTP) when there is a body. */
  readonly hasBody: boolean;
}

/** Where the simulated front server and client are, for the CGI vars that describe them. */
export interface FrontSide {
  readonly serverName: string;
  readonly serverPort: string;
  readonly remoteAddr: string;
  readonly remotePort: string;
  readonly documentRoot: string;
  readonly protocol: string;
  readonly scheme: string;
}

/** The defaults of {@link FrontSide}: a plain-HTTP nginx on port 80 of localhost. */
export const DEFAULT_FRONT: FrontSide = Object.freeze({
  serverName: "localhost",
  serverPort: "80",
  remoteAddr: "127.0.0.1",
  remotePort: "0",
  documentRoot: "",
  protocol: "HTTP/1.1",
  scheme: "http",
});

function headerValue(spec: HttpRequestSpec, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [n, v] of spec.headers) if (n.toLowerCase() === lower) return v;
  return undefined;
}

/**
 * The CGI vars nginx 1.22 sends for `spec` with Debian's `/etc/nginx/uwsgi_params`, in its order:
 * QUERY_STRING, REQUEST_METHOD, CONTENT_TYPE, CONTENT_LENGTH, REQUEST_URI, PATH_INFO (the decoded
 * path, `$document_uri`), DOCUMENT_ROOT, SERVER_PROTOCOL, REQUEST_SCHEME, REMOTE_ADDR,
 * REMOTE_PORT, SERVER_PORT, SERVER_NAME (the front's server_name), HTTP_HOST (`$host`: the Host
 * header's name, lower-cased, without its port), then every other header as
 * `HTTP_*` in order. With a body, nginx also passes its Content-Length header as
 * HTTP_CONTENT_LENGTH; this does the same.
 */
export function nginxVars(
  spec: HttpRequestSpec,
  front: FrontSide = DEFAULT_FRONT,
): [string, string][] {
  const target = spec.target;
  const hash = target.indexOf("#");
  const uri = hash < 0 ? target : target.slice(0, hash);
  const q = uri.indexOf("?");
  const path = q < 0 ? uri : uri.slice(0, q);
  const host = headerValue(spec, "host");
  // $host: the Host header's name (lower-cased, no port), else the server_name.
  const name = host === undefined ? front.serverName : (nginxHost(host) ?? host);
  const length = spec.hasBody ? String(spec.body.length) : "";
  const vars: [string, string][] = [
    ["QUERY_STRING", q < 0 ? "" : uri.slice(q + 1)],
    ["REQUEST_METHOD", spec.method],
    ["CONTENT_TYPE", headerValue(spec, "content-type") ?? ""],
    ["CONTENT_LENGTH", length],
    ["REQUEST_URI", uri],
    ["PATH_INFO", documentUri(path) ?? path],
    ["DOCUMENT_ROOT", front.documentRoot],
    ["SERVER_PROTOCOL", front.protocol],
    ["REQUEST_SCHEME", front.scheme],
  ];
  if (front.scheme === "https") vars.push(["HTTPS", "on"]);
  vars.push(
    ["REMOTE_ADDR", front.remoteAddr],
    ["REMOTE_PORT", front.remotePort],
    ["SERVER_PORT", front.serverPort],
    ["SERVER_NAME", front.serverName],
    ["HTTP_HOST", name],
  );
  let sawLength = false;
  for (const [n, v] of spec.headers) {
    if (n.toLowerCase() === "host") continue;
    const key = headerVar(n);
    if (key === undefined) continue;
    if (key === "HTTP_CONTENT_LENGTH") sawLength = true;
    vars.push([key, v]);
  }
  if (spec.hasBody && !sawLength) vars.push(["HTTP_CONTENT_LENGTH", length]);
  return vars;
}

/**
 * Applies `--var NAME=VALUE` edits: a value replaces every var of that name (at the first one's
 * place; a new name goes last); `undefined` removes them all.
 */
export function editVars(
  vars: readonly (readonly [string, string])[],
  edits: ReadonlyMap<string, string | undefined>,
): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const [name, value] of vars) {
    if (!edits.has(name)) out.push([name, value]);
    else if (!seen.has(name)) {
      seen.add(name);
      const v = edits.get(name);
      if (v !== undefined) out.push([name, v]);
    }
  }
  for (const [name, value] of edits)
    if (!seen.has(name) && value !== undefined) out.push([name, value]);
  return out;
}

/**
 * The HTTP/1.1 request bytes for `spec` (what a client sends to an HTTP server): the request
 * line, Host (from the headers, else `hostHeader`), the other headers in order, Content-Length
 * when there is a body and no such header, a blank line. The body follows separately.
 */
export function httpRequestHead(spec: HttpRequestSpec, hostHeader: string): string {
  let head = `${spec.method} ${spec.target} HTTP/1.1\r\n`;
  if (headerValue(spec, "host") === undefined) head += `Host: ${hostHeader}\r\n`;
  for (const [n, v] of spec.headers) head += `${n}: ${v}\r\n`;
  if (spec.hasBody && headerValue(spec, "content-length") === undefined) {
    head += `Content-Length: ${spec.body.length}\r\n`;
  }
  return `${head}\r\n`;
}
