/**
 * Which sidecar call id each local call id stands for. The sidecar names every decision
 * it records with its own id; the kernel and the adapters name calls with the framework's
 * id (the model's tool-call id). Outcomes are reported under the sidecar's id.
 *
 * `enforce` links the two directly. An adapter that calls `decide` and then appends its
 * own decision entry is linked by matching that entry (agent, stage, tool) to the most
 * recent decision not yet linked. Both tables are bounded (oldest dropped first).
 */
import type { AuditEntry } from "../audit/types.js";
import { describeCall } from "../kernel/audit-entry.js";
import type { DecisionRequest } from "../policy/types.js";

/** Default bound on linked call ids. */
export const MAX_LINKED_CALLS = 10_000;
/** Decisions kept for matching an adapter's entry to. */
const MAX_RECENT = 256;

interface Recent {
  agent: string;
  stage: string;
  tool: string | undefined;
  serverId: string;
}

/** The local ↔ sidecar call-id table. */
export interface CallIds {
  /** Links `localId` to `serverId`. */
  link(localId: string, serverId: string): void;
  /** Remembers a decision taken by `decide`, for {@link claim}. */
  decided(request: DecisionRequest, serverId: string): void;
  /**
   * The sidecar id of the decision `entry` records: its linked id, or the most recent
   * unclaimed decision for the same agent, stage and tool (then linked to `entry.call_id`).
   */
  claim(entry: AuditEntry): string | undefined;
  /** The sidecar id linked to `localId`. */
  serverId(localId: string): string | undefined;
}

/** Creates a bounded call-id table. */
export function createCallIds(max = MAX_LINKED_CALLS): CallIds {
  const linked = new Map<string, string>();
  const recent: Recent[] = [];
  const link = (localId: string, serverId: string): void => {
    linked.delete(localId);
    linked.set(localId, serverId);
    if (linked.size > max) {
      const oldest = linked.keys().next();
      if (oldest.done !== true) linked.delete(oldest.value);
    }
  };
  return {
    link,
    decided(request, serverId) {
      let call;
      try {
        call = describeCall(request, serverId);
      } catch {
        return;
      }
      recent.push({ agent: call.agent, stage: call.stage, tool: call.tool, serverId });
      if (recent.length > MAX_RECENT) recent.shift();
    },
    claim(entry) {
      const known = entry.call_id === undefined ? undefined : linked.get(entry.call_id);
      if (known !== undefined) return known;
      for (let i = recent.length - 1; i >= 0; i--) {
        const r = recent[i];
        if (r === undefined || r.agent !== entry.agent || r.stage !== entry.stage || r.tool !== entry.tool) continue;
        recent.splice(i, 1);
        if (entry.call_id !== undefined) link(entry.call_id, r.serverId);
        return r.serverId;
      }
      return undefined;
    },
    serverId: (localId) => linked.get(localId),
  };
}
