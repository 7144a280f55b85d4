import type { Socket } from "node:net";
import { PONG } from "../codec/modifiers.js";
import type { Packet } from "../codec/packet.js";
import { answerRpc, type RpcHost } from "../rpc/rpc-answer.js";
import { UwsgiServerError } from "./server-error.js";

/**
 * Answers a packet that is not a request's vars, as uWSGI does: a ping (modifier1 100) gets a pong
 * and the socket ends; an RPC call (173) goes to the functions serveRpc() gave this server, which
 * answer or close (returns false: the connection must not touch the socket after); anything else
 * is reported (`UNSUPPORTED_PACKET`) and the socket ends.
 */
export function answerPacket(host: RpcHost, packet: Packet, socket: Socket): boolean {
  if (packet.modifier1 === 100) {
    socket.end(PONG);
    return true;
  }
  if (packet.modifier1 === 173 && answerRpc(host, packet, socket)) return false;
  const err = new UwsgiServerError(
    "UNSUPPORTED_PACKET",
    `modifier1 ${packet.modifier1} (modifier2 ${packet.modifier2}) carries ${packet.kind} data, not a request's vars`,
  );
  host.clientError(err, socket);
  socket.end();
  return true;
}
