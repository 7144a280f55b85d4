/** The name and code of what `f` throws (Node's argument errors); fails when it throws nothing. */
export function thrown(f: () => unknown): { name: string; code: string } {
  try {
    f();
  } catch (e) {
    return { name: (e as Error).name, code: (e as { code: string }).code };
  }
  throw new Error("did not throw");
}
