export { PacketDecoder } from "./adapters/node-stream.js";
