/**
 * Validation of policy documents against POLICY.md §1: unknown keys, wrong types,
 * values outside their lists, and the cross-key rules are load errors, each with the
 * file, line and column and, where it can be guessed, the likely fix.
 */
import type { PolicyIssue } from "../errors.js";
import { API_VERSIONS, type NormalizedPolicy, type NormalizedRule, type RateLimit, SEVERITIES } from "./document.js";
import { CONFLICT_STRATEGIES, RULE_ACTIONS, STAGES, type RuleAction } from "./types.js";

const POLICY_KEYS = ["apiVersion", "name", "description", "version", "agents", "agent", "scope", "mode", "default_action", "conflict_strategy", "rules"] as const;
const RULE_KEYS = ["name", "description", "condition", "action", "ruleAction", "effect", "priority", "enabled", "stage", "message", "severity", "approvers", "quorum", "limit", "redact", "set", "surfaces"] as const;
const OUTCOME_KEYS = ["action", "ruleAction", "effect"] as const;

const SYNONYMS: Readonly<Record<string, string>> = {
  when: "condition", if: "condition", expr: "condition", expression: "condition", match: "condition", conditions: "condition",
  decision: "action", outcome: "action", verdict: "action",
  default: "default_action", defaultAction: "default_action", conflictStrategy: "conflict_strategy", strategy: "conflict_strategy",
  api_version: "apiVersion", apiversion: "apiVersion", policies: "rules",
};

const UNIT_MS: Readonly<Record<string, number>> = { second: 1000, minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const LIMIT_RE = /^\s*(\d{1,9})\s*\/\s*(second|minute|hour|day)\s*$/;
const PATH_RE = /^[A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z_$][A-Za-z0-9_$]*|\[\d+\])*$/;

/** Where validation reports: file name and a position lookup by key path. */
export interface IssueSink {
  file: string;
  locate: (path: string, key?: boolean) => { line: number; col: number };
  issues: PolicyIssue[];
}

/** Reports one issue at the value (or key) of `path`. */
export function report(sink: IssueSink, path: string, message: string, hint?: string, atKey = false): void {
  const issue: PolicyIssue = { file: sink.file, ...sink.locate(path, atKey), message };
  if (path !== "") issue.key = path;
  if (hint !== undefined) issue.hint = hint;
  sink.issues.push(issue);
}

/** Validates one policy document (plain value); returns it normalised, or null after reporting issues. */
export function validatePolicy(raw: unknown, base: string, sink: IssueSink): NormalizedPolicy | null {
  const before = sink.issues.length;
  const at = (key: string): string => (base === "" ? key : `${base}.${key}`);
  if (!isRecord(raw)) {
    report(sink, base, `a policy must be a mapping, got ${describe(raw)}`);
    return null;
  }
  unknownKeys(raw, POLICY_KEYS, base, sink);
  const apiVersion = raw.apiVersion;
  if (apiVersion === undefined) report(sink, base, "missing 'apiVersion'", `add 'apiVersion: agentgov/v1'`);
  else if (!(API_VERSIONS as readonly unknown[]).includes(apiVersion)) {
    report(sink, at("apiVersion"), `unsupported apiVersion ${JSON.stringify(apiVersion)}`, `use one of ${API_VERSIONS.join(", ")}`);
  }
  const name = raw.name;
  if (name === undefined) report(sink, base, "missing 'name'", "every policy needs a unique name");
  else if (typeof name !== "string" || name.trim() === "") report(sink, at("name"), "'name' must be a non-empty string");
  const description = optionalString(raw, "description", base, sink);
  const version = raw.version;
  if (version !== undefined && typeof version !== "string" && typeof version !== "number") report(sink, at("version"), "'version' must be a string or number");
  let agents = stringList(raw, "agents", base, sink) ?? undefined;
  if (raw.agent !== undefined) {
    if (typeof raw.agent !== "string" || raw.agent === "") report(sink, at("agent"), "'agent' must be a non-empty string (an agent glob)");
    else if (agents !== undefined) report(sink, at("agent"), "give either 'agent' or 'agents', not both", "list every glob under 'agents'", true);
    else agents = [raw.agent];
  }
  if (agents?.some((a) => a === "") === true) report(sink, at("agents"), "an agent glob must not be empty");
  const scope = oneOf(raw, "scope", ["global", "agent"] as const, base, sink) ?? "global";
  const mode = oneOf(raw, "mode", ["enforce", "shadow"] as const, base, sink) ?? "enforce";
  const defaultAction = oneOf(raw, "default_action", ["allow", "deny"] as const, base, sink) ?? "deny";
  const strategy = oneOf(raw, "conflict_strategy", CONFLICT_STRATEGIES, base, sink);
  const rules: NormalizedRule[] = [];
  if (raw.rules !== undefined && raw.rules !== null) {
    if (!Array.isArray(raw.rules)) report(sink, at("rules"), `'rules' must be a list, got ${describe(raw.rules)}`);
    else {
      const names = new Set<string>();
      raw.rules.forEach((rule: unknown, i: number) => {
        const path = `${at("rules")}[${i}]`;
        const normalized = validateRule(rule, path, sink);
        if (normalized === null) return;
        if (names.has(normalized.name)) report(sink, `${path}.name`, `duplicate rule name '${normalized.name}' in this policy`, "rule names must be unique within a policy");
        names.add(normalized.name);
        rules.push(normalized);
      });
    }
  }
  if (sink.issues.length > before || typeof name !== "string" || typeof apiVersion !== "string") return null;
  const policy: NormalizedPolicy = { apiVersion, name, agents: agents ?? ["*"], scope, mode, default_action: defaultAction, rules, file: sink.file };
  if (description !== undefined) policy.description = description;
  if (typeof version === "string" || typeof version === "number") policy.version = version;
  if (strategy !== undefined) policy.conflict_strategy = strategy;
  return policy;
}

function validateRule(raw: unknown, base: string, sink: IssueSink): NormalizedRule | null {
  const before = sink.issues.length;
  const at = (key: string): string => `${base}.${key}`;
  if (!isRecord(raw)) {
    report(sink, base, `a rule must be a mapping, got ${describe(raw)}`);
    return null;
  }
  unknownKeys(raw, RULE_KEYS, base, sink);
  const name = raw.name;
  if (name === undefined) report(sink, base, "missing rule 'name'", "every rule needs a name, unique within its policy");
  else if (typeof name !== "string" || name.trim() === "") report(sink, at("name"), "rule 'name' must be a non-empty string");
  const given = OUTCOME_KEYS.filter((k) => raw[k] !== undefined);
  if (given.length > 1) report(sink, at(given[1] ?? "action"), `give the outcome once: '${given.join("' and '")}' are aliases`, "keep 'action'", true);
  const outcomeKey = given[0];
  let action: RuleAction = "deny";
  if (outcomeKey !== undefined) {
    const value = raw[outcomeKey];
    if (typeof value === "string" && (RULE_ACTIONS as readonly string[]).includes(value)) action = value as RuleAction;
    else report(sink, at(outcomeKey), `'${outcomeKey}' must be one of ${RULE_ACTIONS.join(", ")}, got ${describe(value)}`, closest(value, RULE_ACTIONS));
  }
  const condition = raw.condition;
  if (condition !== undefined && typeof condition !== "string") {
    report(sink, at("condition"), `'condition' must be a string expression, got ${describe(condition)}`, "write it as text, e.g. \"tool.name == 'search'\"");
  }
  const priority = raw.priority;
  if (priority !== undefined && !(typeof priority === "number" && Number.isSafeInteger(priority))) {
    report(sink, at("priority"), `'priority' must be an integer, got ${describe(priority)}`);
  }
  const enabled = raw.enabled;
  if (enabled !== undefined && typeof enabled !== "boolean") report(sink, at("enabled"), `'enabled' must be true or false, got ${describe(enabled)}`);
  const stage = oneOf(raw, "stage", STAGES, base, sink) ?? "pre_tool";
  const message = optionalString(raw, "message", base, sink);
  const description = optionalString(raw, "description", base, sink);
  const severity = oneOf(raw, "severity", SEVERITIES, base, sink);
  const approvers = stringList(raw, "approvers", base, sink);
  const quorum = raw.quorum;
  if (quorum !== undefined && !(typeof quorum === "number" && Number.isSafeInteger(quorum) && quorum >= 1)) {
    report(sink, at("quorum"), `'quorum' must be an integer ≥ 1, got ${describe(quorum)}`);
  }
  if (action !== "require_approval") {
    for (const key of ["approvers", "quorum"] as const) {
      if (raw[key] !== undefined) report(sink, at(key), `'${key}' is only for require_approval rules (this rule's action is ${action})`, "remove it, or set action: require_approval", true);
    }
  }
  const limit = parseLimit(raw.limit, at("limit"), sink);
  const redact = stringList(raw, "redact", base, sink);
  redact?.forEach((p, i) => {
    if (!PATH_RE.test(p) || !(p.startsWith("args.") || p.startsWith("output.") || p === "output")) {
      report(sink, `${at("redact")}[${i}]`, `redact path ${JSON.stringify(p)} must be a path under args or output`, "e.g. args.password or output.ssn");
    }
  });
  const set = raw.set;
  if (set !== undefined) {
    if (!isRecord(set)) report(sink, at("set"), `'set' must be a mapping of paths to values, got ${describe(set)}`);
    else for (const p of Object.keys(set)) {
      if (!PATH_RE.test(p) || !p.startsWith("args.")) report(sink, `${at("set")}.${p}`, `set path ${JSON.stringify(p)} must be a path under args`, "e.g. args.limit", true);
    }
  }
  if (action !== "transform") {
    for (const key of ["redact", "set"] as const) {
      if (raw[key] !== undefined) report(sink, at(key), `'${key}' is only for transform rules (this rule's action is ${action})`, "remove it, or set action: transform", true);
    }
  } else if (raw.redact === undefined && raw.set === undefined) {
    report(sink, base, "a transform rule needs 'set' or 'redact'", "add set: {args.x: value} or redact: [args.secret]");
  }
  const surfaces = stringList(raw, "surfaces", base, sink);
  if (sink.issues.length > before || typeof name !== "string") return null;
  const rule: NormalizedRule = { name, action, priority: typeof priority === "number" ? priority : 0, enabled: enabled !== false, stage };
  if (description !== undefined) rule.description = description;
  if (typeof condition === "string") rule.condition = condition;
  if (message !== undefined) rule.message = message;
  if (severity !== undefined) rule.severity = severity;
  if (action === "require_approval") {
    rule.approvers = approvers ?? [];
    rule.quorum = typeof quorum === "number" ? quorum : 1;
  }
  if (limit !== undefined) rule.limit = limit;
  if (redact !== undefined) rule.redact = redact;
  if (isRecord(set)) rule.set = set;
  if (surfaces !== undefined) rule.surfaces = surfaces;
  return rule;
}

/** Parses `N/unit` (N ≥ 1). */
function parseLimit(value: unknown, path: string, sink: IssueSink): RateLimit | undefined {
  if (value === undefined) return undefined;
  const m = typeof value === "string" ? LIMIT_RE.exec(value) : null;
  const count = m === null ? 0 : Number(m[1]);
  const unit = m?.[2];
  if (m === null || unit === undefined || count < 1) {
    report(sink, path, `malformed limit ${JSON.stringify(value)}`, "write N/second, N/minute, N/hour or N/day with N ≥ 1, e.g. \"100/minute\"");
    return undefined;
  }
  return { count, windowMs: UNIT_MS[unit] ?? 0, text: `${count}/${unit}` };
}

function unknownKeys(raw: Record<string, unknown>, known: readonly string[], base: string, sink: IssueSink): void {
  for (const key of Object.keys(raw)) {
    if (known.includes(key)) continue;
    const guess = SYNONYMS[key] ?? closestName(key, known);
    const path = base === "" ? key : `${base}.${key}`;
    report(sink, path, `unknown key '${key}'`, guess === undefined ? `the keys here are ${known.join(", ")}` : `did you mean '${guess}'?`, true);
  }
}

function oneOf<T extends string>(raw: Record<string, unknown>, key: string, allowed: readonly T[], base: string, sink: IssueSink): T | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  const path = base === "" ? key : `${base}.${key}`;
  report(sink, path, `'${key}' must be one of ${allowed.join(", ")}, got ${describe(value)}`, closest(value, allowed));
  return undefined;
}

function optionalString(raw: Record<string, unknown>, key: string, base: string, sink: IssueSink): string | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  if (typeof value === "string") return value;
  report(sink, base === "" ? key : `${base}.${key}`, `'${key}' must be a string, got ${describe(value)}`);
  return undefined;
}

function stringList(raw: Record<string, unknown>, key: string, base: string, sink: IssueSink): string[] | undefined {
  const value = raw[key];
  if (value === undefined) return undefined;
  const path = base === "" ? key : `${base}.${key}`;
  if (!Array.isArray(value)) {
    report(sink, path, `'${key}' must be a list of strings, got ${describe(value)}`, typeof value === "string" ? `write [${JSON.stringify(value)}]` : undefined);
    return undefined;
  }
  const bad = value.flatMap((item: unknown, i: number) => (typeof item === "string" ? [] : [i]));
  for (const i of bad) report(sink, `${path}[${i}]`, `'${key}' items must be strings, got ${describe(value[i])}`);
  return bad.length === 0 ? (value as string[]) : undefined;
}

/** True for a plain mapping. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Describes a value for messages: `a number (1.5)`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  return typeof value === "number" || typeof value === "boolean" ? `a ${typeof value} (${String(value)})` : `a ${typeof value}`;
}

const VALUE_SYNONYMS: Readonly<Record<string, string>> = {
  block: "deny", reject: "deny", forbid: "deny", refuse: "deny", permit: "allow", accept: "allow",
  audit: "log", approve: "require_approval", review: "require_approval", approval: "require_approval",
  redact: "transform", rewrite: "transform", pretool: "pre_tool", posttool: "post_tool", "pre-tool": "pre_tool", "post-tool": "post_tool",
};

function closest(value: unknown, allowed: readonly string[]): string | undefined {
  if (typeof value !== "string") return undefined;
  const synonym = VALUE_SYNONYMS[value.toLowerCase()];
  const guess = synonym !== undefined && allowed.includes(synonym) ? synonym : closestName(value, allowed);
  return guess === undefined ? undefined : `did you mean '${guess}'?`;
}

function closestName(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Levenshtein distance (short strings only). */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
