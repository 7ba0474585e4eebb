/**
 * Load-time screening of `matches` patterns against catastrophic backtracking
 * (POLICY.md §3): back-references, look-behind and nested unbounded quantifiers are
 * rejected. The scan walks the pattern once, tracking groups, classes and escapes.
 */

/** Why a pattern was rejected, with the 0-based offset in the pattern. */
export interface RegexRejection {
  message: string;
  offset: number;
}

interface GroupFrame {
  /** Offset of the '('. */
  at: number;
  /** The group contains an unbounded quantifier (at any depth). */
  unbounded: boolean;
}

/** Returns why `pattern` is unsafe, or null when it passes the screen. */
export function screenRegex(pattern: string): RegexRejection | null {
  const stack: GroupFrame[] = [{ at: -1, unbounded: false }];
  /** What the last atom was: a closed group (with its unbounded flag), or a plain atom. */
  let lastGroup: GroupFrame | null = null;
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    const top = stack[stack.length - 1];
    if (top === undefined) throw new Error("unreachable: empty group stack");
    if (c === "\\") {
      const e = pattern.charAt(i + 1);
      if (/[1-9]/.test(e) || e === "k") return { message: "back-references are not allowed in 'matches' patterns", offset: i };
      lastGroup = null;
      i += 2;
      continue;
    }
    if (c === "[") {
      i = skipClass(pattern, i);
      lastGroup = null;
      continue;
    }
    if (c === "(") {
      if (pattern.startsWith("(?<=", i) || pattern.startsWith("(?<!", i)) {
        return { message: "look-behind is not allowed in 'matches' patterns", offset: i };
      }
      stack.push({ at: i, unbounded: false });
      lastGroup = null;
      i += pattern.startsWith("(?", i) ? skipGroupPrefix(pattern, i) : 1;
      continue;
    }
    if (c === ")") {
      const closed = stack.pop();
      if (closed === undefined || stack.length === 0) return null; // unbalanced: RegExp reports it
      lastGroup = closed;
      i++;
      continue;
    }
    const quantifier = readQuantifier(pattern, i);
    if (quantifier !== null) {
      if (quantifier.unbounded) {
        if (lastGroup?.unbounded === true) {
          return { message: "nested unbounded quantifiers (such as (a+)*) are not allowed in 'matches' patterns", offset: lastGroup.at };
        }
        for (const frame of stack) frame.unbounded = true;
      }
      lastGroup = null;
      i = quantifier.end;
      continue;
    }
    lastGroup = null;
    i++;
  }
  return null;
}

/** Skips a character class starting at `start` ('['); returns the offset after ']'. */
function skipClass(pattern: string, start: number): number {
  let i = start + 1;
  if (pattern.charAt(i) === "^") i++;
  if (pattern.charAt(i) === "]") i++;
  while (i < pattern.length) {
    const c = pattern.charAt(i);
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (c === "]") return i + 1;
    i++;
  }
  return i;
}

/** Length of a group prefix such as `(?:`, `(?=`, `(?!`, `(?<name>`. */
function skipGroupPrefix(pattern: string, start: number): number {
  if (pattern.startsWith("(?<", start)) {
    const close = pattern.indexOf(">", start);
    return close === -1 ? 3 : close - start + 1;
  }
  return 3;
}

/** Reads a quantifier (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy) at `i`. */
function readQuantifier(pattern: string, i: number): { unbounded: boolean; end: number } | null {
  const c = pattern.charAt(i);
  let end: number;
  let unbounded: boolean;
  if (c === "*" || c === "+") {
    unbounded = true;
    end = i + 1;
  } else if (c === "?") {
    unbounded = false;
    end = i + 1;
  } else if (c === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i, i + 32));
    if (m === null) return null;
    const hasComma = m[2] !== undefined;
    const upper = m[3];
    unbounded = hasComma && (upper === undefined || upper === "");
    end = i + m[0].length;
  } else {
    return null;
  }
  if (pattern.charAt(end) === "?") end++;
  return { unbounded, end };
}
