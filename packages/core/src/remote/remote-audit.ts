/**
 * The remote kernel's audit sink. The sidecar writes the decision record itself when it
 * decides (write-ahead, on `POST /v1/decide`), so a decision entry an adapter appends for
 * a decision the sidecar took is already recorded there. Outcome entries go to
 * `POST /v1/outcome` under the sidecar's call id, synchronously (an adapter that withholds
 * an output when its record fails must see the failure): a refused or failed report
 * throws `AUDIT_UNAVAILABLE` and is counted. Entries the sidecar has no route for (an
 * adapter's own markers, outcomes of calls the sidecar never decided, a second outcome of
 * a call, which the sidecar answers `UNKNOWN_CALL`) go to the optional local `journal`
 * sink, and are counted as unforwarded.
 *
 * `append` returns the sidecar's stored record for a forwarded outcome, the journal's
 * record for a journaled entry, and otherwise a receipt: the entry with `seq: 0` and empty
 * `prev`/`hash` (it is not part of a local chain; the sidecar's log holds the chain).
 */
import type { AuditEntry, AuditHead, AuditRecord, AuditSink } from "../audit/types.js";
import { AgentGovError } from "../errors.js";
import type { CallIds } from "./call-ids.js";
import { asRemoteFailure } from "./failure.js";
import { outcomeBody, outcomeCall, parseOutcomeAnswer } from "./outcome.js";
import type { SyncChannel } from "./sync-channel.js";

/** The audit counters of the remote kernel. */
export interface RemoteAuditStats {
  /** Outcomes the sidecar recorded. */
  auditForwarded: number;
  /** Outcomes the sidecar refused or could not be reached for (each one denied or thrown). */
  auditForwardFailures: number;
  /** Entries the sidecar has no route for (kept in the journal when there is one). */
  auditUnforwarded: number;
}

/** What the sink works with. */
export interface RemoteAuditContext {
  channel: SyncChannel;
  calls: CallIds;
  stats: RemoteAuditStats;
  timeoutMs: number;
  maxBytes: number;
  clock: () => number;
  journal: AuditSink | undefined;
}

/** The remote audit sink, plus a hook for records the sidecar returned elsewhere (enforce). */
export interface RemoteAuditSink extends AuditSink {
  /** Notes a record the sidecar stored (for `head()`). */
  saw(record: AuditRecord): void;
}

/** Creates the sink. */
export function remoteAuditSink(ctx: RemoteAuditContext): RemoteAuditSink {
  let closed = false;
  let head: AuditHead = { seq: 0, hash: "" };
  const receipt = (entry: AuditEntry): AuditRecord => ({ ...entry, v: 1, seq: 0, ts: new Date(ctx.clock()).toISOString(), prev: "", hash: "" });
  const unforwarded = (entry: AuditEntry): AuditRecord => {
    ctx.stats.auditUnforwarded++;
    return ctx.journal === undefined ? receipt(entry) : ctx.journal.append(entry);
  };
  const saw = (record: AuditRecord): void => {
    if (record.seq > head.seq) head = { seq: record.seq, hash: record.hash };
  };
  return {
    append(entry) {
      if (closed) throw new AgentGovError("AUDIT_CLOSED", "the remote kernel's audit sink is closed");
      if (entry.kind === "decision") {
        // Recorded by the sidecar when it decided (write-ahead).
        return ctx.calls.claim(entry) === undefined ? unforwarded(entry) : receipt(entry);
      }
      const serverId = entry.call_id === undefined ? undefined : ctx.calls.serverId(entry.call_id);
      const body = serverId === undefined ? undefined : outcomeBody(serverId, entry.outcome);
      if (body === undefined) return unforwarded(entry);
      try {
        const record = parseOutcomeAnswer(ctx.channel.request(outcomeCall(body, ctx.timeoutMs, ctx.maxBytes)));
        ctx.stats.auditForwarded++;
        saw(record);
        return record;
      } catch (error) {
        const failure = asRemoteFailure(error);
        // No allowed call of that id waits for an outcome (already reported, denied, expired): not a failure of the log.
        if (failure.serverCode === "UNKNOWN_CALL") return unforwarded(entry);
        ctx.stats.auditForwardFailures++;
        throw new AgentGovError("AUDIT_UNAVAILABLE", `the sidecar did not record the outcome (${failure.code}): ${failure.message}`, { cause: failure });
      }
    },
    flush: () => ctx.journal?.flush() ?? Promise.resolve(),
    async close() {
      closed = true;
      await ctx.journal?.close();
    },
    head: () => head,
    saw,
  };
}
