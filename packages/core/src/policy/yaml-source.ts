/**
 * Strict YAML 1.2 loading (POLICY.md §1): core schema, unique keys, no aliases, anchors,
 * merge keys or explicit tags, one document per file, at most 1 MiB. JSON is read by the
 * same parser (JSON is YAML 1.2), so both report `file:line:col`.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node as YamlNode, parseAllDocuments } from "yaml";
import type { PolicyIssue } from "../errors.js";

/** Largest policy file accepted, in bytes. */
export const MAX_POLICY_FILE_BYTES = 1024 * 1024;

/** A parsed file: plain JS value plus positions of every key and value by path (`rules[0].name`). */
export interface LocatedValue {
  value: unknown;
  /** Position of the value at `path` (or of its key, with `key: true`); line 0 when unknown. */
  locate: (path: string, key?: boolean) => { line: number; col: number };
}

/** Thrown by {@link parseStrictYaml} with the positioned issues of one file. */
export class SourceIssues extends Error {
  constructor(readonly issues: PolicyIssue[]) {
    super(issues.map((i) => i.message).join("; "));
  }
}

/** Parses YAML (or JSON) text strictly. Throws {@link SourceIssues} with positioned issues. */
export function parseStrictYaml(text: string, file: string): LocatedValue {
  if (Buffer.byteLength(text, "utf8") > MAX_POLICY_FILE_BYTES) {
    throw new SourceIssues([{ file, line: 0, col: 0, message: `policy file is larger than ${MAX_POLICY_FILE_BYTES} bytes` }]);
  }
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, {
    version: "1.2",
    schema: "core",
    uniqueKeys: true,
    merge: false,
    strict: true,
    prettyErrors: false,
    lineCounter,
  });
  const at = (offset: number): { line: number; col: number } => {
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, col: pos.col };
  };
  const list = Array.isArray(docs) ? docs : [];
  const issues: PolicyIssue[] = [];
  for (const doc of list) {
    for (const error of [...doc.errors, ...doc.warnings]) {
      const offset = error.pos[0];
      const where = at(offset);
      const message = error.code === "DUPLICATE_KEY" ? "duplicate key" : firstLine(error.message);
      const issue: PolicyIssue = { file, ...where, message };
      if (error.code === "DUPLICATE_KEY") issue.hint = "each key may appear once in a mapping";
      issues.push(issue);
    }
  }
  if (issues.length > 0) throw new SourceIssues(issues);
  if (list.length > 1) {
    const second = list[1]?.range[0] ?? 0;
    throw new SourceIssues([{ file, ...at(second), message: "more than one YAML document in the file", hint: "put several policies in one YAML sequence, or in several files" }]);
  }
  const contents = list[0]?.contents ?? null;
  if (contents === null) {
    throw new SourceIssues([{ file, line: 1, col: 1, message: "the file holds no policy document", hint: "write a policy mapping, or an empty list [] for no policies" }]);
  }
  const valuePos = new Map<string, number>();
  const keyPos = new Map<string, number>();
  const value = toPlain(contents, "", { file, at, valuePos, keyPos, issues });
  if (issues.length > 0) throw new SourceIssues(issues);
  return {
    value,
    locate: (path, key = false) => {
      const offset = (key ? keyPos.get(path) : undefined) ?? valuePos.get(path) ?? nearestParent(path, valuePos);
      return offset === undefined ? { line: 0, col: 0 } : at(offset);
    },
  };
}

interface Walk {
  file: string;
  at: (offset: number) => { line: number; col: number };
  valuePos: Map<string, number>;
  keyPos: Map<string, number>;
  issues: PolicyIssue[];
}

function toPlain(node: unknown, path: string, walk: Walk): unknown {
  // A key without a value (`? key`, or `key:` at the end of a flow map) has no value node.
  if (node === null || node === undefined) return null;
  const yamlNode = node as YamlNode;
  const start = yamlNode.range?.[0] ?? 0;
  walk.valuePos.set(path, start);
  if (isAlias(node)) {
    walk.issues.push({ file: walk.file, ...walk.at(start), message: "YAML aliases are not allowed in policy files", hint: "repeat the value instead of *alias" });
    return null;
  }
  if ((yamlNode as { anchor?: string }).anchor !== undefined) {
    walk.issues.push({ file: walk.file, ...walk.at(start), message: "YAML anchors are not allowed in policy files", hint: "remove the &anchor" });
  }
  if ((yamlNode as { tag?: string }).tag !== undefined) {
    walk.issues.push({ file: walk.file, ...walk.at(start), message: `explicit YAML tags are not allowed (${String((yamlNode as { tag?: string }).tag)})` });
  }
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const keyNode = pair.key;
      const keyStart = (keyNode as YamlNode | null)?.range?.[0] ?? start;
      if (!isScalar(keyNode) || typeof keyNode.value !== "string") {
        walk.issues.push({ file: walk.file, ...walk.at(keyStart), message: "mapping keys must be strings" });
        continue;
      }
      const key = keyNode.value;
      if (key === "<<") {
        walk.issues.push({ file: walk.file, ...walk.at(keyStart), message: "YAML merge keys (<<) are not allowed in policy files" });
        continue;
      }
      const childPath = path === "" ? key : `${path}.${key}`;
      walk.keyPos.set(childPath, keyStart);
      Object.defineProperty(out, key, { value: toPlain(pair.value, childPath, walk), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (isSeq(node)) {
    return node.items.map((item, i) => toPlain(item, `${path}[${i}]`, walk));
  }
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === "bigint") return Number(v);
    return v;
  }
  return null;
}

function nearestParent(path: string, positions: Map<string, number>): number | undefined {
  let p = path;
  while (p !== "") {
    const cut = Math.max(p.lastIndexOf("."), p.lastIndexOf("["));
    p = cut <= 0 ? "" : p.slice(0, cut);
    const found = positions.get(p);
    if (found !== undefined) return found;
  }
  return positions.get("");
}

function firstLine(message: string): string {
  const line = message.split("\n")[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, "");
}
