import { parseHttpAnswer } from "./exchange.js";

/** What fixtures/apps/environ_echo.py answers: the environ as bytes, and what it read as body. */
export interface EchoedRequest {
  readonly status: number;
  /** Every str entry of the WSGI environ, key and value as the bytes that were on the wire. */
  readonly environ: ReadonlyMap<string, Buffer>;
  readonly bodyLength: number;
  readonly bodySha256: string;
}

interface EchoJson {
  environ: [string, string][];
  body_length: number;
  body_sha256: string;
}

/** Parses the app's HTTP answer; environ keys are latin1 strings of the key bytes. */
export function parseEcho(raw: Buffer): EchoedRequest {
  const answer = parseHttpAnswer(raw);
  const json = JSON.parse(answer.body.toString("utf8")) as EchoJson;
  const environ = new Map<string, Buffer>();
  for (const [k, v] of json.environ) {
    environ.set(Buffer.from(k, "hex").toString("latin1"), Buffer.from(v, "hex"));
  }
  return {
    status: answer.status,
    environ,
    bodyLength: json.body_length,
    bodySha256: json.body_sha256,
  };
}

/**
 * Keys uWSGI's Python plugin adds to every environ on its own (not from the packet); any other
 * key in the environ must have come from the vars we sent.
 */
export function isAddedByUwsgi(key: string): boolean {
  return key.startsWith("wsgi.") || key.startsWith("uwsgi.") || key === "SCRIPT_NAME";
}
