// Child process of runs-anywhere.test.ts: `node no-node-globals.mjs DIR bare|node`. Imports the
// compiled core entry (DIR/index.js) after deleting Node's globals ("bare"), as a browser or a
// worker without Node would have it, or with them ("node"); exercises every codec path that
// touches text or memory, and prints one JSON report. Both reports must be equal.
const [dir, mode] = process.argv.slice(2);
const stdout = process.stdout;
const write = (s) => stdout.write(s);
if (mode === "bare") {
  for (const name of ["Buffer", "process", "global", "setImmediate", "clearImmediate"]) {
    delete globalThis[name];
  }
}
const m = await import(new URL("index.js", `file://${dir}/`).href);

const hex = (u8) => Array.from(u8, (b) => b.toString(16).padStart(2, "0")).join("");
const codeOf = (fn) => {
  try {
    fn();
    return "no error";
  } catch (e) {
    return `${e.name} ${e.code} ${e.offset ?? ""}`;
  }
};
const all256 = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
const long = "abcdefghij".repeat(2000); // 20000 chars: more than one fromCharCode call
const report = { globals: [typeof Buffer, typeof process], kinds: [] };
const kind = (u8) => report.kinds.push(u8.constructor.name);

// Encode: latin1 (short and long strings, bytes), utf8 (2, 3 and 4-byte chars).
const latin = m.encodePacket(
  {
    vars: [
      ["ALL", all256],
      ["LONG", long],
      ["RAW", new Uint8Array([0, 255])],
    ],
  },
  {},
);
kind(latin);
report.latin1 = hex(latin);
const utf = m.encodePacket(
  { vars: { K: "é€😀", ASCII: "plain", ["ключ"]: "значение" } },
  { encoding: "utf8" },
);
report.utf8 = hex(utf);
const into = new Uint8Array(64).fill(7);
report.into = [
  m.encodePacketInto({ modifier1: 5, vars: { A: "b" } }, into, 3),
  hex(into.subarray(0, 16)),
];
report.vars = hex(m.encodeVars(new Map([["X", "y"]])));
report.array = hex(m.encodeArray(["fn", "é"]));
report.refusals = [
  codeOf(() => m.encodePacket({ vars: { K: "\u0100" } })),
  codeOf(() => m.encodePacket({ vars: { K: "\ud800" } }, { encoding: "utf8" })),
];

// Decode: strings both ways, views, detach, arrays, raw, an ArrayBuffer as input.
const d = m.decodePacket(latin, 0, { maxDatasize: 65535 });
report.decoded = [d.vars.get("ALL") === all256, d.vars.get("LONG") === long, d.vars.getAll("RAW")];
const view = d.vars.getBytes("RAW");
kind(view);
report.view = [hex(view), view.buffer === latin.buffer];
const kept = d.vars.detach();
kind(kept.raw);
latin.fill(0);
report.detached = kept.get("RAW");
const u = m.decodePacket(utf.buffer.slice(utf.byteOffset, utf.byteOffset + utf.length), 0, {
  encoding: "utf8",
});
report.utf8Decoded = u.vars.toObject();
const bad = m.encodePacket({ vars: [["K", new Uint8Array([0xc3, 0x28])]] });
report.invalidUtf8 = codeOf(() => m.decodePacket(bad, 0, { encoding: "utf8" }).vars.get("K"));
const arr = m.decodePacket(m.encodePacket({ modifier1: 173, items: ["fn", "arg"] }));
report.items = arr.items.toArray();
report.raw = hex(
  m.decodePacket(m.encodePacket({ modifier1: 100, payload: new Uint8Array([1, 2]) }), 0, {
    payload: "raw",
  }).payload,
);
report.header = [m.readHeader(utf), m.bytesMissing(utf.subarray(0, 5))];

// The streaming parser, a packet split across chunks (gathered), and the Web stream decoder.
const wire = m.encodePacket({ vars: { CONTENT_LENGTH: "3", PATH_INFO: "/p" } });
const seen = [];
const parser = new m.PacketParser({
  onPacket: (p) => seen.push(p.vars.get("PATH_INFO")),
  onBody: (b) => seen.push(hex(b)),
  onBodyEnd: () => seen.push("end"),
});
for (const c of [
  wire.subarray(0, 2),
  wire.subarray(2, 9),
  wire.subarray(9),
  new Uint8Array([1, 2, 3]),
])
  parser.push(c);
report.parser = seen;
const stream = new ReadableStream({
  start(c) {
    c.enqueue(wire.subarray(0, 7));
    c.enqueue(wire.subarray(7));
    c.enqueue(new Uint8Array([4, 5, 6]));
    c.close();
  },
}).pipeThrough(new m.PacketDecoderStream());
const events = [];
for await (const e of stream)
  events.push(
    e.type === "packet"
      ? e.packet.vars.get("PATH_INFO")
      : e.type === "body"
        ? hex(e.chunk)
        : e.type,
  );
report.webStream = events;

write(JSON.stringify(report));
