// Loopback ports for the scripts and benchmarks (the tests have their own, in TypeScript).
import { existsSync } from "node:fs";
import { connect, createServer } from "node:net";

/** A port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Resolves once 127.0.0.1:`port` accepts a connection; throws after `tries` × 50 ms. */
export async function waitForPort(port, tries = 300) {
  for (let i = 0; i < tries; i++) {
    const ok = await new Promise((resolve) => {
      const c = connect({ host: "127.0.0.1", port });
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`127.0.0.1:${port} did not open`);
}

/**
 * Waits until `address` is ready: a unix socket path (it has a `/`) exists, or 127.0.0.1:PORT
 * (`HOST:PORT` or a port) accepts; throws after 10 s with what `output()` says.
 */
export async function waitForAddress(address, output = () => "") {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = String(address).includes("/")
      ? existsSync(address)
      : await new Promise((resolve) => {
          const c = connect({ host: "127.0.0.1", port: Number(String(address).split(":").at(-1)) });
          c.once("connect", () => {
            c.destroy();
            resolve(true);
          });
          c.once("error", () => resolve(false));
        });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${address} not ready:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
