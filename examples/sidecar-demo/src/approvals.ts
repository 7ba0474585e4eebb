/**
 * The demo's approval handler: the core's `remoteApprovalHandler` (create the approval on
 * the sidecar, long-poll it, consume it), plus a line telling the human where to vote. In
 * `--self-hosted` mode a scripted approver votes through the HTTP API with its own
 * `approve` token, as a human in the console would, following the given verdicts in order.
 */
import { remoteApprovalHandler, type ApprovalHandler } from "@agentgov/core";

/** How approvals are answered. */
export type Approver = { kind: "human"; consoleUrl: string; waitSeconds: number } | { kind: "scripted"; token: string; verdicts: ("approve" | "deny")[] };

/** The approval handler for the demo's kernels. */
export function demoApprovals(endpoint: string, agentToken: string, approver: Approver): ApprovalHandler {
  const remote = remoteApprovalHandler({ endpoint, token: agentToken });
  return async (request) => {
    const tool = (request.request.context.tool as { name?: unknown } | undefined)?.name;
    const rule = `${String(request.decision.policy)}/${String(request.decision.matched_rule)}`;
    say(`  ⏳ ${String(tool)} ${JSON.stringify(request.request.context.args)} needs approval (${rule}, quorum ${String(request.quorum)})`);
    if (approver.kind === "human") {
      say(`     approve it in the console at ${approver.consoleUrl} (waiting up to ${String(approver.waitSeconds)} s)`);
      return remote(request);
    }
    const verdict = approver.verdicts.shift() ?? "deny";
    const voting = vote(endpoint, approver.token, request.actionDigest, verdict, request.signal);
    const [result] = await Promise.all([remote(request), voting]);
    return result;
  };
}

/** Finds the pending approval for `actionDigest` and votes on it (the scripted human). */
async function vote(endpoint: string, token: string, actionDigest: string, verdict: "approve" | "deny", signal: AbortSignal): Promise<void> {
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  for (let attempt = 0; attempt < 200 && !signal.aborted; attempt++) {
    const res = await fetch(`${endpoint}/v1/approvals?status=pending`, { headers, signal });
    if (res.status !== 200) throw new Error(`listing approvals answered ${String(res.status)}`);
    const { approvals } = (await res.json()) as { approvals: { id: string; actionDigest: string }[] };
    const pending = approvals.find((a) => a.actionDigest === actionDigest);
    if (pending !== undefined) {
      const note = verdict === "approve" ? "checked the order: fine" : "too large without a manager";
      const answer = await fetch(`${endpoint}/v1/approvals/${encodeURIComponent(pending.id)}/${verdict}`, { method: "POST", headers, body: JSON.stringify({ note }), signal });
      if (answer.status !== 200) throw new Error(`voting answered ${String(answer.status)}: ${await answer.text()}`);
      say(`     support-lead voted ${verdict} through the API ("${note}")`);
      return;
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  throw new Error("the approval never appeared in the pending list");
}

function say(text: string): void {
  process.stdout.write(text + "\n");
}
