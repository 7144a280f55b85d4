// The load generator's parts on their own: answer framing, thresholds, targets, options, results,
// the plot's spec and the nginx vars every CGI protocol carries.
import { describe, expect, it, vi } from "vitest";
import { headerVar } from "../../src/client/vars-from-request.js";
import { AnswerReader, MalformedAnswer } from "../../src/load/answer-reader.js";
import { newHistogram, percentileCurve, record, summarize } from "../../src/load/histogram.js";
import {
  checkThresholds,
  type LoadResult,
  latencySpec,
  parseTarget,
  parseThreshold,
  runLoad,
} from "../../src/load/index.js";
import { resolveLoadOptions } from "../../src/load/options.js";
import { mergeEngineResults, toLoadResult } from "../../src/load/result.js";
import { hostHeaderOf } from "../../src/load/target.js";
import { encodeWire } from "../../src/load/wire.js";
import { editVars, httpRequestHead, nginxVars } from "../../src/tools/http-request.js";

const b = (s: string) => Buffer.from(s, "latin1");

function read(reader: AnswerReader, ...chunks: string[]): number[] {
  return chunks.map((c) => reader.push(b(c)));
}

describe("AnswerReader", () => {
  it("HTTP with Content-Length, split anywhere in the head, keep-alive by default in 1.1", () => {
    const r = new AnswerReader();
    r.reset(false);
    expect(
      read(r, "HTTP/1.1 201 Cre", "ated\r\nContent-Len", "gth: 3\r\n\r", "\nab", "cEXTRA"),
    ).toEqual([16, 17, 9, 3, 1]);
    expect([r.done, r.status, r.keepAlive]).toEqual([true, 201, true]);
  });

  it("HTTP/1.0 and Connection: close are not kept; a body without a length ends at EOF", () => {
    const r = new AnswerReader();
    r.reset(false);
    r.push(b("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"));
    expect([r.done, r.keepAlive]).toEqual([true, false]);
    r.reset(false);
    r.push(b("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody..."));
    expect([r.done, r.keepAlive]).toEqual([false, false]);
    expect(r.end()).toBe(true);
    r.reset(false);
    r.push(b("HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 5\r\n\r\nab"));
    expect(r.end()).toBe(false);
  });

  it("chunked bodies end at the last chunk; 204, 304, HEAD and interim answers have no body", () => {
    const r = new AnswerReader();
    r.reset(false);
    const whole = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nNEXT";
    expect(r.push(b(whole))).toBe(whole.length - 4);
    expect(r.done).toBe(true);
    for (const status of ["204 No Content", "304 Not Modified"]) {
      r.reset(false);
      r.push(b(`HTTP/1.1 ${status}\r\n\r\n`));
      expect(r.done).toBe(true);
    }
    r.reset(true);
    r.push(b("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
    expect(r.done).toBe(true);
    r.reset(false);
    r.push(b("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
    expect([r.done, r.status]).toEqual([true, 200]);
    r.reset(false);
    expect(() => r.push(b("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"))).toThrow(
      MalformedAnswer,
    );
  });

  it("CGI heads: Status wins, Location alone is a redirect, else 200; LF-only lines", () => {
    const r = new AnswerReader(true);
    r.reset(false);
    r.push(b("Status: 404 Not Found\nContent-Type: text/plain\n\n"));
    expect(r.status).toBe(404);
    r.reset(false);
    r.push(b("Location: /x\r\n\r\n"));
    expect(r.status).toBe(302);
    r.reset(false);
    r.push(b("Content-Type: text/plain\r\n\r\n"));
    expect([r.status, r.done, r.end()]).toEqual([200, false, true]);
  });

  it("a head cut at any two points reads as the whole does", () => {
    const answers: [string, boolean][] = [
      ["HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabcNEXT", false],
      ["HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\nContent-Length: 1\n\nxNEXT", false],
      ["Status: 404 Not Found\nContent-Type: text/plain\n\r\nbody", true],
    ];
    for (const [text, headOnly] of answers) {
      const bytes = b(text);
      const whole = new AnswerReader(headOnly);
      whole.reset(false);
      const used = whole.push(bytes);
      const want = [used, whole.status, whole.done, whole.keepAlive];
      for (let i = 0; i <= bytes.length; i++) {
        for (let j = i; j <= bytes.length; j++) {
          const r = new AnswerReader(headOnly);
          r.reset(false);
          let n = 0;
          for (const piece of [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)]) {
            if (!r.done) n += r.push(piece);
          }
          expect([n, r.status, r.done, r.keepAlive], `${text} cut at ${i}, ${j}`).toEqual(want);
        }
      }
    }
  });

  it("a head trickled in byte by byte is copied a bounded number of times, not once per byte", () => {
    const head = `HTTP/1.1 200 OK\r\nX-A: ${"a".repeat(20_000)}\r\nContent-Length: 0\r\n\r\n`;
    const bytes = b(head);
    // Bytes copied into held heads, counted where the copy happens: a join of all held bytes per
    // chunk would copy about length^2 / 2 (200 MB here).
    let copied = 0;
    const set = Uint8Array.prototype.set;
    const spy = vi.spyOn(Uint8Array.prototype, "set").mockImplementation(function (
      this: Uint8Array,
      source: ArrayLike<number>,
      offset?: number,
    ) {
      copied += source.length;
      set.call(this, source, offset);
    });
    const r = new AnswerReader();
    r.reset(false);
    try {
      for (let i = 0; i < bytes.length; i++) r.push(bytes.subarray(i, i + 1));
    } finally {
      spy.mockRestore();
    }
    expect([r.done, r.status]).toEqual([true, 200]);
    expect(copied).toBeLessThan(3 * bytes.length);
  });

  it("refuses what is not a head", () => {
    const r = new AnswerReader();
    for (const bad of [
      "HTTP/1.1 2xx OK\r\n\r\n",
      "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
      // Differing lengths, and one past the safe integers: the client refuses both too.
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 3\r\n\r\nabc",
      "HTTP/1.1 200 OK\r\nContent-Length: 9007199254740993\r\n\r\n",
      "Status: abc\r\n\r\n",
    ]) {
      r.reset(false);
      expect(() => r.push(b(bad)), bad).toThrow(MalformedAnswer);
    }
    r.reset(false);
    expect(() => r.push(new Uint8Array(70_000).fill(0x41))).toThrow(MalformedAnswer);
  });
});

describe("thresholds", () => {
  const result = {
    requests: { sent: 100, completed: 90, failed: 10, non2xx: 3 },
    throughput: { requestsPerSecond: 1500 },
    latencyMs: { p99: 42, "p99.9": 120, mean: 5, max: 300 },
  } as unknown as LoadResult;

  it("parses metric, operator, number and unit; checks them", () => {
    expect(parseThreshold("p99>50ms")).toEqual({
      expression: "p99>50ms",
      metric: "p99",
      op: ">",
      value: 50,
    });
    expect(parseThreshold(" p99.9 >= 1s ").value).toBe(1000);
    expect(parseThreshold("max<500us").value).toBe(0.5);
    expect(parseThreshold("error-rate>5%").value).toBe(5);
    const outcomes = checkThresholds(
      result,
      [
        "p99>50ms",
        "p99.9>=120",
        "errors>0",
        "non2xx<=3",
        "rps<1000",
        "completed<90",
        "error-rate>5",
        "mean<1",
      ].map(parseThreshold),
    );
    expect(outcomes.map((o) => [o.actual, o.failed])).toEqual([
      [42, false],
      [120, true],
      [10, true],
      [3, true],
      [1500, false],
      [90, false],
      [10, true],
      [5, false],
    ]);
  });

  it("refuses rules it cannot read, with Node's argument error", () => {
    for (const bad of ["p99", "p99>>1", "latency>5", "p99>5%", "errors>5ms", "rps>1s"]) {
      expect(() => parseThreshold(bad), bad).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }),
      );
    }
  });
});

describe("targets and options", () => {
  it("URLs: schemes, default ports, unix sockets, IPv6, queries", () => {
    expect(parseTarget("uwsgi://h/p?q")).toMatchObject({
      scheme: "uwsgi",
      host: "h",
      port: 3031,
      path: "/p?q",
    });
    expect(parseTarget("fcgi://h:1")).toMatchObject({ scheme: "fastcgi", port: 1, path: "/" });
    expect(parseTarget("SCGI://h?x=1")).toMatchObject({
      scheme: "scgi",
      port: 4000,
      path: "/?x=1",
    });
    expect(parseTarget("http://[::1]:8080/")).toMatchObject({ host: "::1", port: 8080 });
    expect(parseTarget("uwsgi:///p", "/run/u.sock")).toMatchObject({
      socketPath: "/run/u.sock",
      port: 0,
    });
    expect(hostHeaderOf(parseTarget("http://[::1]:8080/"))).toBe("[::1]:8080");
    expect(hostHeaderOf(parseTarget("http://h/"))).toBe("h");
    for (const bad of ["nope", "ftp://h/", "uwsgi:///p", "uwsgi://h:0/", "uwsgi://h:/"]) {
      expect(() => parseTarget(bad), bad).toThrow(
        expect.objectContaining({ code: "ERR_INVALID_ARG_VALUE" }),
      );
    }
  });

  it("options are checked as Node checks arguments", () => {
    const bad: [unknown, string][] = [
      [null, "ERR_INVALID_ARG_TYPE"],
      [{ url: 1 }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", count: 5 }, "ERR_UNKNOWN_OPTION"],
      [{ url: "uwsgi://h/", connections: 0 }, "ERR_OUT_OF_RANGE"],
      [{ url: "uwsgi://h/", rate: -1 }, "ERR_INVALID_ARG_VALUE"],
      [{ url: "uwsgi://h/", rate: "5" }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", body: 5 }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", method: "GE T" }, "ERR_INVALID_ARG_VALUE"],
      [{ url: "uwsgi://h/", headers: {} }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", headers: [["a b", "c"]] }, "ERR_INVALID_ARG_VALUE"],
      [{ url: "uwsgi://h/", headers: [["a"]] }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", vars: 5 }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", vars: { A: 5 } }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", signal: {} }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", onProgress: 5 }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", label: 5 }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", socketPath: 5 }, "ERR_INVALID_ARG_TYPE"],
      [{ url: "uwsgi://h/", keepConn: "yes" }, "ERR_INVALID_ARG_TYPE"],
    ];
    for (const [options, code] of bad) {
      expect(() => resolveLoadOptions(options), JSON.stringify(options)).toThrow(
        expect.objectContaining({ code }),
      );
    }
    const o = resolveLoadOptions({
      url: "uwsgi://h/",
      body: "x",
      connections: 4,
      threads: 9,
      requests: 10,
    });
    expect([o.spec.method, o.threads, o.durationMs, o.requests]).toEqual(["POST", 4, 0, 10]);
    expect(resolveLoadOptions({ url: "uwsgi://h/" }).durationMs).toBe(10_000);
  });

  it("runLoad rejects with the argument error", async () => {
    await expect(runLoad({ url: "gopher://h/" })).rejects.toMatchObject({
      code: "ERR_INVALID_ARG_VALUE",
    });
  });
});

describe("results and the plot", () => {
  it("merged engine results add counters and histograms; the JSON result sums them up", () => {
    const part = () => {
      const h = newHistogram();
      record(h, 1000);
      record(h, 3000);
      const u = newHistogram();
      record(u, 500);
      return {
        sent: 3,
        completed: 2,
        errors: { connect: 1, timeout: 0, reset: 0, closed: 0, malformed: 0, socket: 0 },
        statuses: { "200": 1, "503": 1 },
        bytesRead: 100,
        bytesWritten: 50,
        elapsedMs: 1000,
        histogram: h,
        uncorrected: u,
        busy: 0.5,
      };
    };
    const merged = mergeEngineResults([part(), part()]);
    expect([
      merged.sent,
      merged.completed,
      merged.histogram.totalCount,
      merged.uncorrected?.totalCount,
    ]).toEqual([6, 4, 4, 2]);
    const r = toLoadResult(
      {
        label: "x",
        url: "uwsgi://h/",
        scheme: "uwsgi",
        method: "GET",
        target: "/",
        bodyBytes: 0,
        wireBytes: 10,
        connections: 2,
        threads: 2,
        durationMs: 1000,
        requests: null,
        rate: 4,
        timeoutMs: 10,
        startedAt: new Date(0),
      },
      merged,
    );
    expect(r.requests).toEqual({ sent: 6, completed: 4, failed: 2, non2xx: 2 });
    expect(r.statuses).toEqual({ "200": 2, "503": 2 });
    expect(r.throughput.requestsPerSecond).toBe(4);
    // Half busy at 4 req/s: it could have sent 8.
    expect(r.generator).toEqual({ busy: 0.5, ceilingRequestsPerSecond: 8 });
    expect([r.latencyMs.p50, r.latencyMs.max, r.uncorrectedLatencyMs?.p50]).toEqual([1, 3, 0.5]);
    const spec = latencySpec([r], { uncorrected: true, title: "t" }) as {
      data: { values: { run: string }[] };
    };
    expect(new Set(spec.data.values.map((v) => v.run))).toEqual(new Set(["x", "x (uncorrected)"]));
  });

  it("an empty histogram summarizes to zeros and plots nothing; a curve ends at the maximum", () => {
    const h = newHistogram();
    expect(summarize(h).p99).toBe(0);
    expect(percentileCurve(h)).toEqual([]);
    for (let i = 1; i <= 1000; i++) record(h, i * 10);
    record(h, 0);
    record(h, 1e12);
    const curve = percentileCurve(h);
    expect(curve[0]!.percentile).toBe(0);
    expect(curve.at(-1)!.ms).toBe(summarize(h).max);
  });
});

describe("the vars every CGI protocol carries", () => {
  const spec = {
    method: "POST",
    target: "/a%20b/../c?x=1#frag",
    headers: [
      ["Host", "Example.com:81"],
      ["X-Y", "z"],
      ["Bad_Name", "dropped"],
    ] as [string, string][],
    body: b("hello"),
    hasBody: true,
  };

  it("are nginx's: $document_uri for PATH_INFO, $host, HTTP_CONTENT_LENGTH with a body", () => {
    const vars = nginxVars(spec, {
      ...{
        serverName: "s",
        serverPort: "81",
        remoteAddr: "1.2.3.4",
        remotePort: "5",
        documentRoot: "/r",
        protocol: "HTTP/1.1",
        scheme: "https",
      },
    });
    const m = new Map(vars);
    expect(m.get("PATH_INFO")).toBe("/c");
    expect(m.get("QUERY_STRING")).toBe("x=1");
    expect(m.get("REQUEST_URI")).toBe("/a%20b/../c?x=1");
    expect(m.get("HTTP_HOST")).toBe("example.com");
    expect(m.get("SERVER_NAME")).toBe("s");
    expect(m.get("HTTPS")).toBe("on");
    expect(m.get("HTTP_CONTENT_LENGTH")).toBe("5");
    expect(m.has("HTTP_BAD_NAME")).toBe(false);
    expect(headerVar("x-é")).toBeUndefined();
    expect(
      editVars(
        [
          ["A", "1"],
          ["B", "2"],
          ["A", "3"],
        ],
        new Map([
          ["A", "x"],
          ["B", undefined],
          ["C", "c"],
        ]),
      ),
    ).toEqual([
      ["A", "x"],
      ["C", "c"],
    ]);
    expect(httpRequestHead({ ...spec, headers: [] }, "h")).toBe(
      "POST /a%20b/../c?x=1#frag HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n",
    );
  });

  it("are the same in uwsgi, FastCGI and SCGI", () => {
    const wire = (scheme: string) => encodeWire(parseTarget(`${scheme}://h:1/p`), spec);
    const u = wire("uwsgi");
    expect(wire("fastcgi").vars).toEqual(u.vars);
    expect(wire("scgi").vars).toEqual(u.vars);
    expect(wire("http").vars).toEqual([]);
    expect(u.parts.at(-1)).toBe(spec.body);
  });
});
