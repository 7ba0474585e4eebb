import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, request, startHarness, SUPPORT_POLICY, waitFor, writePolicy, type Harness } from "./testing/fixtures/harness.js";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.cleanup();
});

const health = async (): Promise<Record<string, unknown> & { policies: Record<string, unknown> }> =>
  (await call(h.base, "/healthz")).body as Record<string, unknown> & { policies: Record<string, unknown> };
const decide = async (tool: string): Promise<Record<string, unknown>> => (await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("support-1", tool) })).body;

describe("policy hot reload", () => {
  it("swaps in a changed policy set on its own", async () => {
    const digest = h.server.kernel.digest;
    expect((await decide("export")).action).toBe("deny");
    writePolicy(h.policies, "support.yaml", SUPPORT_POLICY + "  - name: allow-export\n    condition: \"tool.name == 'export'\"\n    action: allow\n");
    await waitFor(async () => (await health()).policies.digest !== digest, "the reload");
    expect(await decide("export")).toMatchObject({ action: "allow", matched_rule: "allow-export", policy_digest: h.server.kernel.digest });
    expect((await health()).policies).toMatchObject({ reloads: 1, last_error: null });
    // A new file in the directory joins the set (files load in name order).
    writePolicy(h.policies, "z-extra.json", JSON.stringify({ apiVersion: "agentgov/v1", name: "extra", agents: ["ops-*"], rules: [{ name: "ops", condition: "tool.name == 'restart'", action: "allow" }] }));
    await waitFor(async () => ((await health()).policies.names as string[]).includes("extra"), "the new file");
    expect((await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("ops-1", "restart") })).body.action).toBe("allow");
  });

  it("keeps the previous set when the new one does not load, and reports it", async () => {
    const digest = h.server.kernel.digest;
    writePolicy(h.policies, "support.yaml", SUPPORT_POLICY.replace("tool.name == 'delete'", "tool.name = 'delete'").replace("tool.name == 'search'", "true"));
    await waitFor(async () => (await health()).policies.last_error !== null, "the failed reload");
    const status = await call(h.base, "/healthz");
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: "degraded", policies: { digest, reload_failures: 1 } });
    expect(JSON.stringify((status.body.policies as Record<string, unknown>).last_error)).toMatch(/support\.yaml:\d+:\d+: condition/);
    // Decisions are those of the previous set: delete denied by its rule, search allowed, others default deny.
    expect(await decide("delete")).toMatchObject({ action: "deny", matched_rule: "block-delete", policy_digest: digest });
    expect(await decide("search")).toMatchObject({ action: "allow", matched_rule: "allow-search" });
    expect((await decide("anything")).action).toBe("deny");
    expect(h.logs.some((l) => l.startsWith("policy reload failed; keeping the previous set"))).toBe(true);
    const metrics = await (await fetch(`${h.base}/metrics`, { headers: { authorization: `Bearer ${h.tokens.audit}` } })).text();
    expect(metrics).toContain("agentgov_policy_reload_failures_total 1");
    // Fixing the file recovers.
    writePolicy(h.policies, "support.yaml", SUPPORT_POLICY.replace("No deletes", "Still no deletes"));
    await waitFor(async () => (await health()).policies.last_error === null, "the recovery");
    expect((await decide("delete")).reason).toBe("Still no deletes");
  });

  it("keeps the previous set when the directory disappears", async () => {
    rmSync(h.policies, { recursive: true });
    await waitFor(async () => (await health()).policies.last_error !== null, "the failed reload");
    expect((await decide("search")).action).toBe("allow");
  });

  it("loads a change of several files all or nothing", async () => {
    await h.cleanup();
    h = await startHarness({ watch: false });
    const digest = h.server.kernel.digest;
    writePolicy(h.policies, "a-good.yaml", "apiVersion: agentgov/v1\nname: good\nrules:\n  - name: allow-export\n    condition: \"tool.name == 'export'\"\n    action: allow\n");
    writePolicy(h.policies, "b-bad.yaml", "apiVersion: agentgov/v1\nname: bad\nrules:\n  - name: x\n    condition: \"tool.name ==\"\n");
    expect(h.server.reloadPolicies()).toBe("failed");
    expect(h.server.kernel.digest).toBe(digest);
    expect((await decide("export")).action).toBe("deny");
    expect(h.server.reloadPolicies()).toBe("unchanged");
    expect(h.server.policyStatus().reloadFailures).toBe(1);
    rmSync(join(h.policies, "b-bad.yaml"));
    expect(h.server.reloadPolicies()).toBe("reloaded");
    expect((await decide("export")).action).toBe("allow");
  });

  it("refuses to start without loadable policies", async () => {
    writeFileSync(join(h.policies, "broken.yaml"), "rules: [");
    await h.server.close();
    await expect(h.restart()).rejects.toMatchObject({ code: "POLICY_LOAD" });
  });
});
