/**
 * Strict reading of the sidecar's decision answer (`Decision & { call_id }`): every field
 * checked, unknown fields dropped, and `allowed` consistent with `action`. An answer that
 * does not validate is a {@link RemoteFailure} `remote_invalid_answer`, so it denies.
 */
import { isObject } from "../kernel/audit-entry.js";
import { RULE_ACTIONS, type Decision, type RuleAction } from "../policy/types.js";
import { RemoteFailure } from "./failure.js";

/** A decision as the sidecar answered it, with the id its audit records the call under. */
export interface RemoteDecision {
  decision: Decision;
  /** The sidecar's call id (for `POST /v1/outcome`). */
  callId: string;
}

const ALLOWING: ReadonlySet<RuleAction> = new Set(["allow", "warn", "log", "steer", "transform"]);
const SEVERITIES = new Set(["critical", "high", "medium", "low"]);
const CODE = /^[a-z][a-z0-9_]{0,63}$/;
const MAX_TEXT = 64 * 1024;

/** Parses and validates the JSON text of one decision answer. Throws {@link RemoteFailure}. */
export function parseDecisionAnswer(text: string): RemoteDecision {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid("it is not JSON");
  }
  if (!isObject(value)) throw invalid("it is not an object");
  const callId = value.call_id;
  if (typeof callId !== "string" || callId === "" || callId.length > 128) throw invalid("'call_id' is missing or not a short string");
  return { decision: checkDecision(value, true), callId };
}

function checkDecision(value: Record<string, unknown>, top: boolean): Decision {
  const { allowed, action, matched_rule: rule, policy, code, reason, policy_digest: digest } = value;
  if (typeof allowed !== "boolean") throw invalid("'allowed' is not a boolean");
  if (typeof action !== "string" || !(RULE_ACTIONS as readonly string[]).includes(action)) throw invalid("'action' is not a rule action");
  if (allowed !== ALLOWING.has(action as RuleAction)) throw invalid(`'allowed' is ${String(allowed)} for action '${action}'`);
  if (!nullableText(rule) || !nullableText(policy)) throw invalid("'matched_rule' and 'policy' must be strings or null");
  if (typeof code !== "string" || !CODE.test(code)) throw invalid("'code' is not a lower_snake reason code");
  if (!text(reason)) throw invalid("'reason' is not a string");
  if (!text(digest)) throw invalid("'policy_digest' is not a string");
  const decision: Decision = { allowed, action: action as RuleAction, matched_rule: rule, policy, code: code as Decision["code"], reason, policy_digest: digest };
  if (value.rate_limited !== undefined) {
    if (value.rate_limited !== true) throw invalid("'rate_limited' must be true when present");
    decision.rate_limited = true;
  }
  if (value.approvers !== undefined) {
    if (!Array.isArray(value.approvers) || !value.approvers.every(text)) throw invalid("'approvers' must be strings");
    decision.approvers = [...(value.approvers)];
  }
  if (value.quorum !== undefined) {
    if (!Number.isSafeInteger(value.quorum) || (value.quorum as number) < 1) throw invalid("'quorum' must be a positive integer");
    decision.quorum = value.quorum as number;
  }
  if (value.severity !== undefined) {
    if (typeof value.severity !== "string" || !SEVERITIES.has(value.severity)) throw invalid("'severity' is not a severity");
    decision.severity = value.severity as NonNullable<Decision["severity"]>;
  }
  if (value.transform !== undefined) decision.transform = checkTransform(value.transform);
  if (value.errors !== undefined) {
    if (!Array.isArray(value.errors) || !value.errors.every((e) => isObject(e) && text(e.policy) && text(e.rule) && text(e.error))) throw invalid("'errors' must be {policy, rule, error} objects");
    decision.errors = (value.errors as Record<string, string>[]).map((e) => ({ policy: e.policy ?? "", rule: e.rule ?? "", error: e.error ?? "" }));
  }
  if (value.shadow !== undefined) {
    if (!top || !Array.isArray(value.shadow) || !value.shadow.every(isObject)) throw invalid("'shadow' must be decisions");
    decision.shadow = (value.shadow).map((s) => checkDecision(s, false));
  }
  if (value.trace !== undefined) {
    if (!Array.isArray(value.trace) || !value.trace.every((t) => isObject(t) && text(t.policy) && text(t.rule) && text(t.result))) throw invalid("'trace' must be {policy, rule, result} objects");
    decision.trace = (value.trace as Record<string, unknown>[]).map((t) => {
      const out = { policy: t.policy, rule: t.rule, result: t.result } as NonNullable<Decision["trace"]>[number];
      if (text(t.error)) out.error = t.error;
      return out;
    });
  }
  return decision;
}

function checkTransform(value: unknown): NonNullable<Decision["transform"]> {
  if (!isObject(value)) throw invalid("'transform' is not an object");
  const out: NonNullable<Decision["transform"]> = {};
  if (value.set !== undefined) {
    if (!isObject(value.set)) throw invalid("'transform.set' is not an object");
    out.set = value.set;
  }
  if (value.redact !== undefined) {
    if (!Array.isArray(value.redact) || !value.redact.every(text)) throw invalid("'transform.redact' must be strings");
    out.redact = [...(value.redact)];
  }
  return out;
}

function text(value: unknown): value is string {
  return typeof value === "string" && value.length <= MAX_TEXT;
}

function nullableText(value: unknown): value is string | null {
  return value === null || text(value);
}

function invalid(why: string): RemoteFailure {
  return new RemoteFailure("remote_invalid_answer", `the sidecar's answer is not a valid decision: ${why}`);
}
