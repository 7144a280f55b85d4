import { createServer, type Server, type Socket } from "node:net";
import { onTestFinished } from "vitest";

/** A TCP server on 127.0.0.1 that runs `onConnection` for each client: a scripted backend. */
export interface FakeBackend {
  readonly port: number;
  /** Bytes each connection sent, by connection order (until it closed). */
  readonly received: Buffer[][];
  close(): Promise<void>;
}

export async function startFakeBackend(
  onConnection: (socket: Socket, index: number) => void,
): Promise<FakeBackend> {
  const sockets = new Set<Socket>();
  const received: Buffer[][] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const chunks: Buffer[] = [];
    received.push(chunks);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
    onConnection(socket, received.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** {@link startFakeBackend} inside a test: closed when the test finishes, passed or failed. */
export function fakeBackendForTest(
  onConnection: (socket: Socket, index: number) => void,
): Promise<FakeBackend> {
  const started = startFakeBackend(onConnection);
  onTestFinished(() =>
    started.then(
      (b) => b.close(),
      () => undefined,
    ),
  );
  return started;
}
