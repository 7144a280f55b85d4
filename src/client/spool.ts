import { encodeSpoolJob } from "../codec/spooler.js";
import type { VarsInput } from "../codec/vars-encode.js";
import type { UwsgiAddress } from "./address.js";
import { exchangePacket, type PacketCallOptions, resolveCall } from "./packet-exchange.js";
import { StatusReader } from "./signal.js";

/** Options of {@link spool}. */
export interface SpoolOptions extends PacketCallOptions {
  /** How string keys and values become bytes. Defaults to `"latin1"`. */
  readonly encoding?: "latin1" | "utf8";
}

/**
 * Queues a job in uWSGI's spooler through its socket (modifier1 17): uWSGI writes `vars` to a
 * spool file and its spooler process later runs the job with them, as after `uwsgi.spool(vars)`
 * (without a body: the network packet has none). The vars `spooler` (a spooler's directory),
 * `priority` and `at` (unix seconds) steer it. Resolves true once uWSGI has written the file
 * ([255, 0, 0, 1]), false when it could not (no spooler, an unknown `spooler`). Rejects with
 * `UwsgiClientError` when the exchange fails.
 */
export async function spool(
  address: UwsgiAddress,
  vars: VarsInput,
  options?: SpoolOptions,
): Promise<boolean> {
  // async: an argument error rejects, as the exchange's errors do.
  const call = resolveCall("spool()", address, options, ["encoding"]);
  const packet = encodeSpoolJob(
    vars,
    options?.encoding === undefined ? undefined : { encoding: options.encoding },
  );
  return exchangePacket(call, [packet], new StatusReader("spooler job"), "answer to the job");
}
