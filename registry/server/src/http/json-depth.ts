/**
 * Linear pre-scan of JSON text before `JSON.parse` (REGISTRY.md §6.2, §6.5): the nesting depth
 * of arrays and objects, counted outside strings, so that a nesting bomb is refused without
 * building it; and duplicate keys in any object, which `JSON.parse` would silently resolve to
 * the last one. Memory is bounded by the input (one key set per open object).
 */

/** Why `bytes` (UTF-8 JSON) is refused before parsing, or `undefined`. Syntax errors are left to `JSON.parse`. */
export function jsonPrescanProblem(bytes: Uint8Array, maxDepth: number): string | undefined {
  // One entry per open container: a key set for objects, undefined for arrays.
  const stack: (Set<string> | undefined)[] = [];
  let expectKey = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x22) {
      const start = i;
      for (i++; i < bytes.length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
      const keys = stack.at(-1);
      if (expectKey && keys !== undefined) {
        let key: unknown;
        try {
          key = JSON.parse(Buffer.from(bytes.subarray(start, i + 1)).toString("utf8"));
        } catch {
          return undefined;
        }
        if (typeof key !== "string" || keys.has(key)) return `duplicate key ${JSON.stringify(key)}`;
        keys.add(key);
      }
      expectKey = false;
    } else if (b === 0x7b || b === 0x5b) {
      stack.push(b === 0x7b ? new Set() : undefined);
      if (stack.length > maxDepth) return `JSON nested deeper than ${maxDepth}`;
      expectKey = b === 0x7b;
    } else if (b === 0x7d || b === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (b === 0x2c) {
      expectKey = stack.at(-1) !== undefined;
    }
  }
  return undefined;
}

/** True when the nesting depth of `bytes` never exceeds `maxDepth` (and no object repeats a key). */
export function jsonDepthWithin(bytes: Uint8Array, maxDepth: number): boolean {
  return jsonPrescanProblem(bytes, maxDepth) === undefined;
}
