/** Asking the approval handler, with a timeout; every failure ends in a deny. */
import type { Decision } from "../policy/types.js";
import type { ApprovalHandler, ApprovalRequest } from "./types.js";

/** The outcome of asking for approval. */
export type ApprovalOutcome =
  | { approved: true; approvers: string[]; note?: string }
  | { approved: false; code: Extract<Decision["code"], "approval_required" | "approval_denied" | "approval_timeout" | "approval_error">; reason: string };

/** Asks `handler` (if any) and waits at most `timeoutMs`. Never throws. */
export async function askApproval(handler: ApprovalHandler | undefined, request: Omit<ApprovalRequest, "signal">, timeoutMs: number): Promise<ApprovalOutcome> {
  if (handler === undefined) {
    return { approved: false, code: "approval_required", reason: `Approval required (${describeApprovers(request)}) but no approval handler is configured` };
  }
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => {
      resolve("timeout");
    }, timeoutMs);
  });
  try {
    const answer = await Promise.race([Promise.resolve().then(() => handler({ ...request, signal: controller.signal })), timeout]);
    if (answer === "timeout") {
      controller.abort(new Error("approval timed out"));
      return { approved: false, code: "approval_timeout", reason: `No approval within ${timeoutMs} ms (${describeApprovers(request)})` };
    }
    if (typeof answer !== "object" || (answer as unknown) === null || typeof answer.approved !== "boolean") {
      return { approved: false, code: "approval_error", reason: "The approval handler returned a malformed answer" };
    }
    if (!answer.approved) {
      return { approved: false, code: "approval_denied", reason: `Approval denied${answer.note === undefined ? "" : `: ${answer.note}`}` };
    }
    const approvers = Array.isArray(answer.approvers) ? answer.approvers.filter((a): a is string => typeof a === "string") : [];
    if (new Set(approvers).size < request.quorum && request.quorum > 1) {
      return { approved: false, code: "approval_denied", reason: `Approval needs ${request.quorum} distinct approvers, got ${new Set(approvers).size}` };
    }
    const outcome: ApprovalOutcome = { approved: true, approvers };
    if (typeof answer.note === "string") outcome.note = answer.note;
    return outcome;
  } catch (error) {
    return { approved: false, code: "approval_error", reason: `The approval handler failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
  }
}

function describeApprovers(request: Omit<ApprovalRequest, "signal">): string {
  return request.approvers.length === 0 ? `quorum ${request.quorum}` : `approvers ${request.approvers.join(", ")}, quorum ${request.quorum}`;
}
