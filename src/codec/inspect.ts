// How decoded views print under console.log and util.inspect, without importing node:util: Node
// looks up this registered symbol on any object and calls it with (depth, options, inspect).
// Elsewhere the symbol is just an unused key.

/** Node's `util.inspect.custom`. */
export const INSPECT: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

/** The `inspect` function Node passes to a custom inspector. */
export type Inspect = (value: unknown, options: object) => string;

/** Options for inspecting what this object shows, `depth` levels below the caller's limit. */
function within(options: object, depth: number): object {
  return { ...options, depth };
}

/** `Name <value as inspect prints it>`, or `[Name]` past the depth limit. */
export function inspectAs(
  name: string,
  value: unknown,
  depth: number,
  options: object,
  inspect: Inspect,
): string {
  if (depth < 0) return `[${name}]`;
  // `value` stands for this object: it gets this object's remaining depth, not one less.
  return `${name} ${inspect(value, within(options, depth))}`;
}

// Node's own break length for one-line collections.
const BREAK_LENGTH = 72;

/**
 * `Name(n) { 'key' => 'value', ... }` as Node prints a Map, but with duplicate keys kept in wire
 * order. `pairs` are already inspected by the caller.
 */
export function inspectPairs(
  name: string,
  count: number,
  pairs: readonly (readonly [unknown, unknown])[],
  depth: number,
  options: object,
  inspect: Inspect,
): string {
  if (depth < 0) return `[${name}]`;
  const inner = within(options, depth - 1);
  const lines = pairs.map(([k, v]) => `${inspect(k, inner)} => ${inspect(v, inner)}`);
  const head = `${name}(${count})`;
  if (lines.length === 0) return `${head} {}`;
  const flat = `${head} { ${lines.join(", ")} }`;
  return flat.length <= BREAK_LENGTH && !flat.includes("\n")
    ? flat
    : `${head} {\n${lines.map((l) => `  ${l.replaceAll("\n", "\n  ")}`).join(",\n")}\n}`;
}
