import { describe, expect, it } from "vitest";
import { ConnectionList } from "../../src/server/connection-list.js";

const entry = (name: string) => ({ name, listIndex: -1 });

describe("ConnectionList", () => {
  it("keeps each entry once, removes any of them in O(1), ignores what it does not hold", () => {
    const list = new ConnectionList<ReturnType<typeof entry>>();
    const [a, b, c, d] = ["a", "b", "c", "d"].map(entry) as [
      ReturnType<typeof entry>,
      ReturnType<typeof entry>,
      ReturnType<typeof entry>,
      ReturnType<typeof entry>,
    ];
    for (const e of [a, b, c]) list.add(e);
    expect(list.size).toBe(3);
    list.delete(a); // the last one takes its place
    expect(list.snapshot().map((e) => e.name)).toEqual(["c", "b"]);
    expect([a.listIndex, c.listIndex, b.listIndex]).toEqual([-1, 0, 1]);
    list.delete(a); // twice: nothing
    list.delete(d); // never added: nothing
    const other = new ConnectionList<ReturnType<typeof entry>>();
    other.add(d); // d.listIndex 0 in another list: not this one's c
    list.delete(d);
    expect(list.snapshot().map((e) => e.name)).toEqual(["c", "b"]);
    list.delete(b); // the last entry
    list.delete(c);
    expect(list.size).toBe(0);
    expect(list.snapshot()).toEqual([]);
  });

  it("a snapshot stays whole while entries are removed during a walk", () => {
    const list = new ConnectionList<ReturnType<typeof entry>>();
    const all = ["a", "b", "c", "d"].map(entry);
    for (const e of all) list.add(e);
    const seen: string[] = [];
    for (const e of list.snapshot()) {
      seen.push(e.name);
      list.delete(e);
    }
    expect(seen).toEqual(["a", "b", "c", "d"]);
    expect(list.size).toBe(0);
  });
});
