/**
 * Reading an episode log back: what the shaped reward is derived from. The episode guard
 * and the verifier both use this, so a record can only verify if it says what the log says.
 */
import { isObject } from "../internal/canonical.js";
import { isSeverity, type Severity, type SeverityCounts, zeroCounts } from "../types.js";
import { rlExtOf } from "./ext.js";

/** Actions of the episode's own (non-tool) records. */
export const RL_ACTIONS = { start: "rl.start", modelCall: "rl.model_call", outcome: "rl.outcome" } as const;

/** What a log says about its episode. */
export interface EpisodeFacts {
  start: Record<string, unknown>;
  severities: Severity[];
  violations: SeverityCounts;
  blocked: number;
  terminated: boolean;
  outcome: Record<string, unknown> | null;
}

/** Why a log cannot be read as an episode. */
export interface FactsProblem {
  reason: "chain" | "executed-after-deny" | "malformed";
  detail: string;
}

/** True for one of the episode's own records (no tool, an `rl.*` action). */
function isMeta(record: Record<string, unknown>, action: string): boolean {
  return record.tool === undefined && record.action === action;
}

/** Reads the facts of an episode log (records in order). Pure. */
export function episodeFacts(records: readonly unknown[]): EpisodeFacts | FactsProblem {
  const first = records[0];
  const startExt = isObject(first) && isMeta(first, RL_ACTIONS.start) ? rlExtOf(first) : undefined;
  if (startExt === undefined) return { reason: "chain", detail: "the log does not start with an rl.start record" };
  const denied = new Set<string>();
  const permitted = new Set<string>();
  const severities: Severity[] = [];
  const violations = zeroCounts();
  let blocked = 0;
  let terminated = false;
  let outcome: Record<string, unknown> | null = null;
  for (let i = 1; i < records.length; i++) {
    const r = records[i];
    if (!isObject(r)) return { reason: "malformed", detail: `record ${i + 1} is not an object` };
    if (outcome !== null) return { reason: "chain", detail: `record ${i + 1} follows the rl.outcome record` };
    if (isMeta(r, RL_ACTIONS.start)) return { reason: "chain", detail: `record ${i + 1}: a second rl.start` };
    if (isMeta(r, RL_ACTIONS.outcome)) {
      outcome = rlExtOf(r) ?? {};
      continue;
    }
    if (isMeta(r, RL_ACTIONS.modelCall)) continue;
    const callId = typeof r.call_id === "string" ? r.call_id : undefined;
    const status = isObject(r.outcome) ? r.outcome.status : undefined;
    if (callId === undefined) return { reason: "malformed", detail: `record ${i + 1} has no call_id` };
    if (r.stage === "pre_tool") {
      if (denied.has(callId) || permitted.has(callId)) return { reason: "chain", detail: `record ${i + 1}: call ${callId} gated twice` };
      const ext = rlExtOf(r) ?? {};
      if (status === "denied") {
        denied.add(callId);
        blocked++;
      } else if (status === "permitted") permitted.add(callId);
      else return { reason: "malformed", detail: `record ${i + 1}: pre_tool status must be denied or permitted` };
      if (ext.severity !== null && ext.severity !== undefined) {
        if (!isSeverity(ext.severity)) return { reason: "malformed", detail: `record ${i + 1}: unknown severity` };
        severities.push(ext.severity);
        violations[ext.severity]++;
      }
      if (ext.terminate === true) terminated = true;
    } else if (r.stage === "post_tool") {
      if (!permitted.has(callId)) return { reason: "executed-after-deny", detail: `record ${i + 1}: post_tool for call ${callId}, which was not permitted` };
      permitted.delete(callId);
    } else return { reason: "malformed", detail: `record ${i + 1}: unexpected stage` };
  }
  return { start: startExt, severities, violations, blocked, terminated, outcome };
}

/** True when `value` is a {@link FactsProblem}. */
export function isFactsProblem(value: EpisodeFacts | FactsProblem): value is FactsProblem {
  return "reason" in value;
}
