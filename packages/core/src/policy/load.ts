/**
 * Loading policies from files, text or objects (POLICY.md §1). Every problem is
 * collected and thrown as one {@link PolicyLoadError}; nothing partially loads.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { type PolicyIssue, PolicyLoadError } from "../errors.js";
import type { Node } from "./condition/ast.js";
import { compileCondition, type Predicate } from "./condition/compile.js";
import { parseCondition } from "./condition/parser.js";
import { ConditionSyntaxError } from "./condition/syntax-error.js";
import type { NormalizedPolicy, PolicyDocument } from "./document.js";
import { MAX_POLICY_FILE_BYTES, parseStrictYaml, SourceIssues } from "./yaml-source.js";
import { type IssueSink, isRecord, report, validatePolicy } from "./validate.js";

/**
 * Where a policy comes from: a file path (a string without a newline), YAML/JSON text
 * (a string with a newline, or `{ text, file? }`), `{ path }`, or a document object.
 */
export type PolicySource = string | { path: string } | { text: string; file?: string } | PolicyDocument;

/** A rule's compiled condition. */
export interface CompiledCondition {
  ast: Node;
  predicate: Predicate;
}

/** A validated policy with its rules' compiled conditions (same order as `policy.rules`). */
export interface LoadedPolicy {
  policy: NormalizedPolicy;
  conditions: (CompiledCondition | null)[];
}

/** Options of {@link loadPolicies}. */
export interface LoadPoliciesOptions {
  /** Base directory for relative paths (default `process.cwd()`). */
  cwd?: string;
}

/** Loads, validates and compiles policies. Throws {@link PolicyLoadError} naming file, line and column. */
export function loadPolicies(sources: readonly PolicySource[], options: LoadPoliciesOptions = {}): LoadedPolicy[] {
  const issues: PolicyIssue[] = [];
  const loaded: LoadedPolicy[] = [];
  const seen = new Map<string, string>();
  sources.forEach((source, index) => {
    for (const item of loadSource(source, index, options, issues)) {
      const prior = seen.get(item.policy.name);
      if (prior !== undefined) {
        issues.push({ file: item.policy.file, line: 0, col: 0, key: "name", message: `duplicate policy name '${item.policy.name}' (also in ${prior})`, hint: "policy names must be unique among loaded policies" });
        continue;
      }
      seen.set(item.policy.name, item.policy.file);
      loaded.push(item);
    }
  });
  if (issues.length > 0) throw new PolicyLoadError(sortByPosition(issues));
  return loaded;
}

/** Orders issues by file (first appearance), then line and column; stable otherwise. */
function sortByPosition(issues: PolicyIssue[]): PolicyIssue[] {
  const fileOrder = new Map<string, number>();
  for (const issue of issues) if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (fileOrder.get(a.issue.file) ?? 0) - (fileOrder.get(b.issue.file) ?? 0) || a.issue.line - b.issue.line || a.issue.col - b.issue.col || a.i - b.i)
    .map(({ issue }) => issue);
}

function loadSource(source: PolicySource, index: number, options: LoadPoliciesOptions, issues: PolicyIssue[]): LoadedPolicy[] {
  if (typeof source === "string") {
    return source.includes("\n") ? loadText(source, `<inline ${index + 1}>`, issues) : loadFile(source, options, issues);
  }
  const record: Record<string, unknown> = isRecord(source) ? source : {};
  if (!("apiVersion" in record)) {
    if (typeof record.path === "string") return loadFile(record.path, options, issues);
    if (typeof record.text === "string") {
      return loadText(record.text, typeof record.file === "string" ? record.file : `<inline ${index + 1}>`, issues);
    }
  }
  const file = `<object ${index + 1}>`;
  return loadValue(source, file, () => ({ line: 0, col: 0 }), undefined, issues);
}

function loadFile(path: string, options: LoadPoliciesOptions, issues: PolicyIssue[]): LoadedPolicy[] {
  const full = resolve(options.cwd ?? process.cwd(), path);
  let text: string;
  try {
    const size = statSync(full).size;
    if (size > MAX_POLICY_FILE_BYTES) {
      issues.push({ file: path, line: 0, col: 0, message: `policy file is larger than ${MAX_POLICY_FILE_BYTES} bytes` });
      return [];
    }
    text = readFileSync(full, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "";
    const issue: PolicyIssue = { file: path, line: 0, col: 0, message: `cannot read policy file${code === "" ? "" : ` (${code})`}` };
    if (code === "ENOENT") issue.hint = "check the path";
    issues.push(issue);
    return [];
  }
  return loadText(text, path, issues);
}

function loadText(text: string, file: string, issues: PolicyIssue[]): LoadedPolicy[] {
  try {
    const located = parseStrictYaml(text, file);
    return loadValue(located.value, file, located.locate, text, issues);
  } catch (error) {
    if (error instanceof SourceIssues) {
      issues.push(...error.issues);
      return [];
    }
    throw error;
  }
}

function loadValue(value: unknown, file: string, locate: IssueSink["locate"], text: string | undefined, issues: PolicyIssue[]): LoadedPolicy[] {
  const sink: IssueSink = { file, locate, issues };
  const docs: [unknown, string][] = Array.isArray(value) ? value.map((v: unknown, i) => [v, `[${i}]`]) : [[value, ""]];
  const out: LoadedPolicy[] = [];
  const names = new Set<string>();
  for (const [doc, base] of docs) {
    const before = issues.length;
    // Conditions are compiled from the raw rules first, so that their errors are reported
    // together with every other problem of the document.
    const rawRules = isRecord(doc) && Array.isArray(doc.rules) ? (doc.rules as unknown[]) : [];
    const conditions = rawRules.map((rule, i) => {
      const condition = isRecord(rule) ? rule.condition : undefined;
      if (typeof condition !== "string") return null;
      return compileAt(condition, `${base === "" ? "" : base + "."}rules[${i}].condition`, sink, text);
    });
    const policy = validatePolicy(doc, base, sink);
    if (policy === null || issues.length > before) continue;
    if (names.has(policy.name)) {
      report(sink, base === "" ? "name" : `${base}.name`, `duplicate policy name '${policy.name}'`, "policy names must be unique among loaded policies");
      continue;
    }
    names.add(policy.name);
    out.push({ policy, conditions });
  }
  return out;
}

/** Parses and compiles one condition, reporting a syntax error at its position in the file. */
function compileAt(condition: string, path: string, sink: IssueSink, text: string | undefined): CompiledCondition | null {
  try {
    const ast = parseCondition(condition);
    return { ast, predicate: compileCondition(ast) };
  } catch (error) {
    if (!(error instanceof ConditionSyntaxError)) throw error;
    const inExpr = lineCol(condition, error.offset);
    const issue: PolicyIssue = {
      file: sink.file,
      ...fileColumn(sink.locate(path), condition, error.offset, text),
      key: path,
      message: `condition: ${error.message} at ${inExpr.line}:${inExpr.col}`,
    };
    if (error.hint !== undefined) issue.hint = error.hint;
    sink.issues.push(issue);
    return null;
  }
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return { line, col: offset - before.lastIndexOf("\n") };
}

/** Maps an offset in a condition to the file when the condition sits verbatim on one line. */
function fileColumn(start: { line: number; col: number }, condition: string, offset: number, text: string | undefined): { line: number; col: number } {
  if (text === undefined || start.line === 0 || condition.includes("\n")) return start;
  const lineText = text.split("\n", start.line)[start.line - 1] ?? "";
  let col = start.col - 1;
  const first = lineText.charAt(col);
  if (first === "'" || first === '"') col++;
  return lineText.startsWith(condition, col) ? { line: start.line, col: col + offset + 1 } : start;
}
