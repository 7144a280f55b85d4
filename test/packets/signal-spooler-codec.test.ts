import { describe, expect, it } from "vitest";
import {
  decodeSignal,
  decodeSpoolFile,
  decodeSpoolJob,
  decodeStatusAnswer,
  encodeEcho,
  encodeSignal,
  encodeSpoolJob,
  encodeStatusAnswer,
} from "../../src/index.js";
import { bytesOf, type ExpectedThrow, expectThrow, hex, section } from "./support/vectors.js";

const SIGNALS = section("signal.json", "signals");
const STATUS = section("signal.json", "statusAnswers");
const SIGNAL_MALFORMED = section("signal.json", "malformed");
const JOBS = section("spooler.json", "jobs");
const FILES = section("spooler.json", "files");
const SPOOL_MALFORMED = section("spooler.json", "malformed");
const ECHOES = section("echo.json", "echoes");

const pairs = (list: unknown) =>
  (list as [string, string][]).map(([k, v]) => [hex(k), hex(v)] as [Buffer, Buffer]);
const hexPairs = (view: Iterable<[Uint8Array, Uint8Array]>) =>
  [...view].map(([k, v]) => [Buffer.from(k).toString("hex"), Buffer.from(v).toString("hex")]);

describe("signal (modifier1 110) and uWSGI's status answer (255)", () => {
  it.each(SIGNALS)("$name", (entry) => {
    const bytes = bytesOf(entry);
    expect(Buffer.from(encodeSignal(entry["signum"] as number))).toEqual(bytes);
    expect(decodeSignal(bytes)).toEqual({ signum: entry["signum"], byteLength: 4 });
  });

  it.each(STATUS)("$name", (entry) => {
    const bytes = bytesOf(entry);
    expect(Buffer.from(encodeStatusAnswer(entry["status"] as number))).toEqual(bytes);
    expect(decodeStatusAnswer(bytes)).toEqual({
      status: entry["status"],
      ok: entry["ok"],
      byteLength: 4,
    });
  });

  it("a signal number is 0-255", () => {
    expect(() => encodeSignal(256)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    expect(() => encodeSignal(1.5)).toThrow(expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }));
    expect(() => encodeStatusAnswer(-1)).toThrow(
      expect.objectContaining({ code: "ERR_OUT_OF_RANGE" }),
    );
  });

  it.each(SIGNAL_MALFORMED)("$name", (entry) => {
    const decode = entry["decoder"] === "signal" ? decodeSignal : decodeStatusAnswer;
    expectThrow(() => decode(bytesOf(entry)), entry["error"] as ExpectedThrow);
  });
});

describe("spooler jobs (modifier1 17) and spool files", () => {
  it.each(JOBS)("$name", (entry) => {
    const bytes = bytesOf(entry);
    const vars = pairs(entry["vars"]);
    expect(Buffer.from(encodeSpoolJob(vars))).toEqual(bytes);
    const job = decodeSpoolJob(bytes);
    expect(hexPairs(job.vars.entriesBytes())).toEqual(entry["vars"]);
    expect(job.at).toBe(entry["at"]);
    expect(job.byteLength).toBe(bytes.length);
  });

  it.each(FILES)("$name", (entry) => {
    const file = decodeSpoolFile(bytesOf(entry));
    expect(hexPairs(file.vars.entriesBytes())).toEqual(entry["vars"]);
    expect(Buffer.from(file.body).toString("hex")).toBe(entry["body"]);
  });

  it.each(SPOOL_MALFORMED)("$name", (entry) => {
    const decode = entry["decoder"] === "job" ? decodeSpoolJob : decodeSpoolFile;
    expectThrow(() => decode(bytesOf(entry)), entry["error"] as ExpectedThrow);
  });
});

describe("echo (modifier1 101)", () => {
  it.each(ECHOES)("$name", (entry) => {
    expect(Buffer.from(encodeEcho(hex(entry["payload"])))).toEqual(bytesOf(entry));
  });
  it("takes bytes only", () => {
    expect(() => encodeEcho("x" as never)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }),
    );
  });
});
