import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../internal/canonical-json.js";
import { auditArgs, SECRET_KEY_PATTERN } from "./audit-args.js";
import { REDACTED, setAt, splitPath } from "./paths.js";

/** The scrub as it was before copy-on-write: always a fresh copy. The reference output. */
function copyingScrub(value: unknown, depth: number): unknown {
  if (depth > 64) return REDACTED;
  if (Array.isArray(value)) return value.map((v: unknown) => copyingScrub(v, depth + 1));
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    Object.defineProperty(out, key, { value: SECRET_KEY_PATTERN.test(key) ? REDACTED : copyingScrub(v, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function reference(args: unknown, redactPaths: readonly string[]): unknown {
  let out = copyingScrub(args, 0);
  for (const path of redactPaths) if (path.startsWith("args.")) out = setAt(out, splitPath(path.slice("args.".length)), REDACTED, false);
  return out;
}

/** JSON values whose keys are often secret-looking or `__proto__`. */
const key = fc.oneof(fc.string(), fc.constantFrom("password", "api_key", "Authorization", "token", "__proto__", "query", "a", "b"));
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant(REDACTED)),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(key, tie("value"), { maxKeys: 4 }),
  ),
})).value;
const paths = fc.array(fc.constantFrom("args.a", "args.b.a", "args.0", "args.query", "args.a.0", "output", "args.password"), { maxLength: 3 });

describe("auditArgs (redacted)", () => {
  it("records the same canonical JSON as a copying scrub and never mutates the arguments", () => {
    fc.assert(
      fc.property(json, paths, (args, redact) => {
        const before = canonicalJson(args);
        const expected = canonicalJson(reference(args, redact));
        expect(canonicalJson(auditArgs(args, "redacted", redact))).toBe(expected);
        expect(canonicalJson(args)).toBe(before);
      }),
      { numRuns: 500 },
    );
  });

  it("returns arguments that need no redaction as they are, and copies only the redacted branch", () => {
    const args = { query: "SELECT 1", opts: { limit: 5 }, list: [1, { x: 2 }] };
    expect(auditArgs(args, "redacted", undefined)).toBe(args);
    const secretive = { query: "SELECT 1", opts: { limit: 5 }, auth: { password: "hunter2", user: "ann" } };
    const out = auditArgs(secretive, "redacted", undefined) as typeof secretive;
    expect(out).not.toBe(secretive);
    expect(out.opts).toBe(secretive.opts);
    expect(out).toEqual({ query: "SELECT 1", opts: { limit: 5 }, auth: { password: REDACTED, user: "ann" } });
    expect(secretive.auth.password).toBe("hunter2");
  });

  it("redacts inside arrays without touching the input, and keeps an own __proto__ key as data", () => {
    const args = JSON.parse('[{"ok":1},{"token":"t","__proto__":{"secret":"s"}}]') as unknown[];
    const out = auditArgs(args, "redacted", undefined) as unknown[];
    expect(out[0]).toBe(args[0]);
    expect(canonicalJson(out)).toBe('[{"ok":1},{"__proto__":{"secret":"[REDACTED]"},"token":"[REDACTED]"}]');
    expect(canonicalJson(args)).toBe('[{"ok":1},{"__proto__":{"secret":"s"},"token":"t"}]');
  });

  it("replaces what nests deeper than 64 levels", () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 70; i++) deep = { n: deep };
    expect(canonicalJson(auditArgs(deep, "redacted", undefined))).toBe(canonicalJson(reference(deep, [])));
  });
});
