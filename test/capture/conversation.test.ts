// The uwsgi side of one connection, driven directly: gaps inside and past bodies, bodies read after
// a gap, answers before any request, and port reuse in the decoder.
import { describe, expect, it } from "vitest";
import { PcapBuilder, requestPacket } from "../../scripts/lib/hostile-captures.mjs";
import { Conversation, type ConversationMode } from "../../src/capture/conversation.js";
import type { CapturedExchange } from "../../src/capture/exchange.js";
import { DecodeSession } from "../../src/capture/session.js";
import { collect } from "./support/fixtures.js";

const PARSE_ON: ConversationMode = { search: false, searchReason: "", searchAfterRequest: false };
const SEARCH_ON: ConversationMode = {
  search: false,
  searchReason: "",
  searchAfterRequest: true,
};

function conversation(mode: ConversationMode): [Conversation, CapturedExchange[]] {
  const out: CapturedExchange[] = [];
  const session = new DecodeSession({ onExchange: (e) => out.push(e) }, 8, true, undefined);
  return [new Conversation(session, null, null, mode), out];
}

const post = (length: number) =>
  requestPacket({ REQUEST_METHOD: "POST", CONTENT_LENGTH: String(length) });
const get = requestPacket({ REQUEST_METHOD: "GET", PATH_INFO: "/next" });

describe("Conversation: gaps in request bodies", () => {
  it("a gap ending inside the body: the rest of the body is read after it", () => {
    const [c, out] = conversation(PARSE_ON);
    c.request(Buffer.concat([post(10), Buffer.from("ab")]));
    c.requestGap(3);
    c.request(Buffer.from("cdefg"));
    c.request(get);
    c.finish(true);
    expect(out.map((e) => e.vars?.get("REQUEST_METHOD"))).toEqual(["POST", "GET"]);
    expect(out[0]!.body).toMatchObject({ length: 7, missing: 3, complete: true, sha256: null });
    expect(out[0]!.body.preview.toString()).toBe("ab");
    expect(out[0]!.errors).toEqual([
      {
        code: "GAP",
        direction: "request",
        offset: post(10).length + 2,
        message: "3 body byte(s) were not captured",
      },
    ]);
    expect(out[1]!.errors).toEqual([]);
  });

  it("a gap that ends the body exactly: the next bytes are the next request", () => {
    for (const mode of [PARSE_ON, SEARCH_ON]) {
      const [c, out] = conversation(mode);
      c.request(Buffer.concat([post(4), Buffer.from("ab")]));
      c.requestGap(2);
      c.request(get);
      c.finish(true);
      expect(out.map((e) => [e.vars?.get("REQUEST_METHOD"), e.body.missing])).toEqual([
        ["POST", 2],
        ["GET", 0],
      ]);
    }
  });

  it("a body read after a gap, then the next request in the same piece", () => {
    const [c, out] = conversation(SEARCH_ON);
    c.request(Buffer.concat([post(6), Buffer.from("a")]));
    c.requestGap(1);
    c.request(Buffer.concat([Buffer.from("cdef"), get]));
    c.finish(true);
    expect(out.map((e) => [e.vars?.get("REQUEST_METHOD"), e.body.length])).toEqual([
      ["POST", 5],
      ["GET", 0],
    ]);
    expect(out[1]!.notes).toEqual([]);
  });

  it("a gap past the body's end: said as one hole, then the search for the next request", () => {
    const [c, out] = conversation(PARSE_ON);
    c.request(Buffer.concat([post(4), Buffer.from("ab")]));
    c.requestGap(7);
    c.request(Buffer.concat([Buffer.from("zz"), get]));
    c.finish(true);
    expect(out[0]!.errors).toEqual([
      {
        code: "GAP",
        direction: "request",
        offset: post(4).length + 2,
        message:
          "7 byte(s) were not captured (the body's last 2 and 5 after it); looking for the next request",
      },
    ]);
    expect(out[1]!.vars?.get("PATH_INFO")).toBe("/next");
    expect(out[1]!.notes).toEqual([
      "2 request byte(s) skipped before this request (after a gap in the capture)",
    ]);
  });

  it("the connection ends in a body read after a gap: TRUNCATED, as the parser says it", () => {
    const [c, out] = conversation(PARSE_ON);
    c.request(Buffer.concat([post(10), Buffer.from("ab")]));
    c.requestGap(3);
    c.request(Buffer.from("cd"));
    c.finish(true);
    expect(out[0]!.errors[1]).toEqual({
      code: "TRUNCATED",
      direction: "request",
      offset: post(10).length + 7,
      message: "input ends 3 bytes before the end of the 10-byte body (it ended after 7)",
    });
    expect(out[0]!.body.complete).toBe(false);
  });

  it("answer bytes before any request are counted on the next exchange; a gap there too", () => {
    const [c, out] = conversation(PARSE_ON);
    c.answer(Buffer.from("stray"));
    c.answerGap(3);
    c.request(get);
    c.finish(true);
    expect(out[0]!.notes).toEqual(["8 answer byte(s) seen before any request were ignored"]);
  });
});

describe("CaptureDecoder: a 4-tuple used again and again", () => {
  it("each new SYN on the same addresses and ports is a new connection, thousands of times", async () => {
    const b = new PcapBuilder();
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const isn = 1000 + i * 100_000;
      b.add("client", 40000, isn, 0x02);
      b.add("server", 40000, 7000 + i, 0x12);
      b.add("client", 40000, isn + 1, 0x18, get);
    }
    const list = await collect(b.build(), { maxConnections: 10 });
    expect(list).toHaveLength(n);
    expect(list.every((e) => e.vars?.get("PATH_INFO") === "/next")).toBe(true);
  });
});
