import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryAudit } from "../audit/index.js";
import { AgentGovError, GovernanceDenied } from "../errors.js";
import { createKernel } from "./create-kernel.js";
import { govern } from "./govern.js";

const policyText = `apiVersion: agentgov/v1
name: tools
default_action: deny
rules:
  - name: allow-add
    condition: "tool.name == 'add' and args.a < 100"
    action: allow
  - name: allow-fetch
    condition: "action.type == 'http.get' and tenant == 'acme'"
    action: allow
`;

function add(args: { a: number; b: number }): number {
  return args.a + args.b;
}

describe("govern", () => {
  it("wraps a sync tool in one line, from a policy file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agentgov-govern-"));
    writeFileSync(join(dir, "policy.yaml"), policyText);
    const safeAdd = govern(add, { policy: join(dir, "policy.yaml"), agent: "calc-bot" });
    await expect(safeAdd({ a: 1, b: 2 })).resolves.toBe(3);
    const error: unknown = await safeAdd({ a: 500, b: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GovernanceDenied);
    expect((error as GovernanceDenied).decision).toMatchObject({ code: "default", matched_rule: null });
  });

  it("wraps an async tool with a shared kernel, action type, extra context and pass-through parameters", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [policyText], audit });
    const calls: unknown[][] = [];
    const fetchTool = async (args: { url: string }, signal?: string) => {
      await Promise.resolve();
      calls.push([args, signal]);
      return `got ${args.url}`;
    };
    const safeFetch = govern(fetchTool, { kernel, agent: { id: "web-bot", role: "reader" }, action: "http.get", runId: "run-1", context: () => ({ tenant: "acme" }) });
    await expect(safeFetch({ url: "https://a" }, "sig")).resolves.toBe("got https://a");
    expect(calls).toEqual([[{ url: "https://a" }, "sig"]]);
    expect(safeFetch.kernel).toBe(kernel);
    expect(audit.records()[0]).toMatchObject({ agent: "web-bot", tool: "fetchTool", action: "http.get", run_id: "run-1" });
  });

  it("refuses an extra context key that collides with a reserved name, without running the tool", async () => {
    let ran = 0;
    const tool = (_args: object) => ++ran;
    const safe = govern(tool, { policy: [policyText], agent: "x", context: () => ({ tool: { name: "add" } }) });
    const error: unknown = await safe({}).catch((e: unknown) => e);
    expect((error as GovernanceDenied).decision.code).toBe("invalid_request");
    expect(ran).toBe(0);
  });

  it("needs a name for an anonymous function and a function to wrap", () => {
    expect(() => govern((() => 1), { agent: "x", name: "" })).toThrow(AgentGovError);
    expect(() => govern(null as unknown as () => number, { agent: "x" })).toThrow(/takes a function/);
  });

  it("is idempotent: governing a governed function returns it, so each call is decided once", async () => {
    const audit = memoryAudit();
    const kernel = createKernel({ policies: [policyText], audit });
    const once = govern(add, { kernel, agent: "calc-bot" });
    const twice = govern(once, { kernel, agent: "calc-bot" });
    expect(twice).toBe(once);
    await twice({ a: 1, b: 2 });
    expect(audit.records().filter((r) => r.kind === "decision")).toHaveLength(1);
  });

  it("denies everything with no policy (no_policy)", async () => {
    const safe = govern(add, { agent: "x" });
    const error: unknown = await safe({ a: 1, b: 1 }).catch((e: unknown) => e);
    expect((error as GovernanceDenied).decision.code).toBe("no_policy");
  });
});
