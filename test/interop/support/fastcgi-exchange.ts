import { FcgiResponseParser } from "../../../src/fastcgi/index.js";
import { exchange } from "./exchange.js";

/** A FastCGI application's answer: the CGI response in STDOUT, split into headers and body. */
export interface FcgiAnswer {
  readonly headers: [string, string][];
  readonly body: Buffer;
  readonly stderr: string;
  readonly appStatus: number;
  readonly protocolStatus: number;
  /** END_REQUEST records seen (1 for a complete answer). */
  readonly ends: number;
}

/** Splits a CGI response (headers, blank line, body); line ends may be CRLF or LF. */
export function parseCgi(stdout: Buffer): { headers: [string, string][]; body: Buffer } {
  let end = stdout.indexOf("\r\n\r\n");
  let skip = 4;
  const lf = stdout.indexOf("\n\n");
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf;
    skip = 2;
  }
  if (end < 0)
    throw new Error(`no end of headers in ${JSON.stringify(stdout.toString("latin1", 0, 200))}`);
  const headers = stdout
    .toString("latin1", 0, end)
    .split(/\r?\n/)
    .map((line): [string, string] => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
  return { headers, body: stdout.subarray(end + skip) };
}

/** Sends one encoded FastCGI request to 127.0.0.1:`port` and decodes the answer with our parser. */
export async function fcgiExchange(port: number, request: Uint8Array): Promise<FcgiAnswer> {
  const { answer } = await exchange(port, [request]);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  let appStatus = -1;
  let protocolStatus = -1;
  let ends = 0;
  const parser = new FcgiResponseParser({
    onStdout: (p) => stdout.push(Buffer.from(p)),
    onStderr: (p) => stderr.push(Buffer.from(p)),
    onEnd(app, proto) {
      appStatus = app;
      protocolStatus = proto;
      ends++;
    },
  });
  parser.push(answer);
  parser.end();
  const all = Buffer.concat(stdout);
  const cgi = ends > 0 && all.length > 0 ? parseCgi(all) : { headers: [], body: all };
  return {
    ...cgi,
    stderr: Buffer.concat(stderr).toString("utf8"),
    appStatus,
    protocolStatus,
    ends,
  };
}
