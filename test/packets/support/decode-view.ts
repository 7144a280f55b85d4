// Runs the package's CLI (`uwsgi-codec decode FILE --json`, in-process through main()) and
// reduces each exchange to what the Wireshark dissector also shows.
import { main } from "../../../src/cli/main.js";
import type { DissectedAnswer } from "./dissector-view.js";

type Json = Record<string, unknown>;

/** An exchange of `decode --json`, reduced. */
export interface DecodedExchange {
  client: string;
  server: string;
  modifier1: number;
  modifier2: number;
  datasize: number;
  vars: [string, string][] | null;
  payloadHex: string | null;
  bodyLength: number;
  answer: DissectedAnswer | null;
  /** The answer's length in bytes, as decode counts it. */
  answerLength: number;
  errors: string[];
}

/** The lines `uwsgi-codec decode FILE --json ...args` prints, parsed. */
export async function decodeJson(file: string, args: readonly string[] = []): Promise<Json[]> {
  let out = "";
  let err = "";
  const code = await main(["decode", file, "--json", "--quiet", ...args], {
    stdout: {
      write: (t: string | Uint8Array) => {
        out += t;
        return true;
      },
    },
    stderr: {
      write: (t: string | Uint8Array) => {
        err += t;
        return true;
      },
    },
  });
  if (code !== 0 && code !== 1) throw new Error(`decode exited ${code}: ${err}`);
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Json);
}

/** `decode --json` exchanges, reduced to the dissector's view. */
export function decodedExchanges(lines: Json[]): DecodedExchange[] {
  return lines.map((e) => {
    const answer = e["answer"] as Json | null;
    let reduced: DissectedAnswer | null = null;
    if (answer !== null) {
      const kind = answer["kind"] as DissectedAnswer["kind"];
      const body = answer["body"] as Json | undefined;
      reduced = { kind, dataLength: Number(body?.["length"] ?? 0) };
      if (kind === "http") {
        reduced.statusLine = String(answer["statusLine"]);
        reduced.status = Number(answer["status"]);
        reduced.headers = answer["headers"] as [string, string][];
      }
      if (kind === "packets") {
        reduced.packets = (answer["packets"] as Json[]).map((p) => ({
          modifier1: Number(p["modifier1"]),
          modifier2: Number(p["modifier2"]),
          datasize: Number(p["datasize"]),
        }));
        const framed = reduced.packets.reduce((n, p) => n + 4 + p.datasize, 0);
        reduced.dataLength = Number(answer["length"]) - framed;
      }
    }
    return {
      client: String(e["client"]),
      server: String(e["server"]),
      modifier1: Number(e["modifier1"]),
      modifier2: Number(e["modifier2"]),
      datasize: Number(e["datasize"]),
      vars: (e["vars"] as [string, string][] | null) ?? null,
      payloadHex: (e["payloadHex"] as string | null) ?? null,
      bodyLength: Number((e["body"] as Json)["length"]),
      answer: reduced,
      answerLength: answer === null ? 0 : Number(answer["length"]),
      errors: (e["errors"] as Json[]).map((x) => String(x["code"])),
    };
  });
}
