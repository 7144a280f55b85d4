import { generateKeyPairSync } from "node:crypto";
import { createSocket } from "node:dgram";
import { describe, expect, it } from "vitest";
import type { NodeEvent } from "../../src/router/health.js";
import { subscribe } from "../../src/router/subscribe.js";
import { freePort } from "../interop/support/ports.js";
import { startRouter, stopRouter } from "./support/router.js";

// Our subscribe() against our own subscription server, signed, on loopback.
describe("subscribe() to the router's subscription server", () => {
  it("joins a pool with a signed announcement, keeps announcing, and leaves on close", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const udp = await freePort();
    const { router } = await startRouter({
      subscriptions: {
        listen: `127.0.0.1:${udp}`,
        verify: { keys: { "": publicKey }, algorithm: "sha256" },
      },
    });
    try {
      const refused: unknown[] = [];
      router.on("subscriptionRefused", (r: unknown) => refused.push(r));
      const added = new Promise<NodeEvent>((r) => router.once("nodeAdded", r));
      const sub = subscribe(`127.0.0.1:${udp}`, {
        key: "signed.test",
        address: "127.0.0.1:4000",
        weight: 3,
        backup: 1,
        modifier1: 5,
        interval: 100,
        sign: { key: privateKey, algorithm: "sha256" },
      });
      expect(await added).toEqual({
        pool: "signed.test",
        address: "127.0.0.1:4000",
        reason: "subscribe",
      });
      const node = router.stats().pools[0]!.nodes[0]!;
      expect([node.weight, node.backup, node.source, node.cores]).toEqual([
        3,
        1,
        "subscription",
        1,
      ]);
      // Announcements within one second carry the same time: the server takes only newer ones.
      for (let i = 0; i < 100 && sub.sent < 3; i++) await new Promise((r) => setTimeout(r, 20));
      const removed = new Promise<NodeEvent>((r) => router.once("nodeRemoved", r));
      await sub.close();
      await sub.close();
      expect((await removed).reason).toBe("unsubscribe");
      expect(router.stats().pools).toEqual([]);
      expect(refused.every((r) => (r as { reason: string }).reason === "REPLAYED")).toBe(true);
      expect(sub.sent).toBeGreaterThanOrEqual(3);
    } finally {
      await stopRouter(router);
    }
  });

  it("the router reports a subscription server that cannot bind", async () => {
    const taken = createSocket("udp4");
    await new Promise<void>((r) => taken.bind(0, "127.0.0.1", () => r()));
    const port = taken.address().port;
    try {
      const { createRouter } = await import("../../src/router/router.js");
      const router = createRouter({ subscriptions: { listen: `127.0.0.1:${port}` } });
      const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
        router.once("error", resolve);
        router.listen(0, "127.0.0.1");
      });
      expect(error.code).toBe("EADDRINUSE");
      await new Promise<void>((r) => router.close(() => r()));
    } finally {
      taken.close();
    }
  });
});
