// Interim (1xx) answers before the final one, from real uWSGI (an app that writes them with
// uwsgi.send) and from scripted backends for what uWSGI cannot be made to write; answers whose
// status or header bytes are not HTTP are MALFORMED_ANSWER; the gateway answers with the final
// answer and its error answers carry its own reason phrase.
import type { Server } from "node:http";
import type { Socket } from "node:net";
import { buffer } from "node:stream/consumers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UwsgiClientError } from "../../src/client/errors.js";
import { createGateway } from "../../src/client/gateway.js";
import { type InformationalAnswer, request } from "../../src/client/request.js";
import { exchange, parseHttpAnswer } from "../interop/support/exchange.js";
import { type FakeBackend, fakeBackendForTest } from "./support/fake-backend.js";
import { type ClientPeer, startClientPeer } from "./support/uwsgi-peer.js";

let peer: ClientPeer | undefined;
beforeAll(async () => {
  peer = await startClientPeer({ app: "interim_answers.py", threads: 2 });
});
afterAll(async () => {
  await peer?.stop();
});

/** A backend that writes `parts` once the request arrives, with a pause between them. */
async function answering(parts: (string | Buffer)[]): Promise<FakeBackend> {
  const backend = await fakeBackendForTest((socket: Socket) => {
    socket.once("data", async () => {
      for (const part of parts) {
        if (socket.destroyed) return;
        socket.write(typeof part === "string" ? Buffer.from(part, "latin1") : part);
        await new Promise((r) => setImmediate(r));
      }
      socket.end();
    });
  });
  return backend;
}

const vars = { REQUEST_METHOD: "GET", PATH_INFO: "/", SERVER_PROTOCOL: "HTTP/1.1" };
const HINTS =
  "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n" +
  "Link: </app.js>; rel=preload; as=script\r\n\r\n";

describe("interim answers from real uWSGI", () => {
  for (const path of ["/100", "/103", "/both"]) {
    it(`${path}: resolves with the final 200, interim answers reported in order`, async () => {
      const seen: InformationalAnswer[] = [];
      const res = await request({
        host: "127.0.0.1",
        port: peer!.port,
        vars: { ...vars, PATH_INFO: path },
        body: "abc",
        onInformation: (info) => seen.push(info),
      });
      expect([res.statusCode, res.statusMessage]).toEqual([200, "OK"]);
      expect(JSON.parse((await buffer(res.body)).toString())).toEqual({ path, body_length: 3 });
      const expected = { "/100": [100], "/103": [103], "/both": [100, 103] }[path];
      expect(seen.map((i) => i.statusCode)).toEqual(expected);
      const hints = seen.find((i) => i.statusCode === 103);
      if (hints !== undefined) {
        expect(hints.statusMessage).toBe("Early Hints");
        expect(hints.httpVersion).toBe("1.1");
        expect(hints.headers).toEqual({
          link: "</style.css>; rel=preload; as=style, </app.js>; rel=preload; as=script",
        });
        expect(hints.rawHeaders).toEqual([
          "Link",
          "</style.css>; rel=preload; as=style",
          "Link",
          "</app.js>; rel=preload; as=script",
        ]);
      }
    });
  }

  it("the gateway answers the final answer, not the interim one", async () => {
    const gateway: Server = createGateway({ upstream: { port: peer!.port } });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    try {
      const port = (gateway.address() as { port: number }).port;
      const raw = Buffer.from("GET /both HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      const answer = parseHttpAnswer((await exchange(port, [raw])).answer);
      expect(answer.statusLine).toBe("HTTP/1.1 200 OK");
      expect(JSON.parse(answer.body.toString())).toEqual({ path: "/both", body_length: 0 });
    } finally {
      await new Promise((r) => gateway.close(r));
    }
  });
});

describe("interim answers from a scripted backend", () => {
  const final = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  it("a 103 and a 102 then the final answer, one byte per write", async () => {
    const text = `${HINTS}HTTP/1.1 102 Processing\r\n\r\n${final}`;
    const backend = await answering([...text]);
    const seen: number[] = [];
    const res = await request({
      port: backend.port,
      vars,
      onInformation: (i) => seen.push(i.statusCode),
    });
    expect([res.statusCode, (await buffer(res.body)).toString()]).toEqual([200, "ok"]);
    expect(seen).toEqual([103, 102]);
  });

  it("interim answers without a callback are skipped", async () => {
    const backend = await answering([`HTTP/1.1 100 Continue\r\n\r\n${final}`]);
    const res = await request({ port: backend.port, vars });
    expect([res.statusCode, (await buffer(res.body)).toString()]).toEqual([200, "ok"]);
  });

  it("endless interim answers are bounded by maxHeaderSize: HEADER_TOO_LARGE", async () => {
    const backend = await answering(
      Array.from({ length: 200 }, () => "HTTP/1.1 100 Continue\r\n\r\n"),
    );
    const err = await request({ port: backend.port, vars, maxHeaderSize: 1024 }).catch((e) => e);
    expect(err).toBeInstanceOf(UwsgiClientError);
    expect(err.code).toBe("HEADER_TOO_LARGE");
  });

  it("an interim answer after which the backend closes: CLOSED_BEFORE_ANSWER", async () => {
    const backend = await answering(["HTTP/1.1 100 Continue\r\n\r\n"]);
    const err = await request({ port: backend.port, vars }).catch((e) => e);
    expect(err.code).toBe("CLOSED_BEFORE_ANSWER");
  });

  it("a callback that throws rejects the call with its own error", async () => {
    const backend = await answering([HINTS, final]);
    const boom = new Error("listener failed");
    const err = await request({
      port: backend.port,
      vars,
      onInformation: () => {
        throw boom;
      },
    }).catch((e) => e);
    expect(err).toBe(boom);
  });

  it("101 Switching Protocols is the final answer; its body runs until the backend closes", async () => {
    const backend = await answering([
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
      "raw bytes",
    ]);
    const res = await request({ port: backend.port, vars });
    expect(res.statusCode).toBe(101);
    expect((await buffer(res.body)).toString()).toBe("raw bytes");
  });
});

describe("answers that are not HTTP: MALFORMED_ANSWER", () => {
  const cases: [string, string][] = [
    ["status 000", "HTTP/1.1 000 Zero\r\n\r\n"],
    ["status 099", "HTTP/1.1 099 Low\r\n\r\n"],
    ["a NUL in the reason", "HTTP/1.1 200 O\x00K\r\n\r\n"],
    ["a control byte in the reason", "HTTP/1.1 200 O\x01K\r\n\r\n"],
    ["a CR inside a header value", "HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"],
    ["a NUL in a header value", "HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n"],
    ["a control byte in a header value", "HTTP/1.1 200 OK\r\nX: a\x0bb\r\n\r\n"],
    ["a DEL in a header value", "HTTP/1.1 200 OK\r\nX: a\x7fb\r\n\r\n"],
    ["a header name that is not a token", "HTTP/1.1 200 OK\r\nBad(Name: v\r\n\r\n"],
    ["a header name with a byte over 0x7f", "HTTP/1.1 200 OK\r\nX\xe9: v\r\n\r\n"],
    ["a malformed interim answer", "HTTP/1.1 103 Early Hints\r\nX: a\x00\r\n\r\n"],
  ];
  for (const [name, text] of cases) {
    it(name, async () => {
      const backend = await answering([text]);
      const err = await request({ port: backend.port, vars }).catch((e) => e);
      expect(err).toBeInstanceOf(UwsgiClientError);
      expect(err.code).toBe("MALFORMED_ANSWER");
    });
  }

  it("a status from 100 to 999, a tab and bytes over 0x7f in values are accepted", async () => {
    const backend = await answering([
      "HTTP/1.1 999 Odd\r\nX: a\tb\xe9\r\nContent-Length: 0\r\n\r\n",
    ]);
    const res = await request({ port: backend.port, vars });
    expect([res.statusCode, res.statusMessage, res.headers["x"]]).toEqual([999, "Odd", "a\tb\xe9"]);
  });
});

describe("the gateway's own error answers", () => {
  it("a 101 cannot pass through: 502 Bad Gateway, and the upstream connection is closed", async () => {
    let closed: Promise<unknown> = Promise.resolve();
    const backend = await fakeBackendForTest((socket) => {
      closed = new Promise((resolve) => socket.once("close", resolve));
      socket.once("data", () => socket.write("HTTP/1.1 101 Switching Protocols\r\n\r\nraw"));
    });
    const gateway = createGateway({ upstream: { port: backend.port } });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    try {
      const port = (gateway.address() as { port: number }).port;
      const raw = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      const answer = parseHttpAnswer((await exchange(port, [raw])).answer);
      expect(answer.statusLine).toBe("HTTP/1.1 502 Bad Gateway");
      await closed;
    } finally {
      await new Promise((r) => gateway.close(r));
    }
  });

  it("an answer with a NUL in a header: 502 Bad Gateway (never '502 OK')", async () => {
    const backend = await answering([
      "HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 2\r\n\r\nok",
    ]);
    const errors: Error[] = [];
    const gateway = createGateway({
      upstream: { port: backend.port },
      onError: (e) => errors.push(e),
    });
    await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
    try {
      const port = (gateway.address() as { port: number }).port;
      const raw = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      const answer = parseHttpAnswer((await exchange(port, [raw])).answer);
      expect(answer.statusLine).toBe("HTTP/1.1 502 Bad Gateway");
      expect(errors).toHaveLength(1);
    } finally {
      await new Promise((r) => gateway.close(r));
    }
  });
});
