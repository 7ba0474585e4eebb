/**
 * `storeApprovalHandler`: the core's `ApprovalHandler` backed by an approval store, so a
 * kernel in the server process (or any process holding the store) waits for the humans
 * who vote through the HTTP API or the console. It creates the approval for the exact
 * action, waits until it is decided or expires, and consumes it (single use) before it
 * answers approved. When the kernel stops waiting (its timeout), the approval is expired.
 */
import type { ApprovalHandler, ApprovalResult } from "@agentgov/core";
import { MAX_APPROVAL_WAIT_MS, type ApprovalStore } from "./approval-store.js";

/** Options of {@link storeApprovalHandler}. */
export interface StoreApprovalHandlerOptions {
  /** Lifetime of each approval (capped by the store's maximum). */
  expiresInMs?: number;
}

/** An approval handler that asks the humans voting in `store`. */
export function storeApprovalHandler(store: ApprovalStore, options: StoreApprovalHandlerOptions = {}): ApprovalHandler {
  return async (request): Promise<ApprovalResult> => {
    const input: Parameters<ApprovalStore["create"]>[0] = { request: request.request, decision: request.decision, actionDigest: request.actionDigest, approvers: request.approvers, quorum: request.quorum };
    if (options.expiresInMs !== undefined) input.expiresInMs = options.expiresInMs;
    const created = store.create(input);
    const withdraw = (): void => {
      store.withdraw(created.id, "the waiting kernel stopped waiting (its approval timeout)");
    };
    request.signal.addEventListener("abort", withdraw, { once: true });
    try {
      let current = created;
      while (current.status === "pending" && !request.signal.aborted) {
        const next = await store.wait(created.id, MAX_APPROVAL_WAIT_MS, request.signal);
        if (next === undefined) return { approved: false, note: "the approval is gone from the store" };
        current = next;
      }
      if (current.status !== "approved") {
        const note = current.votes.find((v) => v.verdict === "deny");
        return { approved: false, note: note === undefined ? `approval ${current.status}` : `denied by ${note.approver}${note.note === undefined ? "" : `: ${note.note}`}` };
      }
      const consumed = store.consume(created.id, request.actionDigest);
      const approvers = consumed.votes.filter((v) => v.verdict === "approve").map((v) => v.approver);
      const notes = consumed.votes.flatMap((v) => (v.note === undefined ? [] : [`${v.approver}: ${v.note}`]));
      const result: ApprovalResult = { approved: true, approvers };
      if (notes.length > 0) result.note = notes.join("; ");
      return result;
    } finally {
      request.signal.removeEventListener("abort", withdraw);
    }
  };
}
