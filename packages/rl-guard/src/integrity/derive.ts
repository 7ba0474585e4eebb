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

/**
 * Reads an episode log one record at a time (a left fold): the episode feeds it each record
 * it appends, the verifier the records of the stored log, so both derive the same facts with
 * the same code. The first problem is sticky.
 */
export class EpisodeFactsReader {
  #n = 0;
  #start: Record<string, unknown> | undefined;
  #problem: FactsProblem | null = null;
  readonly #denied = new Set<string>();
  readonly #permitted = new Set<string>();
  readonly #severities: Severity[] = [];
  readonly #violations = zeroCounts();
  #blocked = 0;
  #terminated = false;
  #outcome: Record<string, unknown> | null = null;

  /** Reads the next record. */
  add(r: unknown): void {
    const i = ++this.#n;
    if (this.#problem !== null) return;
    this.#problem = this.#read(r, i);
  }

  /** The facts so far, or the first problem. */
  result(): EpisodeFacts | FactsProblem {
    if (this.#problem !== null) return this.#problem;
    if (this.#start === undefined) return { reason: "chain", detail: "the log does not start with an rl.start record" };
    return { start: this.#start, severities: this.#severities, violations: this.#violations, blocked: this.#blocked, terminated: this.#terminated, outcome: this.#outcome };
  }

  #read(r: unknown, i: number): FactsProblem | null {
    if (i === 1) {
      this.#start = isObject(r) && isMeta(r, RL_ACTIONS.start) ? rlExtOf(r) : undefined;
      return this.#start === undefined ? { reason: "chain", detail: "the log does not start with an rl.start record" } : null;
    }
    if (!isObject(r)) return { reason: "malformed", detail: `record ${i} is not an object` };
    if (this.#outcome !== null) return { reason: "chain", detail: `record ${i} follows the rl.outcome record` };
    if (isMeta(r, RL_ACTIONS.start)) return { reason: "chain", detail: `record ${i}: a second rl.start` };
    if (isMeta(r, RL_ACTIONS.outcome)) {
      this.#outcome = rlExtOf(r) ?? {};
      return null;
    }
    if (isMeta(r, RL_ACTIONS.modelCall)) return null;
    const callId = typeof r.call_id === "string" ? r.call_id : undefined;
    const status = isObject(r.outcome) ? r.outcome.status : undefined;
    if (callId === undefined) return { reason: "malformed", detail: `record ${i} has no call_id` };
    if (r.stage === "pre_tool") return this.#gated(r, i, callId, status);
    if (r.stage === "post_tool") {
      if (!this.#permitted.has(callId)) return { reason: "executed-after-deny", detail: `record ${i}: post_tool for call ${callId}, which was not permitted` };
      this.#permitted.delete(callId);
      return null;
    }
    return { reason: "malformed", detail: `record ${i}: unexpected stage` };
  }

  #gated(r: Record<string, unknown>, i: number, callId: string, status: unknown): FactsProblem | null {
    if (this.#denied.has(callId) || this.#permitted.has(callId)) return { reason: "chain", detail: `record ${i}: call ${callId} gated twice` };
    const ext = rlExtOf(r) ?? {};
    if (status === "denied") {
      this.#denied.add(callId);
      this.#blocked++;
    } else if (status === "permitted") this.#permitted.add(callId);
    else return { reason: "malformed", detail: `record ${i}: pre_tool status must be denied or permitted` };
    if (ext.severity !== null && ext.severity !== undefined) {
      if (!isSeverity(ext.severity)) return { reason: "malformed", detail: `record ${i}: unknown severity` };
      this.#severities.push(ext.severity);
      this.#violations[ext.severity]++;
    }
    if (ext.terminate === true) this.#terminated = true;
    return null;
  }
}

/** Reads the facts of an episode log (records in order). Pure. */
export function episodeFacts(records: readonly unknown[]): EpisodeFacts | FactsProblem {
  const reader = new EpisodeFactsReader();
  for (const r of records) reader.add(r);
  return reader.result();
}

/** True when `value` is a {@link FactsProblem}. */
export function isFactsProblem(value: EpisodeFacts | FactsProblem): value is FactsProblem {
  return "reason" in value;
}
