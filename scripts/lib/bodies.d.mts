// Types of bodies.mjs, for the tests that import it.
export declare function patternBytes(size: number, seed?: number): Buffer;
export declare function chunkedBody(body: Uint8Array, sizes?: readonly number[]): Buffer;
