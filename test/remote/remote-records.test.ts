/**
 * The remote kernel against a real sidecar: adapters' own audit entries reach the
 * sidecar's chain (`POST /v1/audit/events`), and the `post_tool` question fails closed —
 * only an answer taken by default (no `post_tool` rule matched) lets the output pass, as
 * in `createKernel`; a rule's deny or a failed round trip withholds it.
 */
import { isAgentGovError, remoteKernel, type AuditRecord, type Decision, type DecisionRequest, type PolicyDocument } from "@agentgov/core";
import { denial } from "@agentgov/core/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DECIDE_TOKEN, SidecarHost } from "./sidecar.js";
import { OpenedKernels, type KernelAndSidecar } from "./kernel-fixture.js";

const SECRET = "sk-live-0123456789";

/** Reads allowed; everything else denied by default; outputs holding the secret denied by a post_tool rule. */
const guarded: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "outputs",
  default_action: "deny",
  rules: [
    { name: "reads", condition: "tool.name == 'read_file'", action: "allow" },
    { name: "no-secret-out", stage: "post_tool", condition: `output contains '${SECRET}'`, action: "deny", message: "the output holds a secret" },
  ],
};

/** The same without any post_tool rule: the post_tool answer is the default deny. */
const noOutputRules: PolicyDocument = { ...guarded, name: "no-output-rules", rules: [{ name: "reads", condition: "tool.name == 'read_file'", action: "allow" }] };

const read = (path: string): DecisionRequest => ({ agent: "remote-bot", stage: "pre_tool", context: { tool: { name: "read_file" }, args: { path }, action: { type: "read_file" } } });

const host = new SidecarHost();
const opened = new OpenedKernels();

async function setup(policy: PolicyDocument, options: { refuseAudit?: boolean } = {}): Promise<KernelAndSidecar> {
  const sidecar = await host.start({ policies: [policy], refuseAudit: options.refuseAudit === true });
  const kernel = remoteKernel({ endpoint: sidecar.endpoint, token: DECIDE_TOKEN.token, approvals: false });
  return opened.add({ kernel, sidecar });
}

afterEach(() => opened.closeAll());

afterAll(() => host.close());

const ofCall = (records: readonly AuditRecord[], callId: string | undefined): [string, string, string, string | undefined][] =>
  records.filter((r) => r.call_id === callId).map((r) => [r.kind, r.stage, r.decision.code, r.outcome?.status]);

describe("adapters' own audit entries", () => {
  it("are appended to the sidecar's chain (linked calls under the sidecar's call id), counted", async () => {
    const { kernel, sidecar } = await setup(guarded);
    const marker: Decision = { allowed: true, action: "log", matched_rule: null, policy: null, code: "default", reason: "ungoverned: executed by the provider", policy_digest: "" };
    const stored = kernel.audit.append({ kind: "decision", agent: "remote-bot", stage: "pre_tool", tool: "hosted_search", call_id: "h1", decision: marker, policy_digest: "", ext: { ai_sdk: { ungoverned: true } } });
    expect(stored.seq).toBeGreaterThan(0);
    expect(kernel.audit.head().seq).toBe(stored.seq);
    // A decision the adapter took with the kernel, then an outcome /v1/outcome does not take (the adapter's own denial of the output).
    const allowed = kernel.decide(read("a.txt"));
    kernel.audit.append({ kind: "decision", agent: "remote-bot", stage: "pre_tool", tool: "read_file", call_id: "tc-9", decision: allowed, policy_digest: allowed.policy_digest });
    kernel.audit.append({ kind: "outcome", agent: "remote-bot", stage: "post_tool", tool: "read_file", call_id: "tc-9", decision: { ...allowed, allowed: false, action: "deny", code: "output_unenforced" as Decision["code"] }, policy_digest: allowed.policy_digest, outcome: { status: "denied" } });

    const records = await sidecar.records();
    expect(records.find((r) => r.call_id === "h1")).toMatchObject({ tool: "hosted_search", hash: stored.hash, ext: { ai_sdk: { ungoverned: true }, reported: { by: DECIDE_TOKEN.id } } });
    expect(ofCall(records, kernel.serverCallId("tc-9"))).toEqual([
      ["decision", "pre_tool", "rule", "pending"],
      ["outcome", "post_tool", "output_unenforced", "denied"],
    ]);
    expect(kernel.stats).toMatchObject({ auditEvents: 2, auditForwardFailures: 0 });
  });

  it("an entry the sidecar cannot record throws AUDIT_UNAVAILABLE (an adapter that depends on it denies), counted", async () => {
    const { kernel } = await setup(guarded, { refuseAudit: true });
    const own: Decision = { allowed: false, action: "deny", matched_rule: null, policy: null, code: "rule", reason: "the adapter's own denial", policy_digest: "" };
    let thrown: unknown;
    try {
      kernel.audit.append({ kind: "decision", agent: "remote-bot", stage: "pre_tool", tool: "own", decision: own, policy_digest: "" });
    } catch (error) {
      thrown = error;
    }
    expect(isAgentGovError(thrown) && thrown.code === "AUDIT_UNAVAILABLE").toBe(true);
    expect(kernel.stats).toMatchObject({ auditForwardFailures: 1, auditEvents: 0 });
  });
});

describe("the post_tool question (fail closed)", () => {
  it("a post_tool rule's deny withholds the output: enforce never returns it", async () => {
    const { kernel, sidecar } = await setup(guarded);
    let ran = 0;
    const e = await denial(kernel.enforce(read("keys.txt"), () => (ran++, `key: ${SECRET}`), { callId: "tc-1" }));
    expect(e.decision).toMatchObject({ code: "rule", matched_rule: "no-secret-out" });
    expect(JSON.stringify(e.decision)).not.toContain(SECRET);
    expect(ran).toBe(1);
    await expect(kernel.enforce(read("notes.txt"), () => "plain notes")).resolves.toBe("plain notes");
    const post = (await sidecar.records()).filter((r) => r.stage === "post_tool");
    expect(post.map((r) => [r.decision.action, r.decision.code])).toEqual([["deny", "rule"], ["deny", "default"]]);
  });

  it("a post_tool answer taken by default (no post_tool rule matched) lets the output pass, as in createKernel", async () => {
    const { kernel, sidecar } = await setup(noOutputRules);
    await expect(kernel.enforce(read("a.txt"), () => "contents", { callId: "tc-2" })).resolves.toBe("contents");
    const records = await sidecar.records();
    // The sidecar records the question it was asked; the outcome record says the output passed.
    expect(records.filter((r) => r.stage === "post_tool").map((r) => r.decision.code)).toEqual(["default"]);
    expect(ofCall(records, kernel.serverCallId("tc-2"))).toEqual([
      ["decision", "pre_tool", "rule", "pending"],
      ["outcome", "pre_tool", "rule", "ok"],
    ]);
  });

  it("no post_tool answer (the sidecar stopped while the tool ran) withholds the output (remote_unavailable)", async () => {
    const { kernel, sidecar } = await setup(guarded);
    let ran = 0;
    const e = await denial(
      kernel.enforce(read("a.txt"), async () => {
        ran++;
        await sidecar.stop();
        return "contents";
      }),
    );
    expect(ran).toBe(1);
    // The outcome cannot be recorded either; whichever refusal is reported, the output is withheld.
    expect(["remote_unavailable", "audit_unavailable"]).toContain(e.decision.code);
    expect(kernel.stats.remoteFailures.remote_unavailable).toBe(1);
  });
});
