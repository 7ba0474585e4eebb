/**
 * Dotted paths (`args.user.password`, `output.items[0]`) for `transform` (`set`, `redact`)
 * and audit redaction. Values are copied on write; the caller's objects are never mutated.
 */

/** The text written in place of a redacted value. */
export const REDACTED = "[REDACTED]";

/** Splits `a.b[0].c` into segments. */
export function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (m === null) {
      out.push(part);
      continue;
    }
    if (m[1] !== undefined && m[1] !== "") out.push(m[1]);
    for (const index of (m[2] ?? "").matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

/** Returns a copy of `root` with the value at `segments` replaced (created along the way for `set`). */
export function setAt(root: unknown, segments: readonly (string | number)[], value: unknown, create: boolean): unknown {
  if (segments.length === 0) return value;
  const [head, ...rest] = segments;
  if (head === undefined) return root;
  if (Array.isArray(root)) {
    if (typeof head !== "number" || head >= root.length) return root;
    const copy = [...(root as unknown[])];
    copy[head] = setAt(copy[head], rest, value, create);
    return copy;
  }
  if (typeof root === "object" && root !== null) {
    const key = String(head);
    const present = Object.hasOwn(root, key);
    if (!present && !create) return root;
    const copy: Record<string, unknown> = { ...(root as Record<string, unknown>) };
    Object.defineProperty(copy, key, { value: setAt(present ? copy[key] : {}, rest, value, create), enumerable: true, writable: true, configurable: true });
    return copy;
  }
  if (!create) return root;
  return setAt({}, segments, value, create);
}
