// A connection's deadlines (headersTimeout, requestTimeout, idleTimeout, the linger after a
// refusal) as checked by its server's clock: never early, at most two periods late, each once;
// and one timer per server, not per connection.
import { describe, expect, it } from "vitest";
import { ConnectionList } from "../../src/server/connection-list.js";
import {
  DeadlineClock,
  type DeadlineOwner,
  Deadlines,
  deadlinePeriod,
  LINGER_MS,
  type Timed,
} from "../../src/server/deadlines.js";
import { rawClient, serveForTest, until } from "./support/serve.js";

/** Records what passed; the clock's `now` is set by hand. */
function recorder(): DeadlineOwner & { passed: string[] } {
  const passed: string[] = [];
  return {
    passed,
    headerTimeout: () => passed.push("header"),
    requestTimeout: () => passed.push("request"),
    idle: () => passed.push("idle"),
  };
}

function handClock(now = 1000): DeadlineClock {
  const clock = new DeadlineClock(new ConnectionList<Timed>(), 10);
  clock.now = now;
  return clock;
}

describe("Deadlines", () => {
  it("the packet's deadline: not before headersTimeout plus the stamp's slack, then once", () => {
    const owner = recorder();
    const d = new Deadlines(owner, handClock(1000), 100, 300, 0);
    d.check(1000 + 100 + 9, 10); // the stamp may be 10 ms early: 99 ms may have passed
    expect(owner.passed).toEqual([]);
    d.check(1000 + 110, 10);
    d.check(1000 + 500, 10);
    expect(owner.passed).toEqual(["header"]);
  });

  it("once the packet is in, the request's deadline counts from the accept; a done body stops it", () => {
    const owner = recorder();
    const d = new Deadlines(owner, handClock(1000), 100, 300, 0);
    d.packetIn();
    d.check(1000 + 200, 10);
    expect(owner.passed).toEqual([]);
    d.check(1000 + 310, 10);
    expect(owner.passed).toEqual(["request"]);
    const done = recorder();
    const e = new Deadlines(done, handClock(1000), 100, 300, 0);
    e.packetIn();
    e.stop();
    e.check(1000 + 10_000, 10);
    expect(done.passed).toEqual([]);
  });

  it("without headersTimeout, the request's deadline covers the packet too", () => {
    const owner = recorder();
    const d = new Deadlines(owner, handClock(0), 0, 300, 0);
    d.check(200, 10);
    d.check(310, 10);
    expect(owner.passed).toEqual(["request"]);
  });

  it("idle: counted from the last byte either way; once; a linger arms it again", () => {
    const owner = recorder();
    const clock = handClock(0);
    const d = new Deadlines(owner, clock, 0, 0, 100);
    clock.now = 80;
    d.touch();
    d.check(170, 10); // 90 ms since the byte, less its slack
    expect(owner.passed).toEqual([]);
    d.check(190, 10);
    d.check(500, 10);
    expect(owner.passed).toEqual(["idle"]);
    clock.now = 500;
    d.linger(50);
    d.check(559, 10);
    d.check(560, 10);
    expect(owner.passed).toEqual(["idle", "idle"]);
  });

  it("a linger ends the request's deadlines", () => {
    const owner = recorder();
    const d = new Deadlines(owner, handClock(0), 100, 300, 0);
    d.linger(LINGER_MS);
    d.check(1000, 10);
    expect(owner.passed).toEqual([]);
    d.check(LINGER_MS + 10, 10);
    expect(owner.passed).toEqual(["idle"]);
  });

  it("the period is a twentieth of the shortest timeout, the linger included, 1 ms at least", () => {
    expect(deadlinePeriod(10_000, 300_000, 120_000)).toBe(LINGER_MS / 20);
    expect(deadlinePeriod(100, 300, 0)).toBe(5);
    expect(deadlinePeriod(0, 0, 0)).toBe(LINGER_MS / 20);
    expect(deadlinePeriod(0, 0, 15)).toBe(1);
  });
});

// Timers that keep the process alive (unref'd ones are not listed).
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

describe("the server's clock", () => {
  it("no timer per waiting connection, and none that keeps the process alive", async () => {
    const s = await serveForTest(undefined, { headersTimeout: 5000 });
    const before = timers();
    const clients = await Promise.all(Array.from({ length: 8 }, () => rawClient(s.port)));
    await until(() => s.server.openConnections === 8, 2000, "8 connections");
    expect(timers() - before).toBe(0);
    for (const c of clients) c.socket.destroy();
    await until(() => s.server.openConnections === 0, 2000, "connections released");
  });

  it("a packet that never comes is still refused, by the clock (408)", async () => {
    const s = await serveForTest(undefined, { headersTimeout: 60, requestTimeout: 0 });
    const codes: string[] = [];
    s.server.on("clientError", (err) => codes.push(err.code));
    const client = await rawClient(s.port);
    client.socket.write(Buffer.from([0, 10, 0])); // 3 bytes of a header
    const answer = await client.closed(3000);
    expect(answer.toString("latin1")).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(codes).toEqual(["HEADER_TIMEOUT"]);
  });
});
