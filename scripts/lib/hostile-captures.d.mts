// Types of hostile-captures.mjs, for the tests that import it.
export declare class PcapBuilder {
  add(
    from: "client" | "server",
    port: number,
    seq: number,
    flags: number,
    payload?: Uint8Array,
  ): void;
  build(): Buffer;
}
export declare function requestPacket(vars: Record<string, string>): Buffer;
export declare function sequenceJump(connections: number, jump?: boolean): Buffer;
export declare function oneByteSegments(bodyBytes: number, reverse?: boolean): Buffer;
export declare function retransmissionStorm(
  segments: number,
  copies: number,
  size?: number,
): Buffer;
export declare function gapStorm(bytes: number, holes?: boolean): Buffer;
export declare function tinyConnections(connections: number): Buffer;
export declare function heuristicBait(windows: number, asBody?: boolean): Buffer;
