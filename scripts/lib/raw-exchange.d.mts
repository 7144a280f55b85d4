// Types of raw-exchange.mjs, for the tests that import it.
export declare function rawExchange(
  port: number,
  bytes: Uint8Array,
  timeoutMs?: number,
): Promise<Buffer>;
