/**
 * The remote kernel's audit sink. The sidecar writes the decision record itself when it
 * decides (write-ahead, on `POST /v1/decide`), so a decision entry an adapter appends for
 * a decision the sidecar took is already recorded there. Outcome entries go to
 * `POST /v1/outcome` under the sidecar's call id. Every other entry (an adapter's own
 * decisions and markers, outcomes of calls the sidecar never decided, a second outcome of
 * a call, which `/v1/outcome` answers `UNKNOWN_CALL`) goes to `POST /v1/audit/events`,
 * under the sidecar's call id when the call is linked to one. Everything is sent
 * synchronously (an adapter that withholds an output when its record fails must see the
 * failure): a refused or failed append throws `AUDIT_UNAVAILABLE` and is counted. The
 * optional local `journal` keeps a copy of every entry sent as an event.
 *
 * `append` returns the sidecar's stored record, or for a decision the sidecar recorded
 * when it decided, a receipt: the entry with `seq: 0` and empty `prev`/`hash` (the
 * sidecar's log holds the chain).
 */
import type { AuditEntry, AuditHead, AuditRecord, AuditSink } from "../audit/types.js";
import { AgentGovError } from "../errors.js";
import type { CallIds } from "./call-ids.js";
import { auditEventCall, parseAuditEventAnswer } from "./audit-events.js";
import { asRemoteFailure } from "./failure.js";
import { outcomeBody, outcomeCall, parseOutcomeAnswer } from "./outcome.js";
import type { HttpAnswer, HttpCall } from "./http-client.js";
import type { SyncChannel } from "./sync-channel.js";

/** The audit counters of the remote kernel. */
export interface RemoteAuditStats {
  /** Outcomes and events the sidecar recorded. */
  auditForwarded: number;
  /** Outcomes and events the sidecar refused or could not be reached for (each one denied or thrown). */
  auditForwardFailures: number;
  /** Of {@link auditForwarded}: entries recorded through `POST /v1/audit/events`. */
  auditEvents: number;
  /** Outcomes of calls no sidecar decision stands for, that could not be sent (none since `/v1/audit/events`; kept for compatibility). */
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
  /** Sends `entry` to `POST /v1/audit/events` (asynchronously, for enforce), counted. Throws `AUDIT_UNAVAILABLE`. */
  sendEvent(entry: AuditEntry): Promise<AuditRecord>;
}

/** Creates the sink; `send` is the asynchronous client (enforce's path). */
export function remoteAuditSink(ctx: RemoteAuditContext, send: (call: HttpCall) => Promise<HttpAnswer>): RemoteAuditSink {
  let closed = false;
  let head: AuditHead = { seq: 0, hash: "" };
  const receipt = (entry: AuditEntry): AuditRecord => ({ ...entry, v: 1, seq: 0, ts: new Date(ctx.clock()).toISOString(), prev: "", hash: "" });
  const saw = (record: AuditRecord): void => {
    if (record.seq > head.seq) head = { seq: record.seq, hash: record.hash };
  };
  /** The entry as sent: under the sidecar's call id when the call is linked to one; a copy kept in the journal. */
  const asEvent = (entry: AuditEntry): AuditEntry => {
    const serverId = entry.call_id === undefined ? undefined : ctx.calls.serverId(entry.call_id);
    const event = serverId === undefined ? entry : { ...entry, call_id: serverId };
    ctx.journal?.append(entry);
    return event;
  };
  const recorded = (record: AuditRecord): AuditRecord => {
    ctx.stats.auditForwarded++;
    ctx.stats.auditEvents++;
    saw(record);
    return record;
  };
  const refused = (error: unknown, what: string): AgentGovError => {
    const failure = asRemoteFailure(error);
    ctx.stats.auditForwardFailures++;
    return new AgentGovError("AUDIT_UNAVAILABLE", `the sidecar did not record the ${what} (${failure.code}): ${failure.message}`, { cause: failure });
  };
  const eventSync = (entry: AuditEntry): AuditRecord => {
    try {
      return recorded(parseAuditEventAnswer(ctx.channel.request(auditEventCall(asEvent(entry), ctx.timeoutMs, ctx.maxBytes))));
    } catch (error) {
      throw refused(error, "entry");
    }
  };
  return {
    append(entry) {
      if (closed) throw new AgentGovError("AUDIT_CLOSED", "the remote kernel's audit sink is closed");
      if (entry.kind === "decision") {
        // Recorded by the sidecar when it decided (write-ahead); an adapter's own decision is sent as an event.
        return ctx.calls.claim(entry) === undefined ? eventSync(entry) : receipt(entry);
      }
      const serverId = entry.call_id === undefined ? undefined : ctx.calls.serverId(entry.call_id);
      const body = serverId === undefined ? undefined : outcomeBody(serverId, entry.outcome);
      if (body === undefined) return eventSync(entry);
      try {
        const record = parseOutcomeAnswer(ctx.channel.request(outcomeCall(body, ctx.timeoutMs, ctx.maxBytes)));
        ctx.stats.auditForwarded++;
        saw(record);
        return record;
      } catch (error) {
        // No allowed call of that id waits for an outcome (already reported, denied, expired): recorded as an event.
        if (asRemoteFailure(error).serverCode === "UNKNOWN_CALL") return eventSync(entry);
        throw refused(error, "outcome");
      }
    },
    async sendEvent(entry) {
      if (closed) throw new AgentGovError("AUDIT_CLOSED", "the remote kernel's audit sink is closed");
      try {
        return recorded(parseAuditEventAnswer(await send(auditEventCall(asEvent(entry), ctx.timeoutMs, ctx.maxBytes))));
      } catch (error) {
        throw refused(error, "entry");
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
