/**
 * The events file `agentgov rl verify` reads: JSON Lines of Agent Lightning v1-style events
 * (RL-GUARD.md §10.1), each carrying the trainer's own `rollout_id` and `attempt_id`.
 *
 * ```jsonc
 * {"rollout_id":"r-17","attempt_id":"0","event_type":"agentgov.rl.chain","data":{"v":1,"from":0,"records":[ … ≤ 64 audit records … ]}}
 * {"rollout_id":"r-17","attempt_id":"0","event_type":"agentgov.rl.summary","data":{"v":1,"phase":"basic","tool_calls":5,"blocked":1,"violations":{"high":1}}}
 * {"rollout_id":"r-17","attempt_id":"0","event_type":"reward","data":{"value":0.7,"source":"agentgov","reason":"shaped","agentgov":{ … RewardRecordV1 … }}}
 * ```
 *
 * - `agentgov.rl.chain`: consecutive slices of the episode log; `from` is the 0-based index
 *   of the slice's first record. Slices may repeat records identically (retries); a slice
 *   that disagrees with a record already seen, or leaves a gap, breaks the chain.
 * - `reward` with `data.agentgov`: the signed record; `data.value` must equal its `final`
 *   (it is what Agent Lightning's trainer takes). A `reward` event without a record is an
 *   unsigned reward and is rejected, unless its `source` is `agentgov-verifier` (the trainer
 *   hook's own output, ignored here like `agentgov.rl.summary`, `agentgov.rl.integrity` and
 *   every other event type).
 * - `rollout_id` / `attempt_id` name the attempt (the binding the record is checked
 *   against); lines without them take `--rollout` / `--attempt`.
 * - The file may also be one JSON array of such events (what an Agent Lightning Gateway
 *   received for one attempt, for example, verified with `--rollout` / `--attempt`).
 */
import { isObject } from "../internal/canonical.js";
import type { RewardRecordV1 } from "../integrity/record.js";
import { SEVERITIES } from "../types.js";

/** Event types of the format. */
export const EVENT_TYPES = { chain: "agentgov.rl.chain", summary: "agentgov.rl.summary", reward: "reward", integrity: "agentgov.rl.integrity" } as const;
/** Most audit records in one `agentgov.rl.chain` event. */
export const MAX_CHAIN_SLICE = 64;
/** `source` of the rewards the trainer hook posts after verifying (ignored by the verifier). */
export const VERIFIER_SOURCE = "agentgov-verifier";

/** One event line. */
export interface RlEvent {
  rollout_id: string;
  attempt_id: string;
  event_type: string;
  data: Record<string, unknown>;
}

/** What {@link episodeEvents} needs: the episode log's records and, for train episodes, the signed record. */
export interface EpisodeEventsInput {
  rolloutId: string;
  attemptId: string;
  records: readonly unknown[];
  record: RewardRecordV1 | null;
  /** Phase name for the summary (default: the record's). */
  phase?: string;
}

/**
 * The events of one episode, in the order the agent side posts them: the chain in slices of
 * ≤ 64 records, a summary, then the reward (omitted for an episode without a record).
 */
export function episodeEvents(input: EpisodeEventsInput): RlEvent[] {
  const ids = { rollout_id: input.rolloutId, attempt_id: input.attemptId };
  const out: RlEvent[] = [];
  for (let from = 0; from < input.records.length; from += MAX_CHAIN_SLICE) {
    out.push({ ...ids, event_type: EVENT_TYPES.chain, data: { v: 1, from, records: input.records.slice(from, from + MAX_CHAIN_SLICE) } });
  }
  const pre = input.records.filter((r) => isObject(r) && r.stage === "pre_tool");
  const violations: Record<string, number> = {};
  for (const s of SEVERITIES) if (input.record !== null && input.record.violations[s] > 0) violations[s] = input.record.violations[s];
  out.push({
    ...ids, event_type: EVENT_TYPES.summary,
    data: { v: 1, phase: input.phase ?? input.record?.phase ?? null, tool_calls: pre.length, blocked: pre.filter((r) => isObject(r) && isObject(r.outcome) && r.outcome.status === "denied").length, violations },
  });
  if (input.record !== null) {
    out.push({ ...ids, event_type: EVENT_TYPES.reward, data: { value: input.record.final, source: "agentgov", reason: input.record.reason, agentgov: input.record } });
  }
  return out;
}

/** Events as JSON Lines (each line terminated). */
export function eventLines(events: readonly RlEvent[]): string {
  return events.map((e) => `${JSON.stringify(e)}\n`).join("");
}
