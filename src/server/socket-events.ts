import type { Socket } from "node:net";

/** What a connection does with its socket's events. */
export interface SocketEvents {
  /** Bytes from the peer. */
  data(chunk: Buffer): void;
  /** The peer half-closed. */
  end(): void;
  /** The socket is closed. */
  close(): void;
  /** The socket's buffer drained. */
  drained(): void;
}

const kOwner = Symbol("uwsgi-codec.connection");
type OwnedSocket = Socket & { [kOwner]: SocketEvents };

/**
 * Sends `socket`'s events to `owner` through listeners shared by every socket, which find their
 * owner on the socket: no closure is made per connection.
 */
export function listenTo(socket: Socket, owner: SocketEvents): void {
  (socket as OwnedSocket)[kOwner] = owner;
  socket.on("data", onData);
  socket.on("end", onEnd);
  socket.on("close", onClose);
  socket.on("error", onError);
  socket.on("drain", onDrain);
}

function onData(this: OwnedSocket, chunk: Buffer): void {
  this[kOwner].data(chunk);
}
function onEnd(this: OwnedSocket): void {
  this[kOwner].end();
}
function onClose(this: OwnedSocket): void {
  this[kOwner].close();
}
function onError(this: OwnedSocket): void {
  // 'close' follows and does the cleanup; an ECONNRESET is just how a peer leaves.
}
function onDrain(this: OwnedSocket): void {
  this[kOwner].drained();
}
