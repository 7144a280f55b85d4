import { describe, expect, it } from "vitest";
import type { UwsgiError } from "../../src/codec/errors.js";
import { encodePacket } from "../../src/codec/packet.js";
import {
  appendSignature,
  decodeSubscription,
  encodeSubscription,
} from "../../src/codec/subscription.js";
import { SubscriptionServer } from "../../src/router/subscription-server.js";
import { thrown } from "./support/thrown.js";

// The subscription packet's codec (src/codec/subscription.ts) and the server's refusals.

describe("subscription codec errors", () => {
  it("gives each refusal its code, the offset in the datagram and the var concerned", () => {
    const at = (bytes: Uint8Array) => {
      try {
        decodeSubscription(bytes);
      } catch (e) {
        const err = e as UwsgiError;
        const shown = [err.constructor.name, err.code, err.offset];
        return err.field === undefined ? shown : [...shown, err.field];
      }
      return "decoded";
    };
    const ok = encodeSubscription({ key: "k", address: "127.0.0.1:1" });
    expect(at(ok.subarray(0, 2))).toEqual(["UwsgiError", "TRUNCATED", 0]);
    expect(at(new Uint8Array(4097))).toEqual(["UwsgiError", "DATASIZE_OVER_LIMIT", 1]);
    expect(at(Uint8Array.from([0, ...ok.subarray(1)]))).toEqual([
      "UwsgiError",
      "NOT_A_SUBSCRIPTION",
      0,
    ]);
    expect(at(Uint8Array.from([224, 0, 0, ...ok.subarray(3)]))).toEqual([
      "UwsgiError",
      "DATASIZE_MISMATCH",
      1,
    ]);
    const only = (pairs: [string, string][]) => encodePacket({ modifier1: 224, vars: pairs });
    expect(at(only([["address", "a:1"]]))).toEqual(["UwsgiError", "MISSING_FIELD", 4, "key"]);
    // Offsets: header 4, the "key" var 8 bytes (to 12), "address" 2+7+2 then its value (23).
    expect(
      at(
        only([
          ["key", "k"],
          ["address", ""],
        ]),
      ),
    ).toEqual(["UwsgiError", "INVALID_FIELD", 23, "address"]);
    expect(
      at(
        only([
          ["key", "k"],
          ["address", "a:1"],
          ["weight", "1x"],
        ]),
      ),
    ).toEqual(["UwsgiError", "INVALID_FIELD", 36, "weight"]);
    expect(
      at(
        only([
          ["key", "k"],
          ["address", "a:1"],
          ["modifier1", "256"],
        ]),
      ),
    ).toEqual(["UwsgiError", "INVALID_FIELD", 39, "modifier1"]);
    expect(
      at(
        only([
          ["key", "k"],
          ["address", "a:1"],
          ["sign", "s"],
        ]),
      ),
    ).toEqual(["UwsgiError", "MISPLACED_SIGNATURE", 26, "sign"]);
    expect(
      at(
        only([
          ["key", "k"],
          ["address", "a:1"],
          ["unix", "1"],
          ["sign", "s"],
          ["x", "y"],
        ]),
      ),
    ).toEqual(["UwsgiError", "MISPLACED_SIGNATURE", 35, "sign"]);
    expect(
      at(
        only([
          ["key", "k"],
          ["address", "a:1"],
          ["extra", ""],
        ]),
      ),
    ).toBe("decoded");
    expect(at(Uint8Array.from([224, 1, 0, 0, 0]))).toEqual(["UwsgiError", "TRAILING_BYTES", 4]);
  });
  it("refuses wrong arguments to encode and sign", () => {
    expect(thrown(() => encodeSubscription(null as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => encodeSubscription({ key: "", address: "a:1" }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    expect(thrown(() => encodeSubscription({ key: "\u0100", address: "a:1" }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    expect(thrown(() => encodeSubscription({ key: "k", address: 1 as never }))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => encodeSubscription({ key: "k", address: "a:1", weight: -1 }))).toEqual({
      name: "RangeError",
      code: "ERR_OUT_OF_RANGE",
    });
    expect(
      thrown(() => encodeSubscription({ key: "k", address: "a:1", weight: "1" as never })),
    ).toEqual({ name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
    expect(
      thrown(() => encodeSubscription({ key: "k", address: "a:1", command: "x" as never })),
    ).toEqual({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
    expect(
      thrown(() => encodeSubscription({ key: "k", address: "a:1", sign: "x" } as never)),
    ).toEqual({ name: "TypeError", code: "ERR_UNKNOWN_OPTION" });
    expect(
      thrown(() => encodeSubscription({ key: "k", address: "a:1", notify: "n".repeat(4000) })),
    ).toEqual({ name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
    const unsigned = encodeSubscription({ key: "k", address: "a:1" });
    expect(thrown(() => appendSignature(unsigned, new Uint8Array(1)))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    const timed = encodeSubscription({ key: "k", address: "a:1", unix: 5 });
    const signed = appendSignature(timed, new Uint8Array([1, 2]));
    expect(thrown(() => appendSignature(signed, new Uint8Array(1)))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_VALUE",
    });
    expect(thrown(() => appendSignature(timed, new Uint8Array(0)))).toEqual({
      name: "RangeError",
      code: "ERR_OUT_OF_RANGE",
    });
    expect(thrown(() => appendSignature("x" as never, new Uint8Array(1)))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => appendSignature(timed, "x" as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
    expect(thrown(() => decodeSubscription(timed, { maxSize: 2 }))).toEqual({
      name: "RangeError",
      code: "ERR_OUT_OF_RANGE",
    });
    expect(thrown(() => decodeSubscription(timed, { max: 2 } as never))).toEqual({
      name: "TypeError",
      code: "ERR_UNKNOWN_OPTION",
    });
    expect(thrown(() => decodeSubscription([] as never))).toEqual({
      name: "TypeError",
      code: "ERR_INVALID_ARG_TYPE",
    });
  });
});

describe("the subscription server refuses what is not a usable subscription", () => {
  it("reports the codec's code for bytes, BAD_ADDRESS for an address it cannot reach", () => {
    const server = new SubscriptionServer([], undefined);
    const reasons: string[] = [];
    server.on("refused", (r: { reason: string }) => reasons.push(r.reason));
    const taken: string[] = [];
    server.on("subscribe", (s: { key: string }) => taken.push(s.key));
    server.on("unsubscribe", (s: { key: string }) => taken.push(`-${s.key}`));
    server.receive(new Uint8Array([224, 0]));
    server.receive(encodeSubscription({ key: "k", address: "host:notaport" }));
    server.receive(encodeSubscription({ key: "k", address: "127.0.0.1:1" }));
    server.receive(
      encodeSubscription({ key: "k", address: "127.0.0.1:1", command: "unsubscribe" }),
    );
    expect(reasons).toEqual(["TRUNCATED", "BAD_ADDRESS"]);
    expect(taken).toEqual(["k", "-k"]);
  });
});
