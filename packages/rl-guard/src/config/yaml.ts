/**
 * Strict YAML parsing with positions, through core's loader (YAML 1.2 core schema, unique
 * keys, no aliases, anchors, merge keys or tags, one document, size-limited).
 */
import type { PolicyIssue } from "@agentgov/core";
import { parseStrictYaml, SourceIssues } from "@agentgov/core/policy";

/** A parsed document and a way to find the position of a value by path. */
export interface Located {
  value: unknown;
  locate: (path: readonly (string | number)[]) => { line: number; col: number };
}

/** Parses `text`; returns the issues instead when it is not strict, single-document YAML. */
export function parseStrict(text: string, file: string): Located | PolicyIssue[] {
  try {
    const located = parseStrictYaml(text, file);
    return {
      value: located.value,
      locate: (path) => located.locate(pathText(path)),
    };
  } catch (error) {
    if (error instanceof SourceIssues) return [...error.issues];
    throw error;
  }
}

/** `["rules", 0, "name"]` → `rules[0].name`, the path form core's locator uses. */
function pathText(path: readonly (string | number)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${String(segment)}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out;
}
