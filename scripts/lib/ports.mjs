// Loopback ports for the scripts and benchmarks (the tests have their own, in TypeScript).
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
