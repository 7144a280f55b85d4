import { connect, createServer, type Server, type Socket } from "node:net";
import { freePort } from "./ports.js";

/**
 * A transparent TCP relay on 127.0.0.1 that records, per connection, every byte the client sent
 * before forwarding it to the upstream. Put between nginx and uWSGI, it shows the exact packet
 * nginx wrote while uWSGI answers with what it decoded from those same bytes.
 */
export interface Tee {
  readonly port: number;
  /** Client-to-upstream bytes of each finished connection, in order of closing. */
  readonly captured: Buffer[];
  /**
   * The connection captured after the first `before`: the relay records a connection when nginx
   * closes it, just after the answer, so this waits (up to 5 s) for it.
   */
  next(before: number): Promise<Buffer>;
  close(): Promise<void>;
}

export async function startTee(upstreamPort: number): Promise<Tee> {
  const port = await freePort();
  const captured: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const chunks: Buffer[] = [];
    const upstream = connect({ host: "127.0.0.1", port: upstreamPort });
    sockets.add(client);
    sockets.add(upstream);
    client.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      upstream.write(chunk);
    });
    client.on("end", () => upstream.end());
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    upstream.on("end", () => client.end());
    const done = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", done);
    upstream.on("error", done);
    client.on("close", () => {
      sockets.delete(client);
      captured.push(Buffer.concat(chunks));
      done();
    });
    upstream.on("close", () => sockets.delete(upstream));
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    port,
    captured,
    async next(before: number): Promise<Buffer> {
      const deadline = Date.now() + 5000;
      while (captured.length <= before) {
        if (Date.now() > deadline) throw new Error("nginx never closed its upstream connection");
        await new Promise((r) => setTimeout(r, 10));
      }
      return captured[before]!;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
