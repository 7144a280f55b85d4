import { generateKeyPairSync, sign } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodePacket } from "../../src/codec/packet.js";
import { appendSignature, encodeSubscription, signingBytes } from "../../src/codec/subscription.js";
import type { NodeEvent } from "../../src/router/health.js";
import { subscribe } from "../../src/router/subscribe.js";
import { createServer } from "../../src/server/server.js";
import { exchange, parseHttpAnswer } from "../interop/support/exchange.js";
import { freePort } from "../interop/support/ports.js";
import { awaitListening, requireBinary, startDaemon } from "../interop/support/process.js";
import { startBackend } from "./support/backends.js";
import { startRouter, stopRouter } from "./support/router.js";

// Both directions of uWSGI's subscription protocol against uWSGI itself: our subscribe() joins
// uWSGI's FastRouter, and uWSGI's signed --subscribe-to joins our router.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function request(host: string): Buffer {
  return Buffer.from(
    encodePacket({
      vars: [
        ["REQUEST_METHOD", "GET"],
        ["PATH_INFO", "/hello"],
        ["SERVER_PROTOCOL", "HTTP/1.1"],
        ["HTTP_HOST", host],
      ],
    }),
  );
}

/** Starts uWSGI's FastRouter (no app) with a subscription server; returns both ports. */
async function startFastRouter(): Promise<{ port: number; subscriptions: number }> {
  requireBinary("uwsgi", "uwsgi-core");
  const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-fastrouter-"));
  const port = await freePort();
  const subscriptions = await freePort();
  const daemon = startDaemon(
    "uwsgi",
    [
      "--plugin",
      "fastrouter",
      "--fastrouter",
      `127.0.0.1:${port}`,
      "--fastrouter-subscription-server",
      `127.0.0.1:${subscriptions}`,
      "--master",
      "--die-on-term",
    ],
    dir,
  );
  cleanups.push(await awaitListening("uWSGI fastrouter", daemon, port, dir));
  return { port, subscriptions };
}

async function until<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error("condition not met within 5 s");
}

describe("subscribe() joins a real uWSGI FastRouter", () => {
  it("announces a Node createServer, which then serves requests through uWSGI's router, and leaves on close", async () => {
    const fr = await startFastRouter();
    const server = createServer((req, res) => {
      res.setHeader("Content-Type", "text/plain");
      res.end(`node answered ${req.vars.get("PATH_INFO")} for ${req.vars.get("HTTP_HOST")}\n`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    const sub = subscribe(`127.0.0.1:${fr.subscriptions}`, {
      key: "node.test",
      address,
      interval: 200,
    });
    cleanups.push(() => sub.close());
    const answer = await until(async () => {
      const raw = (await exchange(fr.port, [request("node.test")])).answer;
      return raw.length > 0 ? raw : undefined;
    });
    const parsed = parseHttpAnswer(answer);
    expect(parsed.status).toBe(200);
    expect(parsed.body.toString()).toBe("node answered /hello for node.test\n");
    // Unsubscribed: uWSGI's router has no node for the key any more and drops the request.
    await sub.close();
    expect(sub.sent).toBeGreaterThanOrEqual(2);
    await until(async () =>
      (await exchange(fr.port, [request("node.test")])).answer.length === 0 ? true : undefined,
    );
  });
});

describe("signed subscriptions made by uWSGI itself", () => {
  it("are accepted by our server; tampered, replayed, stale and unsigned ones are refused", async () => {
    const dir = await mkdtemp(join(tmpdir(), "uwsgi-codec-keys-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const keyFile = join(dir, "signer.pem");
    await writeFile(keyFile, privateKey.export({ type: "pkcs8", format: "pem" }));
    const udp = await freePort();
    const { router } = await startRouter({
      subscriptions: {
        listen: `127.0.0.1:${udp}`,
        verify: {
          keys: { "signed.": publicKey.export({ type: "spki", format: "pem" }) as string },
        },
      },
    });
    cleanups.push(() => stopRouter(router));
    const refusals: { reason: string }[] = [];
    router.on("subscriptionRefused", (r: { reason: string }) => refusals.push(r));

    // A tap: a second subscription server that only records what uWSGI sends.
    const tapPort = await freePort();
    const tap = createSocket("udp4");
    const tapped: Buffer[] = [];
    tap.on("message", (m) => tapped.push(m));
    await new Promise<void>((r) => tap.bind(tapPort, "127.0.0.1", () => r()));
    cleanups.push(() => new Promise((r) => tap.close(() => r())));

    const added = new Promise<NodeEvent>((r) => router.once("nodeAdded", r));
    const backend = await startBackend("s", [
      "--master",
      "--subscribe-freq",
      "1",
      "--subscribe-to",
      `127.0.0.1:${udp}:signed.test,0,SHA1:${keyFile}`,
      "--subscribe-to",
      `127.0.0.1:${tapPort}:signed.test,0,SHA1:${keyFile}`,
    ]);
    cleanups.push(() => backend.stop());
    expect(await added).toEqual({
      pool: "signed.test",
      address: backend.address,
      reason: "subscribe",
    });
    expect(refusals).toEqual([]);
    await until(async () => (tapped.length > 0 ? true : undefined));

    const send = async (bytes: Uint8Array): Promise<string> => {
      const refused = new Promise<{ reason: string }>((r) => router.once("subscriptionRefused", r));
      const s = createSocket("udp4");
      await new Promise<void>((r) => s.send(bytes, udp, "127.0.0.1", () => r()));
      s.close();
      return (await refused).reason;
    };
    // The first datagram uWSGI sent is not newer than what the router already took: a replay.
    expect(await send(tapped[0]!)).toBe("REPLAYED");
    // One byte of the address changed: the signature no longer matches.
    const tampered = Buffer.from(tapped[tapped.length - 1]!);
    const at = tampered.indexOf(backend.address, 0, "latin1") + backend.address.length - 1;
    tampered[at] = tampered[at] === 0x30 ? 0x31 : 0x30;
    expect(await send(tampered)).toBe("BAD_SIGNATURE");
    // Signed with the right key, but an hour old.
    const old = encodeSubscription({
      key: "signed.test",
      address: "127.0.0.1:1",
      unix: Math.floor(Date.now() / 1000) - 3600,
    });
    expect(await send(appendSignature(old, sign("sha1", signingBytes(old), privateKey)))).toBe(
      "STALE",
    );
    // Unsigned, for a key that must be signed; and a key no public key covers.
    expect(await send(encodeSubscription({ key: "signed.test", address: "127.0.0.1:1" }))).toBe(
      "UNSIGNED",
    );
    expect(await send(encodeSubscription({ key: "other.test", address: "127.0.0.1:1" }))).toBe(
      "UNSIGNED",
    );
    // None of them changed the pool.
    const pool = router.stats().pools.find((p) => p.name === "signed.test")!;
    expect(pool.nodes.map((n) => n.address)).toEqual([backend.address]);
    expect(router.stats().pools.map((p) => p.name)).toEqual(["signed.test"]);
  });
});
