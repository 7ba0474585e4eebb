/**
 * Glob patterns (POLICY.md §3). In conditions (`glob(value, 'fs.*')`), `*` matches any run
 * of characters except `.`, `**` any run, `?` one character other than `.`. In a policy's
 * `agents` list, `*` matches any run including `.` and `?` any one character.
 */

/** Where the glob is used, which decides whether `*` crosses dots. */
export type GlobFlavour = "condition" | "agents";

/** Compiles a glob to an anchored regular expression (built from escaped text only). */
export function compileGlob(pattern: string, flavour: GlobFlavour): RegExp {
  let source = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === "*") {
      if (pattern.charAt(i + 1) === "*") {
        while (pattern.charAt(i + 1) === "*") i++;
        source += "[\\s\\S]*";
      } else {
        source += flavour === "agents" ? "[\\s\\S]*" : "[^.]*";
      }
    } else if (c === "?") {
      source += flavour === "agents" ? "[\\s\\S]" : "[^.]";
    } else {
      source += c.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
    }
  }
  return new RegExp(source + "$", "u");
}
