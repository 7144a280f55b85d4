// Sends bytes to a peer and gathers everything it answers until it closes (or a time-out), for
// tests that must see uWSGI's exact bytes, quirks included.
import { connect } from "node:net";

/** Writes `bytes` to 127.0.0.1:`port` and resolves with every byte received before the close. */
export function rawExchange(port: number, bytes: Uint8Array, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no close within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString("hex")}`),
      );
    }, timeoutMs);
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}
