import { encodePacket } from "../codec/packet.js";
import { encodeFcgiRequestParts } from "../fastcgi/request-encode.js";
import { encodeScgiHead } from "../scgi/request-encode.js";
import {
  DEFAULT_FRONT,
  editVars,
  type FrontSide,
  type HttpRequestSpec,
  httpRequestHead,
  nginxVars,
} from "../tools/http-request.js";
import { hostHeaderOf, type Target } from "./target.js";

/** What goes on the wire for one request, encoded once and written for every request. */
export interface Wire {
  /** The pieces, written in order under one cork (the body is its own piece, not copied). */
  readonly parts: readonly Uint8Array[];
  /** Their total size. */
  readonly byteLength: number;
  /** The CGI vars sent (uwsgi, FastCGI params, SCGI headers); empty for http. */
  readonly vars: readonly (readonly [string, string])[];
  /** REQUEST_METHOD is HEAD: the answer has no body. */
  readonly head: boolean;
}

/** How the wire is built: var edits, modifiers, FastCGI's KEEP_CONN. */
export interface WireOptions {
  /** `--var NAME=VALUE` edits (undefined removes the var). */
  readonly vars?: ReadonlyMap<string, string | undefined>;
  /** uwsgi header byte 0. Defaults to 0. */
  readonly modifier1?: number;
  /** uwsgi header byte 3. Defaults to 0. */
  readonly modifier2?: number;
  /** FastCGI BEGIN_REQUEST's KEEP_CONN flag. Defaults to false, as nginx without fastcgi_keep_conn. */
  readonly keepConn?: boolean;
}

/** The front server's description for a target: its Host, and its port as SERVER_PORT. */
export function frontOf(target: Target): FrontSide {
  return {
    ...DEFAULT_FRONT,
    serverPort: String(target.socketPath === undefined ? target.port : 80),
  };
}

/** The spec with a Host header from the URL when it has none (as curl does). */
export function withHost(target: Target, spec: HttpRequestSpec): HttpRequestSpec {
  for (const [n] of spec.headers) if (n.toLowerCase() === "host") return spec;
  return { ...spec, headers: [["Host", hostHeaderOf(target)], ...spec.headers] };
}

/**
 * Encodes `spec` for `target`'s protocol, once: uwsgi (packet, then the body), FastCGI
 * (BEGIN_REQUEST, PARAMS, STDIN records framing views of the body), SCGI (netstring, then the
 * body) with the vars nginx's uwsgi_params would send, or an HTTP/1.1 request. The three CGI
 * protocols get the same vars, so they carry the same request.
 */
export function encodeWire(target: Target, spec: HttpRequestSpec, options: WireOptions = {}): Wire {
  const full = withHost(target, spec);
  const body = spec.body;
  const head = spec.method === "HEAD";
  if (target.scheme === "http") {
    const text = httpRequestHead(full, hostHeaderOf(target));
    const bytes = Buffer.from(text, "latin1");
    const parts = body.length > 0 ? [bytes, body] : [bytes];
    return { parts, byteLength: bytes.length + body.length, vars: [], head };
  }
  let vars = nginxVars(full, frontOf(target));
  if (options.vars !== undefined && options.vars.size > 0) vars = editVars(vars, options.vars);
  let parts: Uint8Array[];
  if (target.scheme === "uwsgi") {
    const packet = encodePacket({
      modifier1: options.modifier1 ?? 0,
      modifier2: options.modifier2 ?? 0,
      vars,
    });
    parts = body.length > 0 ? [packet, body] : [packet];
  } else if (target.scheme === "fastcgi") {
    parts = encodeFcgiRequestParts({
      params: vars,
      ...(body.length > 0 ? { body } : {}),
      keepConn: options.keepConn ?? false,
    });
  } else {
    // SCGI puts CONTENT_LENGTH first itself (from the body), and SCGI=1 after it.
    const netstring = encodeScgiHead(vars, body.length);
    parts = body.length > 0 ? [netstring, body] : [netstring];
  }
  let byteLength = 0;
  for (const p of parts) byteLength += p.length;
  return { parts, byteLength, vars, head };
}
