/** A small strict validator that collects positioned issues by key path. */
import type { PolicyIssue } from "@agentgov/core";
import { isObject } from "../internal/canonical.js";

/** A key path into the configuration. */
export type Path = readonly (string | number)[];

/** Collects issues; every getter reports and returns undefined on a bad value. */
export class Checker {
  readonly issues: PolicyIssue[] = [];
  constructor(
    readonly file: string,
    private readonly locate: (path: Path) => { line: number; col: number },
  ) {}

  /** Records an issue at `path`. */
  report(path: Path, message: string, hint?: string): void {
    const issue: PolicyIssue = { file: this.file, ...this.locate(path), key: keyOf(path), message };
    if (hint !== undefined) issue.hint = hint;
    this.issues.push(issue);
  }

  /** The object at `path`, checking that it has only `keys` (and all of `required`). */
  object(value: unknown, path: Path, keys: readonly string[] | "any", required: readonly string[] = []): Record<string, unknown> | undefined {
    if (!isObject(value)) {
      this.report(path, "must be a mapping");
      return undefined;
    }
    if (keys !== "any") for (const key of Object.keys(value)) if (!keys.includes(key)) this.report([...path, key], `unknown key '${key}'`, `expected one of: ${keys.join(", ")}`);
    for (const key of required) if (!(key in value)) this.report(path, `missing key '${key}'`);
    return value;
  }

  /** A non-empty string. */
  string(value: unknown, path: Path): string | undefined {
    if (typeof value === "string" && value.length > 0) return value;
    this.report(path, "must be a non-empty string");
    return undefined;
  }

  /** A finite number within [min, max]. */
  number(value: unknown, path: Path, min = -Infinity, max = Infinity): number | undefined {
    if (typeof value === "number" && Number.isFinite(value) && value >= min && value <= max) return value;
    this.report(path, `must be a number${min === -Infinity ? "" : ` >= ${min}`}${max === Infinity ? "" : ` <= ${max}`}`);
    return undefined;
  }

  /** A safe integer within [min, max]. */
  integer(value: unknown, path: Path, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= min && value <= max) return value;
    this.report(path, `must be an integer >= ${min}`);
    return undefined;
  }

  /** A boolean. */
  boolean(value: unknown, path: Path): boolean | undefined {
    if (typeof value === "boolean") return value;
    this.report(path, "must be true or false");
    return undefined;
  }

  /** One of `choices`. */
  oneOf<T extends string>(value: unknown, path: Path, choices: readonly T[]): T | undefined {
    if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
    this.report(path, `must be one of: ${choices.join(", ")}`);
    return undefined;
  }

  /** A list of non-empty strings. */
  strings(value: unknown, path: Path): string[] | undefined {
    if (!Array.isArray(value)) {
      this.report(path, "must be a list of strings");
      return undefined;
    }
    const out: string[] = [];
    value.forEach((item: unknown, i) => {
      const s = this.string(item, [...path, i]);
      if (s !== undefined) out.push(s);
    });
    return out.length === value.length ? out : undefined;
  }
}

function keyOf(path: Path): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}
