import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { UwsgiError } from "../../src/codec/errors.js";
import {
  appendSignature,
  decodeSubscription,
  encodeSubscription,
  type SubscriptionInit,
  signingBytes,
} from "../../src/codec/subscription.js";
import { encodeVars } from "../../src/codec/vars-encode.js";
import { type Balanced, type BalancerName, pickNode } from "../../src/router/balancer.js";
import { fastRouterKey } from "../../src/router/routing-key.js";

const latin1 = (min: number, max: number) =>
  fc.string({
    unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
    minLength: min,
    maxLength: max,
  });

const arbInit: fc.Arbitrary<SubscriptionInit> = fc.record(
  {
    command: fc.constantFrom("subscribe", "unsubscribe"),
    key: latin1(1, 255),
    address: fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([h, p]) => `${h}:${p}`),
      latin1(1, 200).map((s) => `/${s}`.slice(0, 255)),
    ),
    modifier1: fc.integer({ min: 0, max: 255 }),
    modifier2: fc.integer({ min: 0, max: 255 }),
    cores: fc.nat({ max: 1_000_000 }),
    load: fc.nat(),
    weight: fc.integer({ min: 1, max: 1_000_000 }),
    backup: fc.integer({ min: 0, max: 255 }),
    notify: latin1(1, 100),
    unix: fc.integer({ min: 0, max: 2 ** 40 }),
  },
  { requiredKeys: ["key", "address"] },
);

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");

function isTyped(err: unknown): boolean {
  return err instanceof UwsgiError;
}

describe("subscription codec properties", () => {
  it("decode(encode(x)) gives back every field", () => {
    fc.assert(
      fc.property(arbInit, (init) => {
        const sub = decodeSubscription(encodeSubscription(init));
        expect(sub.command).toBe(init.command ?? "subscribe");
        expect(sub.key).toBe(init.key);
        expect(sub.address).toBe(init.address);
        expect(sub.modifier1).toBe(init.modifier1 ?? 0);
        expect(sub.modifier2).toBe(init.modifier2 ?? 0);
        expect(sub.cores).toBe(init.cores ?? 1);
        expect(sub.load).toBe(init.load ?? 0);
        expect(sub.weight).toBe(init.weight ?? 1);
        expect(sub.backup).toBe(init.backup ?? 0);
        expect(sub.notify).toBe(init.notify);
        expect(sub.unix).toBe(init.unix);
        expect(sub.signature).toBeUndefined();
      }),
    );
  });

  it("a signature appended is read back, and covers exactly the unsigned vars", () => {
    fc.assert(
      fc.property(
        arbInit.map((i) => ({ ...i, unix: i.unix ?? 1 })),
        fc.uint8Array({ minLength: 1, maxLength: 512 }),
        (init, signature) => {
          const unsigned = encodeSubscription(init);
          if (unsigned.length + 8 + signature.length > 4096) return;
          const signed = decodeSubscription(appendSignature(unsigned, signature));
          expect(hex(signed.signature!)).toBe(hex(signature));
          expect(hex(signed.signedBytes!)).toBe(hex(signingBytes(unsigned)));
          expect(signed.key).toBe(init.key);
        },
      ),
    );
  });

  it("hostile datagrams give a subscription or a typed error, nothing else", () => {
    const mutated = fc
      .tuple(
        arbInit,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
        fc.nat(),
      )
      .map(([init, flips, cut]) => {
        const bytes = Uint8Array.from(encodeSubscription(init));
        for (const [at, value] of flips) bytes[at % bytes.length] = value;
        return bytes.subarray(0, bytes.length - (cut % 3 === 0 ? cut % bytes.length : 0));
      });
    const random = fc.uint8Array({ maxLength: 300 }).map((b) => {
      if (b.length > 0) b[0] = 224;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(mutated, random, fc.uint8Array({ maxLength: 64 })), (datagram) => {
        try {
          const sub = decodeSubscription(datagram);
          expect(sub.key.length).toBeGreaterThan(0);
          expect(sub.weight).toBeGreaterThanOrEqual(1);
        } catch (err) {
          if (!isTyped(err)) throw err;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

interface ModelNode extends Balanced {
  weight: number;
  backup: number;
  up: boolean;
  inFlight: number;
  token: string;
  current: number;
}

type Op =
  | { op: "join"; weight: number; backup: number }
  | { op: "leave"; at: number }
  | { op: "fail"; at: number }
  | { op: "recover"; at: number }
  | { op: "pick"; client: number; sticky: number; hold: boolean };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant("join" as const),
    weight: fc.integer({ min: 1, max: 5 }),
    backup: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ op: fc.constant("leave" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("fail" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("recover" as const), at: fc.nat() }),
  fc.record({
    op: fc.constant("pick" as const),
    client: fc.nat({ max: 20 }),
    sticky: fc.nat(),
    hold: fc.boolean(),
  }),
);

const ALGORITHMS: BalancerName[] = [
  "round-robin",
  "least-connections",
  "weighted-least-connections",
  "ip-hash",
  "cookie",
];

/** Runs ops against a list of nodes; checks every pick on the way. */
function run(algorithm: BalancerName, ops: readonly Op[]): ModelNode[] {
  const nodes: ModelNode[] = [];
  const state = { turn: 0 };
  let serial = 0;
  for (const o of ops) {
    if (o.op === "join") {
      nodes.push({
        weight: o.weight,
        backup: o.backup,
        up: true,
        inFlight: 0,
        token: `n${serial++}`,
        current: 0,
      });
    } else if (o.op !== "pick") {
      if (nodes.length === 0) continue;
      const n = nodes[o.at % nodes.length]!;
      if (o.op === "leave") nodes.splice(nodes.indexOf(n), 1);
      else n.up = o.op === "recover";
    } else {
      const sticky = nodes.length === 0 ? undefined : nodes[o.sticky % nodes.length]!;
      const hint = { clientAddress: `10.0.0.${o.client}`, sticky: sticky?.token };
      const picked = pickNode(algorithm, nodes, state, hint);
      const up = nodes.filter((n) => n.up);
      if (up.length === 0) {
        expect(picked).toBeUndefined();
        continue;
      }
      // Never a down node while an up one exists, and always from the lowest level that has one.
      expect(picked?.up).toBe(true);
      expect(picked!.backup).toBe(Math.min(...up.map((n) => n.backup)));
      // Stickiness: a cookie naming a node that is up, at that level, is honoured.
      if (algorithm === "cookie" && sticky?.up && sticky.backup === picked!.backup)
        expect(picked).toBe(sticky);
      // IP hash: asked again with nothing changed, the same client gets the same node.
      if (algorithm === "ip-hash") expect(pickNode(algorithm, nodes, state, hint)).toBe(picked);
      if (o.hold) picked!.inFlight++;
    }
  }
  return nodes;
}

/** FastRouter's rules over pairs, the slow and obvious way (fastRouterKey's oracle). */
function keyOfPairs(pairs: readonly (readonly [string, string])[]): string | undefined {
  let key: string | undefined;
  let forced = false;
  for (const [k, v] of pairs) {
    if (v.length > 255) continue;
    if (k === "UWSGI_FASTROUTER_KEY") {
      forced = true;
      key = v;
    } else if (k === "HTTP_HOST" && !forced) key = v;
    else if (k === "SERVER_NAME" && (key === undefined || key === "")) key = v;
  }
  return key === "" ? undefined : key;
}

describe("FastRouter's key properties", () => {
  const arbPairs = fc.array(
    fc.tuple(
      fc.constantFrom(
        "UWSGI_FASTROUTER_KEY",
        "HTTP_HOST",
        "SERVER_NAME",
        "UWSGI_SCHEME",
        "PATH_INFO",
        "HTTP_HOSTS",
      ),
      fc.oneof(latin1(0, 4), latin1(254, 257)),
    ),
    { maxLength: 8 },
  );
  it("is the key of FastRouter's rules; without the forced key, the key once UWSGI_* vars are dropped", () => {
    fc.assert(
      fc.property(arbPairs, (pairs) => {
        const raw = encodeVars(pairs);
        expect(fastRouterKey(raw)).toBe(keyOfPairs(pairs));
        const untrusted = pairs.filter(([k]) => !k.startsWith("UWSGI_"));
        expect(fastRouterKey(raw, false)).toBe(keyOfPairs(untrusted));
      }),
    );
  });
});

describe("balancer properties", () => {
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: for any joins, leaves, failures and recoveries, only up nodes of the lowest live level are picked`, () => {
      fc.assert(fc.property(fc.array(arbOp, { maxLength: 80 }), (ops) => void run(algorithm, ops)));
    });
  }

  it("round robin honours weights in the limit, from any history", () => {
    fc.assert(
      fc.property(
        fc.array(arbOp, { maxLength: 60 }),
        fc.integer({ min: 5, max: 30 }),
        (ops, cycles) => {
          const nodes = run("round-robin", ops);
          const up = nodes.filter((n) => n.up);
          if (up.length === 0) return;
          const level = Math.min(...up.map((n) => n.backup));
          const live = up.filter((n) => n.backup === level);
          const total = live.reduce((a, n) => a + n.weight, 0);
          const counts = new Map<ModelNode, number>();
          for (let i = 0; i < cycles * total; i++) {
            const n = pickNode("round-robin", nodes, { turn: 0 }, {})!;
            counts.set(n, (counts.get(n) ?? 0) + 1);
          }
          // Off by at most one round of the total weight, however the scores stood before.
          const slack = Math.max(...live.map((n) => Math.abs(n.current))) / total + live.length + 1;
          for (const n of live) {
            expect(Math.abs((counts.get(n) ?? 0) - cycles * n.weight)).toBeLessThanOrEqual(slack);
          }
        },
      ),
    );
  });

  it("weighted IP hash spreads clients in proportion to weight", () => {
    const nodes: ModelNode[] = [1, 2, 3].map((w, i) => ({
      weight: w,
      backup: 0,
      up: true,
      inFlight: 0,
      token: `w${i}`,
      current: 0,
    }));
    const counts = [0, 0, 0];
    for (let c = 0; c < 6000; c++) {
      const n = pickNode(
        "ip-hash",
        nodes,
        { turn: 0 },
        { clientAddress: `10.${c >> 8}.${c & 255}.1` },
      )!;
      counts[nodes.indexOf(n)]!++;
    }
    // Expected 1000, 2000, 3000: within 10%.
    expect(counts.map((n, i) => Math.abs(n - 1000 * (i + 1)) < 100 * (i + 1))).toEqual([
      true,
      true,
      true,
    ]);
  });
});
