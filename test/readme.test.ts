// The README's usage example, run as written, with its comments turned into assertions.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodePacket, encodePacket } from "../src/index.js";

describe("README", () => {
  it("the usage example does what its comments say", () => {
    const packet = encodePacket({
      vars: { REQUEST_METHOD: "GET", PATH_INFO: "/", QUERY_STRING: "" },
    });
    expect(Buffer.from(packet.subarray(0, 14)).toString("hex")).toBe(
      "003300000e00524551554553545f",
    );
    const decoded = decodePacket(packet);
    if (decoded.kind !== "vars") throw new Error(`kind ${decoded.kind}`);
    expect(decoded.vars.get("REQUEST_METHOD")).toBe("GET");
    expect(decoded.vars.getBytes("PATH_INFO")?.buffer).toBe(packet.buffer);
    expect({ ...decoded.vars.toObject() }).toEqual({
      REQUEST_METHOD: "GET",
      PATH_INFO: "/",
      QUERY_STRING: "",
    });
    expect(packet.subarray(decoded.byteLength).length).toBe(0);
  });

  it("shows the bytes the example really produces", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    expect(readme).toContain("<Buffer 00 33 00 00 0e 00 52 45 51 55 45 53 54 5f ...>");
  });

  it("opens with the two commands", () => {
    const lines = readFileSync(new URL("../README.md", import.meta.url), "utf8").split("\n");
    expect(lines[3]).toMatch(/^npm ci && npm run bench/);
    expect(lines[4]).toMatch(/^npm test/);
  });
});
