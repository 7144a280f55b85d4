// ping() against real uWSGI (with and without the ping plugin) and scripted backends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ping } from "../../src/client/ping.js";
import { freePort } from "../interop/support/ports.js";
import { startFakeBackend } from "./support/fake-backend.js";
import { type ClientPeer, startClientPeer } from "./support/uwsgi-peer.js";

let withPing: ClientPeer;
let withoutPing: ClientPeer;
beforeAll(async () => {
  [withPing, withoutPing] = await Promise.all([
    startClientPeer({ ping: true, unix: true, threads: 1 }),
    startClientPeer({ threads: 1 }),
  ]);
});
afterAll(async () => {
  await withPing?.stop();
  await withoutPing?.stop();
});

describe("ping() against real uWSGI", () => {
  it("the ping plugin answers 64 00 00 01: alive, no warning", async () => {
    const result = await ping({ port: withPing.port });
    expect(result).toMatchObject({ alive: true, warning: "" });
    expect(result.error).toBeUndefined();
    expect(result.latencyMs).toBeGreaterThan(0);
    expect(result.latencyMs).toBeLessThan(1000);
  });

  it("over a unix socket", async () => {
    expect((await ping({ path: withPing.path })).alive).toBe(true);
  });

  it("without the plugin uWSGI closes the connection: not alive, CLOSED_BEFORE_ANSWER", async () => {
    const result = await ping({ port: withoutPing.port }, { timeout: 3000 });
    expect(result.alive).toBe(false);
    expect(result.error?.code).toBe("CLOSED_BEFORE_ANSWER");
  });
});

describe("ping() against scripted backends", () => {
  it("a pong with warning text, split across writes", async () => {
    const text = "worker 1 is overloaded";
    const pong = Buffer.concat([Buffer.from([100, text.length, 0, 1]), Buffer.from(text)]);
    const backend = await startFakeBackend((socket) => {
      socket.once("data", async () => {
        for (const piece of [pong.subarray(0, 2), pong.subarray(2, 9), pong.subarray(9)]) {
          socket.write(piece);
          await new Promise((r) => setTimeout(r, 5));
        }
      });
    });
    try {
      const result = await ping({ port: backend.port });
      expect(result).toMatchObject({ alive: true, warning: text });
      expect(Buffer.concat(backend.received[0]!).toString("hex")).toBe("64000000");
    } finally {
      await backend.close();
    }
  });

  it("something else than a pong -> MALFORMED_ANSWER", async () => {
    const backend = await startFakeBackend((socket) => {
      socket.once("data", () => socket.write("HTTP/1.1 400 Bad\r\n\r\n"));
    });
    try {
      const result = await ping({ port: backend.port });
      expect(result.alive).toBe(false);
      expect(result.error?.code).toBe("MALFORMED_ANSWER");
    } finally {
      await backend.close();
    }
  });

  it("silence -> TIMEOUT; refused -> CONNECT_FAILED", async () => {
    const backend = await startFakeBackend(() => {});
    try {
      const slow = await ping({ port: backend.port }, { timeout: 100 });
      expect([slow.alive, slow.error?.code]).toEqual([false, "TIMEOUT"]);
    } finally {
      await backend.close();
    }
    const refused = await ping({ port: await freePort() });
    expect([refused.alive, refused.error?.code]).toEqual([false, "CONNECT_FAILED"]);
  });

  it("a reset after connecting -> SOCKET_ERROR", async () => {
    const backend = await startFakeBackend((socket) => {
      socket.once("data", () => socket.resetAndDestroy());
    });
    try {
      const result = await ping({ port: backend.port });
      expect([result.alive, result.error?.code]).toEqual([false, "SOCKET_ERROR"]);
    } finally {
      await backend.close();
    }
  });

  it("abort rejects (before and during); bad options reject with argument errors", async () => {
    const backend = await startFakeBackend(() => {});
    try {
      await expect(
        ping({ port: backend.port }, { signal: AbortSignal.abort() }),
      ).rejects.toMatchObject({ code: "ABORTED", name: "AbortError" });
      const controller = new AbortController();
      const pending = ping({ port: backend.port }, { signal: controller.signal, timeout: 0 });
      setTimeout(() => controller.abort(), 50);
      await expect(pending).rejects.toMatchObject({ code: "ABORTED" });
    } finally {
      await backend.close();
    }
    await expect(ping({ port: 0 })).rejects.toMatchObject({ code: "ERR_OUT_OF_RANGE" });
    await expect(ping({ port: 1 }, { timeout: -5 })).rejects.toMatchObject({
      code: "ERR_OUT_OF_RANGE",
    });
  });
});
