/**
 * The adapter contract suite (FRAMEWORKS.md §5): the same scenarios and the same
 * assertions against every adapter's driver, in two kernel modes (kernel-mode.ts): the
 * in-process kernel over an in-memory audit log, and `remoteKernel` against a real
 * `@agentgov/server` sidecar with the same policies. A denied call is proven not to have
 * run by the fixture tools' side-effect counter (`ran`), never by reading logs.
 */
import { isAgentGovError, type PolicyDocument, renderDenial } from "@agentgov/core";
import { digestArgs, type AuditRecord } from "@agentgov/core/audit";
import { refusingAudit } from "@agentgov/core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_CALLS, SECRET } from "../fixtures/tools.js";
import { APPROVE_READS, DENY_DELETE, REDACT_OUTPUT, STEER_READS, TRANSFORM_PATH, WARN_AND_LOG } from "../fixtures/policies.js";
import { localMode, type KernelMode, type ScenarioKernel } from "./kernel-mode.js";
import type { AdapterDriver, DriverInput, DriverResult, KernelSpec, ScriptedCall } from "./types.js";

const DELEGATION: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "delegation",
  default_action: "allow",
  rules: [{ name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny", message: "deleting files is not allowed" }],
};
const DENY_SPECIALIST: PolicyDocument = {
  apiVersion: "agentgov/v1",
  name: "delegation",
  default_action: "allow",
  rules: [{ name: "no-specialist", condition: "tool.name == 'ask_specialist'", action: "deny", message: "the specialist is off limits" }],
};

/** The agent identity every scenario uses. */
export const CONTRACT_AGENT = "contract-bot";

interface Outcome extends DriverResult {
  records: readonly AuditRecord[];
}

/** Runs `run` on a scenario kernel, then reads its records and closes it. */
async function using<R>(built: ScenarioKernel, run: (s: ScenarioKernel) => Promise<R>): Promise<R & { records: readonly AuditRecord[] }> {
  try {
    const result = await run(built);
    return { ...result, records: await built.records() };
  } finally {
    await built.close();
  }
}

function saw(result: DriverResult, callId: string): string {
  const entry = result.modelSaw.find((m) => m.callId === callId);
  expect(entry, `the model's second request has a result for ${callId}`).toBeDefined();
  return entry?.text ?? "";
}

function denialOf(policy: PolicyDocument, rule: string): string {
  const found = policy.rules?.find((r) => r.name === rule);
  return renderDenial({ policy: policy.name, matched_rule: rule, code: "rule", reason: found?.message ?? `deny by rule '${rule}' of policy '${policy.name}'` });
}

function decisionRecords(records: readonly AuditRecord[], callId: string): AuditRecord[] {
  return records.filter((r) => r.call_id === callId && r.kind === "decision");
}

/** Registers the contract's scenarios for `driver`, with kernels built by `mode` (default: in-process). */
export function defineContract(driver: AdapterDriver, mode: KernelMode = localMode): void {
  const scenario = async (spec: KernelSpec, input: Partial<DriverInput> & { calls?: ScriptedCall[] }, built?: ScenarioKernel): Promise<Outcome> =>
    using(built ?? (await mode.build(spec)), ({ kernel }) => driver.run({ kernel, agent: CONTRACT_AGENT, calls: input.calls ?? DEFAULT_CALLS, ...input }));

  describe(`adapter contract: ${driver.name}${mode.label}`, () => {
    afterAll(() => mode.dispose());

    it("C1 deny: the denied body never runs, the model sees the shared denial text, the loop goes on", async () => {
      const r = await scenario({ policies: [DENY_DELETE] }, {});
      expect(r.ran).not.toContain("delete_file:/etc/passwd");
      expect(saw(r, "c1")).toContain(denialOf(DENY_DELETE, "no-delete"));
      expect(r.ran).toContain("read_file:a.txt");
      expect(r.error).toBeUndefined();
      expect(r.final).toBe("done");
    });

    it("C2 allow: the body runs and the model sees its output", async () => {
      const r = await scenario({ policies: [DENY_DELETE] }, {});
      expect(r.ran).toContain("read_file:a.txt");
      expect(saw(r, "c2")).toContain("contents of a.txt");
    });

    it("C3 transform args: the body runs with the rewritten args; the audit keeps the original digest and the transform", async () => {
      const r = await scenario({ policies: [TRANSFORM_PATH] }, { calls: [{ id: "c2", name: "read_file", args: { path: "a.txt" } }] });
      expect(r.ran).toEqual(["read_file:/sandbox/a.txt"]);
      const [record] = decisionRecords(r.records, "c2");
      expect(record).toMatchObject({ args_digest: digestArgs({ path: "a.txt" }), decision: { action: "transform", matched_rule: "sandbox-reads" } });
    });

    it("C4 redact output: the model and the audit never see the secret", async () => {
      const r = await scenario({ policies: [REDACT_OUTPUT] }, {});
      expect(saw(r, "c2")).toContain("[REDACTED]");
      expect(saw(r, "c2")).not.toContain(SECRET);
      expect(r.modelRequests).not.toContain(SECRET);
      expect(JSON.stringify(r.records)).not.toContain(SECRET);
    });

    describe("C6 require_approval", () => {
      it("no handler: the body does not run and the denial says approval_required", async () => {
        const r = await scenario({ policies: [APPROVE_READS] }, {});
        expect(r.ran).not.toContain("read_file:a.txt");
        expect(saw(r, "c2")).toContain("approval_required");
      });

      it("approved: the body runs and the approval is audited", async () => {
        const r = await scenario({ policies: [APPROVE_READS], approvals: () => Promise.resolve({ approved: true, approvers: ["ann"] }) }, {});
        expect(r.ran).toContain("read_file:a.txt");
        const approved = { action: "require_approval", reason: expect.stringContaining("approved by ann") as unknown };
        if (mode.remote) {
          // A sidecar records the require_approval decision when it takes it (pending_approval), then the approval's result and the tool's outcome under the same call id.
          expect(r.records.filter((x) => x.call_id === "c2").map((x) => [x.kind, x.outcome?.status])).toEqual([["decision", "pending_approval"], ["decision", "pending"], ["outcome", "ok"]]);
          expect(decisionRecords(r.records, "c2")[1]?.decision).toMatchObject(approved);
        } else expect(decisionRecords(r.records, "c2")[0]?.decision).toMatchObject(approved);
      });

      it.each([
        ["rejects", () => Promise.resolve({ approved: false }), "approval_denied"],
        ["throws", () => Promise.reject(new Error("approvals down")), "approval_error"],
        ["times out", () => new Promise<never>(() => undefined), "approval_timeout"],
      ] as const)("a handler that %s denies", async (_what, approvals, code) => {
        const r = await scenario({ policies: [APPROVE_READS], approvals, approvalTimeoutMs: 50 }, {});
        expect(r.ran).not.toContain("read_file:a.txt");
        expect(saw(r, "c2")).toContain(code);
      });
    });

    it("C7 steer: the body runs and the model sees the output followed by the reason", async () => {
      const r = await scenario({ policies: [STEER_READS] }, {});
      expect(r.ran).toContain("read_file:a.txt");
      const text = saw(r, "c2");
      expect(text.indexOf("contents of a.txt")).toBeGreaterThanOrEqual(0);
      expect(text.indexOf("prefer the cache next time")).toBeGreaterThan(text.indexOf("contents of a.txt"));
      expect(r.final).toBe("done");
    });

    it("C8 warn / log: the bodies run, the output is unchanged, the audit marks the action", async () => {
      const r = await scenario({ policies: [WARN_AND_LOG] }, {});
      expect(r.ran).toEqual(expect.arrayContaining(["read_file:a.txt", "delete_file:/etc/passwd"]));
      expect(saw(r, "c2")).toContain(`contents of a.txt: key=${SECRET}`);
      expect(decisionRecords(r.records, "c2")[0]?.decision.action).toBe("warn");
      expect(decisionRecords(r.records, "c1")[0]?.decision.action).toBe("log");
    });

    if (driver.supports.stream) {
      describe("C9 streaming", () => {
        it("C1 on the streaming entry point", async () => {
          const r = await scenario({ policies: [DENY_DELETE] }, { stream: true });
          expect(r.ran).not.toContain("delete_file:/etc/passwd");
          expect(saw(r, "c1")).toContain(denialOf(DENY_DELETE, "no-delete"));
          expect(r.ran).toContain("read_file:a.txt");
        });
        it("C4 on the streaming entry point", async () => {
          const r = await scenario({ policies: [REDACT_OUTPUT] }, { stream: true });
          expect(r.modelRequests).not.toContain(SECRET);
          expect(saw(r, "c2")).toContain("[REDACTED]");
        });
        it("C7 on the streaming entry point", async () => {
          const r = await scenario({ policies: [STEER_READS] }, { stream: true });
          expect(saw(r, "c2")).toContain("prefer the cache next time");
        });
      });
    }

    it("C10 tool error fed back: the run completes and the error reaches the model; the audit outcome is an error", async () => {
      const r = await scenario({ policies: [DENY_DELETE] }, { calls: [{ id: "c3", name: "flaky", args: {} }] });
      expect(r.error).toBeUndefined();
      expect(r.final).toBe("done");
      expect(saw(r, "c3")).toContain("disk on fire");
      expect(r.records.find((x) => x.call_id === "c3" && x.kind === "outcome")?.outcome?.status).toBe("error");
    });

    describe("C11 kernel error ⇒ deny", () => {
      it("the audit sink fails: no body runs, the model sees the denial, the run completes", async () => {
        const r = await scenario({ policies: [DENY_DELETE], audit: refusingAudit() }, {});
        expect(r.ran).toEqual([]);
        expect(saw(r, "c2")).toContain("audit_unavailable");
        expect(r.error).toBeUndefined();
      });

      it(`the decision path fails: no body runs, ${mode.remote ? "remote_unavailable" : "internal_error"}`, async () => {
        const broken = await mode.broken();
        const r = await scenario({ policies: [] }, {}, broken.scenario);
        expect(r.ran).toEqual([]);
        expect(saw(r, "c2")).toContain(broken.code);
        expect(r.error).toBeUndefined();
      });

      it("an evaluation error at post_tool withholds the output", async () => {
        const policy: PolicyDocument = { apiVersion: "agentgov/v1", name: "post", default_action: "allow", rules: [{ name: "bad-check", stage: "post_tool", condition: "len(output) > 'x'", action: "deny" }] };
        const r = await scenario({ policies: [policy] }, { calls: [{ id: "c2", name: "read_file", args: { path: "a.txt" } }] });
        expect(r.ran).toContain("read_file:a.txt");
        expect(saw(r, "c2")).toContain("evaluation_error");
        expect(r.modelRequests).not.toContain(SECRET);
      });
    });

    it("C12 audit record: one record per call per stage, with agent, stage, tool, the model's call id, decision and outcome", async () => {
      const r = await scenario({ policies: [DENY_DELETE] }, {});
      expect(decisionRecords(r.records, "c1")).toEqual([
        expect.objectContaining({ agent: CONTRACT_AGENT, stage: "pre_tool", tool: "delete_file", decision: expect.objectContaining({ allowed: false, action: "deny", matched_rule: "no-delete", policy: "contract", code: "rule" }) as unknown, outcome: { status: "denied" } }),
      ]);
      expect(r.records.filter((x) => x.call_id === "c2").map((x) => [x.kind, x.outcome?.status])).toEqual([["decision", "pending"], ["outcome", "ok"]]);
    });

    it("C15 idempotent: governing twice still gives one record per call per stage", async () => {
      const r = await scenario({ policies: [DENY_DELETE] }, { governTwice: true });
      expect(decisionRecords(r.records, "c2")).toHaveLength(1);
      expect(r.ran.filter((x) => x === "read_file:a.txt")).toHaveLength(1);
    });

    if (driver.supports.throwMode) {
      it("C15 hard mode: onDeny throw rejects the run with GovernanceDenied", async () => {
        const r = await scenario({ policies: [DENY_DELETE] }, { onDeny: "throw" });
        const e = r.error as { error?: unknown; cause?: unknown } | undefined;
        expect(isAgentGovError(e) || isAgentGovError(e?.error) || isAgentGovError(e?.cause)).toBe(true);
        expect(r.ran).not.toContain("delete_file:/etc/passwd");
      });
    }

    if (driver.delegation !== undefined) {
      const delegate = driver.delegation.bind(driver);
      describe("C13 delegation (a sub-agent exposed as a tool)", () => {
        it("a denied sub-agent call never reaches the sub-agent's model; the parent sees the denial", async () => {
          const r = await using(await mode.build({ policies: [DENY_SPECIALIST] }), ({ kernel }) => delegate({ kernel, agent: CONTRACT_AGENT }));
          expect(r.subAgentModelCalls).toBe(0);
          expect(r.ran).toEqual([]);
          expect(r.modelSaw.find((m) => m.callId === "d1")?.text).toContain(denialOf(DENY_SPECIALIST, "no-specialist"));
          expect(decisionRecords(r.records, "d1")[0]?.decision).toMatchObject({ allowed: false, matched_rule: "no-specialist" });
        });

        it("an allowed sub-agent runs, and its own tools are governed", async () => {
          const r = await using(await mode.build({ policies: [DELEGATION] }), ({ kernel }) => delegate({ kernel, agent: CONTRACT_AGENT }));
          expect(r.subAgentModelCalls).toBeGreaterThan(0);
          expect(r.ran).not.toContain("delete_file:/etc/passwd");
          expect(r.records.some((x) => x.kind === "decision" && x.tool === "delete_file" && x.decision.matched_rule === "no-delete")).toBe(true);
        });
      });
    }

    if (driver.ungoverned !== undefined) {
      const expose = driver.ungoverned.bind(driver);
      describe("C16 ungoverned surfaces", () => {
        it("are audited as ungoverned or output_unenforced", async () => {
          // With a sidecar, an adapter's own markers are recorded there through POST /v1/audit/events.
          const r = await using(await mode.build({ policies: [DENY_DELETE] }), ({ kernel }) => expose({ kernel, agent: CONTRACT_AGENT, strict: false }));
          expect(r.error).toBeUndefined();
          expect(JSON.stringify(r.records)).toMatch(/ungoverned|output_unenforced/);
        });

        it("throw in strict mode", async () => {
          const r = await using(await mode.build({ policies: [DENY_DELETE] }), ({ kernel }) => expose({ kernel, agent: CONTRACT_AGENT, strict: true }));
          expect(r.error).toBeDefined();
        });
      });
    }

    if (mode.stopped !== undefined) {
      const stopped = mode.stopped.bind(mode);
      it("S1 a stopped sidecar means deny, never allow: no body runs, each call is denied remote_unavailable, the run completes", async () => {
        const r = await scenario({ policies: [WARN_AND_LOG] }, {}, await stopped({ policies: [WARN_AND_LOG] }));
        expect(r.ran).toEqual([]);
        expect(saw(r, "c1")).toContain("remote_unavailable");
        expect(saw(r, "c2")).toContain("remote_unavailable");
        expect(r.error).toBeUndefined();
      });
    }

    if (driver.supports.mcp) {
      it("C14 MCP governed: a denied MCP call never reaches the server; an allowed one does", async () => {
        const r = await scenario({ policies: [DENY_DELETE] }, { mcp: true, calls: [{ id: "c4", name: "mcp_delete", args: { id: "x" } }, { id: "c5", name: "mcp_read", args: { key: "k" } }] });
        expect(r.serverLog).not.toContain("mcp_delete");
        expect(r.serverLog).toContain("mcp_read");
        expect(saw(r, "c4")).toContain(denialOf(DENY_DELETE, "no-delete"));
      });

      it("C5 redact structured MCP output: the secret is nowhere in what the model is sent", async () => {
        const r = await scenario({ policies: [REDACT_OUTPUT] }, { mcp: true, calls: [{ id: "c6", name: "mcp_struct", args: { user: "ann" } }] });
        expect(r.serverLog).toContain("mcp_struct");
        expect(r.modelRequests).not.toContain(SECRET);
        expect(saw(r, "c6")).toContain("ann");
      });
    }
  });
}
