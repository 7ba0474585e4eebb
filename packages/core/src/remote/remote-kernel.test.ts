import { Worker } from "node:worker_threads";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { memoryAudit } from "../audit/index.js";
import { isAgentGovError } from "../errors.js";
import type { AgentKillSwitch } from "../guards/kill-switch.js";
import type { Decision, DecisionRequest } from "../policy/types.js";
import { denial } from "../testing/index.js";
import type { RemoteKernel, RemoteKernelOptions } from "./options.js";
import { remoteKernel } from "./remote-kernel.js";

const TOKEN = "agt_test-token";

type Fault = "none" | "hang" | "garbage" | "status500" | "oversized" | "invalid_decision" | "outcome500" | "events500";

interface StubState {
  decided: { request: DecisionRequest; callId: string; query: string }[];
  outcomes: Record<string, unknown>[];
  events: Record<string, unknown>[];
}

/**
 * The stub sidecar (stub-sidecar.fixture.mjs) on 127.0.0.1, in a worker thread: the
 * synchronous `decide` blocks this thread, so the server must answer from another one.
 */
class StubSidecar {
  port = 0;
  digest = "";
  private readonly worker = new Worker(new URL("./stub-sidecar.fixture.mjs", import.meta.url), { workerData: { token: TOKEN } });
  private next = 0;

  async start(): Promise<void> {
    const ready = await new Promise<{ port: number; digest: string }>((resolve) => {
      this.worker.once("message", resolve);
    });
    this.port = ready.port;
    this.digest = ready.digest;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private ask(message: Record<string, unknown>): Promise<StubState> {
    const id = ++this.next;
    return new Promise((resolve) => {
      const onMessage = (m: StubState & { id?: number }): void => {
        if (m.id !== id) return;
        this.worker.off("message", onMessage);
        resolve(m);
      };
      this.worker.on("message", onMessage);
      this.worker.postMessage({ ...message, id });
    });
  }

  async fault(fault: Fault): Promise<void> {
    await this.ask({ type: "fault", fault });
  }

  state(): Promise<StubState> {
    return this.ask({ type: "state" });
  }

  async stop(): Promise<void> {
    await this.ask({ type: "stop" });
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

const call = (tool: string, args: Record<string, unknown> = {}): DecisionRequest => ({ agent: "bot", stage: "pre_tool", context: { tool: { name: tool }, args, action: { type: tool } } });

let sidecar: StubSidecar;
const kernels: RemoteKernel[] = [];

function kernel(options: Partial<RemoteKernelOptions> = {}): RemoteKernel {
  const k = remoteKernel({ endpoint: sidecar.endpoint, token: TOKEN, timeoutMs: 5_000, approvals: false, maxAnswerBytes: 16 * 1024, ...options });
  kernels.push(k);
  return k;
}


beforeEach(async () => {
  sidecar = new StubSidecar();
  await sidecar.start();
});

afterEach(async () => {
  for (const k of kernels.splice(0)) await k.close();
  await sidecar.stop();
  await sidecar.terminate();
});

describe("remoteKernel: round trips", () => {
  it("decide (synchronous) returns the sidecar's allow and deny", () => {
    const k = kernel();
    expect(k.decide(call("write"))).toMatchObject({ allowed: true, action: "allow", code: "default" });
    expect(k.decide(call("delete"))).toMatchObject({ allowed: false, action: "deny", matched_rule: "no-delete", policy: "stub", code: "rule", reason: "no deleting" });
    expect(k.digest).toBe(sidecar.digest);
    expect(k.stats.remoteDecisions).toBe(2);
  });

  it("decideAsync returns the same decisions without blocking", async () => {
    const k = kernel();
    await expect(k.decideAsync(call("write"))).resolves.toMatchObject({ allowed: true, action: "allow" });
    await expect(k.decideAsync(call("delete"))).resolves.toMatchObject({ allowed: false, matched_rule: "no-delete" });
  });

  it("passes explain and dryRun as query parameters", async () => {
    const k = kernel();
    k.decide(call("write"), { explain: true, dryRun: true });
    expect((await sidecar.state()).decided[0]?.query).toBe("explain=true&dryRun=true");
  });

  it("enforce runs an allowed tool with transformed args and reports its outcome under the sidecar's call id", async () => {
    const k = kernel();
    const ran: unknown[] = [];
    await expect(k.enforce(call("read", { path: "/etc/passwd" }), (args) => (ran.push(args), "contents"), { callId: "c1" })).resolves.toBe("contents");
    expect(ran).toEqual([{ path: "/sandbox" }]);
    const { decided, outcomes } = await sidecar.state();
    const pre = decided[0];
    expect(pre?.request.stage).toBe("pre_tool");
    expect(decided[1]?.request).toMatchObject({ stage: "post_tool", context: { output: "contents" } });
    expect(outcomes).toEqual([{ call_id: pre?.callId, status: "ok", duration_ms: expect.any(Number) as unknown }]);
    expect(k.serverCallId("c1")).toBe(pre?.callId);
    expect(k.stats.auditForwarded).toBe(1);
  });

  it("enforce never runs a denied tool, and reports no outcome", async () => {
    const k = kernel();
    const ran: unknown[] = [];
    const e = await denial(k.enforce(call("delete"), (args) => ran.push(args)));
    expect(e.decision).toMatchObject({ code: "rule", matched_rule: "no-delete" });
    expect(ran).toEqual([]);
    expect((await sidecar.state()).outcomes).toEqual([]);
    expect(k.stats.denied).toBe(1);
  });

  it("enforce withholds an output the sidecar's post_tool check denies", async () => {
    const k = kernel();
    const e = await denial(k.enforce(call("write"), () => ({ secret: "s3cr3t" })));
    expect(e.decision).toMatchObject({ matched_rule: "no-secret-out" });
  });

  it("enforce appends a steer message and reports a tool's error unchanged", async () => {
    const k = kernel();
    const steered: string[] = [];
    await expect(k.enforce(call("nudge"), () => "out", { onSteer: (m) => steered.push(m) })).resolves.toBe("out\n\n[agentgov] prefer the cache");
    const boom = new Error("disk on fire");
    await expect(
      k.enforce(call("write"), () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect((await sidecar.state()).outcomes.at(-1)).toMatchObject({ status: "error", error: { name: "Error", message: "disk on fire" } });
    expect(steered).toEqual(["prefer the cache"]);
  });

  it("a local per-agent kill denies that agent (kill_switch) without asking the sidecar", async () => {
    const k = kernel();
    (k.killSwitch as AgentKillSwitch).killAgent("bot", "runaway");
    const ran: unknown[] = [];
    expect((await denial(k.enforce(call("write"), (a) => ran.push(a)))).decision).toMatchObject({ code: "kill_switch", reason: "Agent 'bot' is killed: runaway" });
    expect(k.decide({ ...call("write"), agent: "other" }).allowed).toBe(true);
    expect(ran).toEqual([]);
    expect((await sidecar.state()).decided).toHaveLength(1);
  });

  it("an approval from a handler other than the sidecar's is recorded as events under the sidecar's call id", async () => {
    const k = kernel({ approvals: () => Promise.resolve({ approved: true, approvers: ["finance"] }) });
    await expect(k.enforce(call("refund", { amount: 5 }), () => "refunded", { callId: "tc-r" })).resolves.toBe("refunded");
    const { events } = await sidecar.state();
    const serverId = k.serverCallId("tc-r");
    expect(events.map((e) => [e.kind, e.call_id, (e.outcome as { status: string }).status])).toEqual([["decision", serverId, "pending"], ["outcome", serverId, "ok"]]);
    expect(events[0]).toMatchObject({ decision: { action: "require_approval", reason: expect.stringContaining("approved by finance") as unknown } });
  });

  it("a refusal by a handler other than the sidecar's is recorded as an event under the sidecar's call id", async () => {
    const k = kernel({ approvals: () => Promise.resolve({ approved: false, note: "no" }) });
    const ran: unknown[] = [];
    expect((await denial(k.enforce(call("refund", { amount: 5 }), (a) => ran.push(a), { callId: "tc-n" }))).decision.code).toBe("approval_denied");
    expect(ran).toEqual([]);
    const { events } = await sidecar.state();
    expect(events).toMatchObject([{ kind: "decision", call_id: k.serverCallId("tc-n"), decision: { code: "approval_denied" }, outcome: { status: "denied" } }]);
  });

  it("an approval whose record the sidecar refuses is denied (audit_unavailable); the tool never runs", async () => {
    const k = kernel({ approvals: () => Promise.resolve({ approved: true, approvers: ["finance"] }) });
    await sidecar.fault("events500");
    const ran: unknown[] = [];
    expect((await denial(k.enforce(call("refund", { amount: 5 }), (a) => ran.push(a)))).decision.code).toBe("audit_unavailable");
    expect(ran).toEqual([]);
    expect(k.stats.auditForwardFailures).toBe(1);
  });

  it("the local kill switch and quarantine deny without asking the sidecar", async () => {
    const k = kernel();
    k.killSwitch.engage("incident");
    expect(k.decide(call("write"))).toMatchObject({ allowed: false, code: "kill_switch" });
    k.killSwitch.release();
    k.quarantine.add("bot", "under review");
    await expect(k.decideAsync(call("write"))).resolves.toMatchObject({ allowed: false, code: "quarantined" });
    expect((await sidecar.state()).decided).toEqual([]);
  });
});

describe("remoteKernel: every failure denies with its code, counted", () => {
  /** What goes wrong, how to make it, the code it must deny with; a never-answering sidecar is given a short timeout. */
  const faults: [string, () => Promise<void>, Decision["code"]][] = [
    ["the sidecar is stopped", () => sidecar.stop(), "remote_unavailable"],
    ["the sidecar never answers", () => sidecar.fault("hang"), "remote_timeout"],
    ["the answer is not JSON", () => sidecar.fault("garbage"), "remote_invalid_answer"],
    ["the sidecar answers 500", () => sidecar.fault("status500"), "remote_unavailable"],
    ["the answer is oversized", () => sidecar.fault("oversized"), "remote_invalid_answer"],
    ["the decision does not validate", () => sidecar.fault("invalid_decision"), "remote_invalid_answer"],
  ];

  for (const [what, inject, code] of faults) {
    describe(what, () => {
      const options = code === "remote_timeout" ? { timeoutMs: 300 } : {};
      it(`decide → deny ${code}`, async () => {
        const k = kernel(options);
        await inject();
        const d = k.decide(call("write"));
        expect(d).toMatchObject({ allowed: false, action: "deny", code });
        expect(k.stats.remoteFailures[code as keyof RemoteKernel["stats"]["remoteFailures"]]).toBe(1);
      });

      it(`decideAsync → deny ${code}`, async () => {
        const k = kernel(options);
        await inject();
        await expect(k.decideAsync(call("write"))).resolves.toMatchObject({ allowed: false, code });
      });

      it(`enforce → the tool does not run, GovernanceDenied ${code}`, async () => {
        const k = kernel(options);
        await inject();
        const ran: unknown[] = [];
        const e = await denial(k.enforce(call("write"), (args) => ran.push(args)));
        expect(e.decision.code).toBe(code);
        expect(ran).toEqual([]);
        expect(k.stats.denied).toBe(1);
      });
    });
  }

  it("a wrong token → deny remote_unauthorized (decide, decideAsync, enforce)", async () => {
    const k = kernel({ token: "agt_wrong" });
    expect(k.decide(call("write"))).toMatchObject({ allowed: false, code: "remote_unauthorized" });
    await expect(k.decideAsync(call("write"))).resolves.toMatchObject({ allowed: false, code: "remote_unauthorized" });
    expect((await denial(k.enforce(call("write"), () => "ran"))).decision.code).toBe("remote_unauthorized");
    expect(k.stats.remoteFailures.remote_unauthorized).toBe(3);
  });

  it("a request that is not JSON → deny invalid_request, never sent", async () => {
    const k = kernel();
    expect(k.decide({ agent: "bot", context: { args: { n: 1n } } })).toMatchObject({ allowed: false, code: "invalid_request" });
    expect((await sidecar.state()).decided).toEqual([]);
  });

  it("after a timed-out decide, each next decide reads its own answer", async () => {
    const k = kernel({ timeoutMs: 500 });
    await sidecar.fault("hang");
    expect(k.decide(call("write"))).toMatchObject({ code: "remote_timeout" });
    await sidecar.fault("none");
    expect(k.decide(call("delete"))).toMatchObject({ code: "rule", matched_rule: "no-delete" });
    expect(k.decide(call("write"))).toMatchObject({ allowed: true });
  });

  it("an outcome the sidecar refuses withholds the output (audit_unavailable)", async () => {
    const k = kernel();
    await sidecar.fault("outcome500");
    const e = await denial(k.enforce(call("write"), () => "done"));
    expect(e.decision).toMatchObject({ code: "audit_unavailable" });
    expect(k.stats.auditForwardFailures).toBe(1);
  });
});

describe("remoteKernel: the audit sink", () => {
  it("an adapter's decision entry is matched to the sidecar's decision, and its outcome is forwarded synchronously", async () => {
    const k = kernel();
    const d = k.decide(call("write"));
    k.audit.append({ kind: "decision", agent: "bot", stage: "pre_tool", tool: "write", call_id: "tc-1", decision: d, policy_digest: d.policy_digest, outcome: { status: "pending" } });
    const record = k.audit.append({ kind: "outcome", agent: "bot", stage: "pre_tool", tool: "write", call_id: "tc-1", decision: d, policy_digest: d.policy_digest, outcome: { status: "ok", duration_ms: 3 } });
    const { decided, outcomes } = await sidecar.state();
    expect(outcomes).toEqual([{ call_id: decided[0]?.callId, status: "ok", duration_ms: 3 }]);
    expect(record).toMatchObject({ kind: "outcome", seq: 1 });
    expect(k.audit.head().seq).toBe(1);
  });

  it("an outcome the sidecar refuses throws AUDIT_UNAVAILABLE (so an adapter withholds), counted", async () => {
    const k = kernel();
    const d = k.decide(call("write"));
    k.audit.append({ kind: "decision", agent: "bot", stage: "pre_tool", tool: "write", call_id: "tc-2", decision: d, policy_digest: d.policy_digest });
    await sidecar.fault("outcome500");
    let thrown: unknown;
    try {
      k.audit.append({ kind: "outcome", agent: "bot", stage: "pre_tool", tool: "write", call_id: "tc-2", decision: d, policy_digest: d.policy_digest, outcome: { status: "ok" } });
    } catch (error) {
      thrown = error;
    }
    expect(isAgentGovError(thrown) && thrown.code === "AUDIT_UNAVAILABLE").toBe(true);
    expect(k.stats.auditForwardFailures).toBe(1);
  });

  it("an adapter's own entries go to POST /v1/audit/events (a copy in the journal), under the sidecar's call id when linked, counted", async () => {
    const journal = memoryAudit();
    const k = kernel({ journal });
    const d: Decision = { allowed: true, action: "log", matched_rule: null, policy: null, code: "default", reason: "ungoverned", policy_digest: "" };
    const marker = k.audit.append({ kind: "decision", agent: "bot", stage: "pre_tool", tool: "hosted", decision: d, policy_digest: "", ext: { x: { ungoverned: true } } });
    expect(marker).toMatchObject({ seq: 101, tool: "hosted" });
    // An outcome /v1/outcome cannot carry (a denial by the adapter after the call was linked).
    const allowed = k.decide(call("write"));
    k.audit.append({ kind: "decision", agent: "bot", stage: "pre_tool", tool: "write", call_id: "tc-3", decision: allowed, policy_digest: allowed.policy_digest });
    k.audit.append({ kind: "outcome", agent: "bot", stage: "post_tool", tool: "write", call_id: "tc-3", decision: allowed, policy_digest: allowed.policy_digest, outcome: { status: "denied" } });
    const { decided, events } = await sidecar.state();
    expect(events).toMatchObject([{ kind: "decision", tool: "hosted", ext: { x: { ungoverned: true } } }, { kind: "outcome", call_id: decided[0]?.callId, outcome: { status: "denied" } }]);
    expect(journal.records()).toHaveLength(2);
    expect(k.stats).toMatchObject({ auditEvents: 2, auditForwarded: 2, auditForwardFailures: 0 });
    expect(k.audit.head().seq).toBe(102);
  });

  it("an event the sidecar refuses throws AUDIT_UNAVAILABLE (so an adapter that depends on it denies), counted", async () => {
    const k = kernel();
    await sidecar.fault("events500");
    const d: Decision = { allowed: false, action: "deny", matched_rule: null, policy: null, code: "rule", reason: "adapter's own", policy_digest: "" };
    let thrown: unknown;
    try {
      k.audit.append({ kind: "decision", agent: "bot", stage: "pre_tool", tool: "own", decision: d, policy_digest: "" });
    } catch (error) {
      thrown = error;
    }
    expect(isAgentGovError(thrown) && thrown.code === "AUDIT_UNAVAILABLE").toBe(true);
    expect(k.stats).toMatchObject({ auditForwardFailures: 1, auditEvents: 0 });
  });
});

describe("remoteKernel: options", () => {
  it.each([
    [{ endpoint: "ftp://127.0.0.1" }],
    [{ endpoint: "not a url" }],
    [{ endpoint: "http://user:pw@127.0.0.1:1" }],
    [{ endpoint: "http://127.0.0.1:1", token: "two words" }],
    [{ endpoint: "http://127.0.0.1:1", timeoutMs: 0 }],
  ])("refuses %j", (options) => {
    let thrown: unknown;
    try {
      remoteKernel(options);
    } catch (error) {
      thrown = error;
    }
    expect(isAgentGovError(thrown) && thrown.code === "INVALID_OPTIONS").toBe(true);
  });
});
