// The same request in three protocols to one real uWSGI (uwsgi, FastCGI and SCGI sockets): the
// app must see the same environ and body each time. This is what makes the benchmark's three
// encoders carry "the same logical request".
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadScenarios } from "../../bench/scenarios.js";
import { encodeFcgiRequest } from "../../src/fastcgi/index.js";
import { encodeScgiRequest } from "../../src/scgi/index.js";
import { isAddedByUwsgi, parseEcho } from "./support/environ.js";
import { exchange } from "./support/exchange.js";
import { fcgiExchange } from "./support/fastcgi-exchange.js";
import { freePort } from "./support/ports.js";
import { startUwsgi, type UwsgiPeer } from "./support/uwsgi.js";

let uwsgi: UwsgiPeer | undefined;
let fcgiPort = 0;
let scgiPort = 0;

beforeAll(async () => {
  fcgiPort = await freePort();
  scgiPort = await freePort();
  uwsgi = await startUwsgi({
    extraArgs: [
      "--fastcgi-socket",
      `127.0.0.1:${fcgiPort}`,
      "--scgi-socket",
      `127.0.0.1:${scgiPort}`,
    ],
  });
});
afterAll(async () => {
  await uwsgi?.stop();
});

/** The environ minus what uWSGI adds, as latin1 strings. */
function vars(environ: ReadonlyMap<string, Buffer>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of environ) if (!isAddedByUwsgi(k)) out[k] = v.toString("latin1");
  return out;
}

describe("one uWSGI, three protocols, the same environ", () => {
  for (const s of loadScenarios()) {
    it(s.name, async () => {
      const viaUwsgi = parseEcho((await exchange(uwsgi!.port, [s.packet, s.body])).answer);
      const fcgi = await fcgiExchange(
        fcgiPort,
        encodeFcgiRequest({ params: s.pairs, body: s.body }),
      );
      expect(fcgi.ends).toBe(1);
      const viaFcgi = JSON.parse(fcgi.body.toString("utf8")) as {
        environ: [string, string][];
        body_sha256: string;
      };
      const viaScgi = parseEcho(
        (await exchange(scgiPort, [encodeScgiRequest(s.pairs, s.body)])).answer,
      );

      const expected = vars(viaUwsgi.environ);
      const fromFcgi = vars(
        new Map(
          viaFcgi.environ.map(([k, v]) => [
            Buffer.from(k, "hex").toString("latin1"),
            Buffer.from(v, "hex"),
          ]),
        ),
      );
      expect(fromFcgi).toEqual(expected);
      // SCGI requires CONTENT_LENGTH in digits ("0" where nginx sent "") and adds SCGI=1.
      const fromScgi = vars(viaScgi.environ);
      expect(fromScgi).toEqual({ ...expected, CONTENT_LENGTH: String(s.body.length), SCGI: "1" });
      const sha = createHash("sha256").update(s.body).digest("hex");
      expect([viaUwsgi.bodySha256, viaFcgi.body_sha256, viaScgi.bodySha256]).toEqual([
        sha,
        sha,
        sha,
      ]);
    });
  }
});
