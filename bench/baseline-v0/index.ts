// The codec as it was at commit ff4f8d1, before the issue 11/12 rework (Buffer-based, two reads
// per var on encode, a native string call per key and value on decode). Frozen: never edit these
// files. The benchmark runs it beside the current codec so "N times faster than before" is a
// ratio from one run, not a figure remembered from another machine or day.
export { decodePacket, encodePacket } from "./packet.js";
