// Sends bytes to a peer and gathers everything it answers until it closes, for packets no client
// of the package sends and for tests that must see a peer's exact bytes, quirks included.
import { connect } from "node:net";

/** Writes `bytes` to 127.0.0.1:`port`; resolves with every byte received before the close. */
export function rawExchange(port, bytes, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(`no close within ${timeoutMs} ms; got ${Buffer.concat(chunks).toString("hex")}`),
      );
    }, timeoutMs);
    socket.on("data", (c) => chunks.push(c));
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
