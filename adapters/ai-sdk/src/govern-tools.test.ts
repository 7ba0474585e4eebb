import { createKernel, GOVERNED, type Kernel, memoryAudit, type PolicyDocument, renderDenial } from "@agentgov/core";
import { refusingAudit } from "@agentgov/core/testing";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { governTools } from "./index.js";
import { MAJORS, type Major } from "./testing/fixtures/harness.js";

const SECRET = "sk-SECRET123";
const AGENT = "support-bot";

const policy = (rules: NonNullable<PolicyDocument["rules"]>): PolicyDocument => ({ apiVersion: "agentgov/v1", name: "p", default_action: "allow", rules });
const NO_DELETE = { name: "no-delete", condition: "tool.name == 'delete_file'", action: "deny", message: "deleting files is not allowed" } as const;

function setup(rules: NonNullable<PolicyDocument["rules"]>) {
  const audit = memoryAudit();
  const kernel = createKernel({ policies: [policy(rules)], audit });
  return { kernel, audit };
}

function fixtureTools(major: Major, ran: string[]) {
  return {
    read_file: major.tool({
      description: "Read a file",
      inputSchema: z.object({ path: z.string() }),
      execute: ({ path }: { path: string }) => {
        ran.push(`read_file:${path}`);
        return `contents of ${path}: key=${SECRET}`;
      },
    }),
    delete_file: major.tool({
      description: "Delete a file",
      inputSchema: z.object({ path: z.string() }),
      execute: ({ path }: { path: string }) => {
        ran.push(`delete_file:${path}`);
        return Promise.resolve(`deleted ${path}`);
      },
    }),
    flaky: major.tool({
      description: "Always fails",
      inputSchema: z.object({}),
      execute: () => {
        ran.push("flaky:");
        throw new Error("disk on fire");
      },
    }),
    lookup: major.tool({
      description: "Structured lookup",
      inputSchema: z.object({ user: z.string() }),
      execute: ({ user }: { user: string }) => {
        ran.push(`lookup:${user}`);
        return { user, apiKey: SECRET };
      },
    }),
  };
}

const CALLS = [
  { id: "c1", name: "delete_file", args: { path: "/etc/passwd" } },
  { id: "c2", name: "read_file", args: { path: "a.txt" } },
];

const saw = (r: { modelSaw: { callId: string; text: string; type: string }[] }, id: string) => r.modelSaw.find((s) => s.callId === id);

describe.each(MAJORS)("governTools on ai@$major", (major) => {
  describe.each([false, true])("stream=%s", (stream) => {
    it("deny is soft: the body never runs, the model sees the shared denial text, the loop goes on", async () => {
      const { kernel, audit } = setup([NO_DELETE]);
      const ran: string[] = [];
      const r = await major.run({ tools: governTools(fixtureTools(major, ran), { kernel, agent: AGENT }), calls: CALLS, stream });
      expect(r.error).toBeUndefined();
      expect(ran).toEqual(["read_file:a.txt"]);
      expect(saw(r, "c1")).toEqual({ callId: "c1", type: "text", text: "denied by policy (p/no-delete): deleting files is not allowed" });
      expect(saw(r, "c2")?.text).toContain("contents of a.txt");
      expect(r.final).toBe("done");
      const c1 = audit.records().filter((x) => x.call_id === "c1");
      expect(c1).toEqual([expect.objectContaining({ kind: "decision", agent: AGENT, stage: "pre_tool", tool: "delete_file", outcome: { status: "denied" } })]);
      expect(audit.records().filter((x) => x.call_id === "c2").map((x) => [x.kind, x.outcome?.status])).toEqual([["decision", "pending"], ["outcome", "ok"]]);
    });

    it("redaction reaches the model and steps[].toolResults", async () => {
      const { kernel } = setup([{ name: "redact", stage: "post_tool", condition: "tool.name == 'read_file'", action: "transform", redact: ["output"] }]);
      const ran: string[] = [];
      const r = await major.run({ tools: governTools(fixtureTools(major, ran), { kernel, agent: AGENT }), calls: [CALLS[1]!], stream });
      expect(ran).toEqual(["read_file:a.txt"]);
      expect(saw(r, "c2")?.text).toBe("[REDACTED]");
      expect(r.laterRequests).not.toContain(SECRET);
      expect(JSON.stringify(r.toolResults)).not.toContain(SECRET);
    });

    it("steer appends the reason to string output", async () => {
      const { kernel } = setup([{ name: "steer", condition: "tool.name == 'read_file'", action: "steer", message: "prefer the cache" }]);
      const r = await major.run({ tools: governTools(fixtureTools(major, []), { kernel, agent: AGENT }), calls: [CALLS[1]!], stream });
      expect(saw(r, "c2")?.text).toBe(`contents of a.txt: key=${SECRET}\n\n[agentgov] prefer the cache`);
      expect(r.final).toBe("done");
    });
  });

  it("steer on non-string output serializes it first (§4.2-8)", async () => {
    const { kernel } = setup([{ name: "steer", condition: "tool.name == 'lookup'", action: "steer", message: "mind the key" }]);
    const r = await major.run({ tools: governTools(fixtureTools(major, []), { kernel, agent: AGENT }), calls: [{ id: "c9", name: "lookup", args: { user: "ann" } }] });
    expect(saw(r, "c9")).toEqual({ callId: "c9", type: "text", text: `{"user":"ann","apiKey":"${SECRET}"}\n\n[agentgov] mind the key` });
    expect(r.toolResults[0]?.output).toBe(saw(r, "c9")?.text);
  });

  it("structured output is redacted deeply", async () => {
    const { kernel } = setup([{ name: "redact", stage: "post_tool", condition: "tool.name == 'lookup'", action: "transform", redact: ["output.apiKey"] }]);
    const r = await major.run({ tools: governTools(fixtureTools(major, []), { kernel, agent: AGENT }), calls: [{ id: "c9", name: "lookup", args: { user: "ann" } }] });
    expect(saw(r, "c9")).toMatchObject({ type: "json" });
    expect(saw(r, "c9")?.text).toContain("ann");
    expect(r.laterRequests).not.toContain(SECRET);
    expect(r.toolResults[0]?.output).toEqual({ user: "ann", apiKey: "[REDACTED]" });
  });

  it("transform rewrites the args the body gets; the audit keeps the original digest", async () => {
    const { kernel, audit } = setup([{ name: "sandbox", condition: "tool.name == 'read_file'", action: "transform", set: { "args.path": "/sandbox/a.txt" } }]);
    const ran: string[] = [];
    await major.run({ tools: governTools(fixtureTools(major, ran), { kernel, agent: AGENT }), calls: [CALLS[1]!] });
    expect(ran).toEqual(["read_file:/sandbox/a.txt"]);
    expect(audit.records()[0]).toMatchObject({ call_id: "c2", args: { path: "a.txt" }, decision: { action: "transform" } });
  });

  it("a tool error reaches the model as error-text, the run completes, the outcome is audited as an error", async () => {
    const { kernel, audit } = setup([NO_DELETE]);
    const r = await major.run({ tools: governTools(fixtureTools(major, []), { kernel, agent: AGENT }), calls: [{ id: "c3", name: "flaky", args: {} }] });
    expect(r.error).toBeUndefined();
    expect(saw(r, "c3")).toMatchObject({ type: "error-text", text: expect.stringContaining("disk on fire") as unknown });
    expect(r.final).toBe("done");
    expect(audit.records().find((x) => x.kind === "outcome")?.outcome).toMatchObject({ status: "error", error: { message: "disk on fire" } });
  });

  it("fails closed: a refusing audit sink denies with audit_unavailable, nothing runs, no rejection", async () => {
    const kernel = createKernel({ policies: [policy([NO_DELETE])], audit: refusingAudit() });
    const ran: string[] = [];
    const r = await major.run({ tools: governTools(fixtureTools(major, ran), { kernel, agent: AGENT }), calls: CALLS });
    expect(r.error).toBeUndefined();
    expect(ran).toEqual([]);
    expect(saw(r, "c2")?.text).toContain("audit_unavailable");
    expect(r.final).toBe("done");
  });

  it("fails closed: a kernel whose enforce throws yields a denial with internal_error", async () => {
    const real = createKernel({ policies: [policy([])] });
    const broken: Kernel = { ...real, digest: real.digest, enforce: () => Promise.reject(new TypeError("boom")) };
    const ran: string[] = [];
    const r = await major.run({ tools: governTools(fixtureTools(major, ran), { kernel: broken, agent: AGENT }), calls: [CALLS[1]!] });
    expect(ran).toEqual([]);
    expect(saw(r, "c2")?.text).toBe(renderDenial({ policy: null, matched_rule: null, code: "internal_error", reason: "Internal error while enforcing: boom" }));
  });

  it("fails closed: a throwing runId function denies", async () => {
    const { kernel } = setup([]);
    const ran: string[] = [];
    const r = await major.run({
      tools: governTools(fixtureTools(major, ran), {
        kernel,
        agent: AGENT,
        runId: () => {
          throw new Error("no run");
        },
      }),
      calls: [CALLS[1]!],
    });
    expect(ran).toEqual([]);
    expect(saw(r, "c2")?.text).toContain("internal_error");
  });

  it("records the run id and the model's call id", async () => {
    const { kernel, audit } = setup([]);
    await major.run({ tools: governTools(fixtureTools(major, []), { kernel, agent: AGENT, runId: (c) => `run-${c.toolCallId ?? "?"}` }), calls: [CALLS[1]!] });
    expect(audit.records().map((x) => [x.call_id, x.run_id])).toEqual([
      ["c2", "run-c2"],
      ["c2", "run-c2"],
    ]);
  });

  it("is idempotent: governing twice attaches once", async () => {
    const { kernel, audit } = setup([NO_DELETE]);
    const ran: string[] = [];
    const once = governTools(fixtureTools(major, ran), { kernel, agent: AGENT });
    expect(governTools(once, { kernel, agent: AGENT })).toBe(once);
    const copied = governTools({ ...once }, { kernel, agent: AGENT });
    expect(copied.read_file).toBe(once.read_file);
    expect((once.read_file as Record<symbol, unknown>)[GOVERNED]).toBe(true);
    await major.run({ tools: copied, calls: [CALLS[1]!] });
    expect(audit.records().filter((x) => x.kind === "decision")).toHaveLength(1);
    expect(ran).toEqual(["read_file:a.txt"]);
  });

  it("tools without execute are audited as ungoverned; strict mode throws", () => {
    const { kernel, audit } = setup([]);
    const clientSide = major.tool({ description: "Ask the user", inputSchema: z.object({ q: z.string() }) });
    const tools = governTools({ ask: clientSide }, { kernel, agent: AGENT });
    expect(tools.ask).toBe(clientSide);
    expect(audit.records()).toEqual([expect.objectContaining({ tool: "ask", ext: { ai_sdk: { ungoverned: true, provider_executed: false } } })]);
    expect(() => governTools({ ask: clientSide }, { kernel, agent: AGENT, strict: true })).toThrow(/ungoverned/);
  });

  it("a custom toModelOutput gets the denial as text, not the tool's output type", async () => {
    const { kernel } = setup([NO_DELETE]);
    const ran: string[] = [];
    const tools = {
      delete_file: major.tool({
        description: "Delete",
        inputSchema: z.object({ path: z.string() }),
        execute: ({ path }: { path: string }) => {
          ran.push(path);
          return { deleted: [path] };
        },
        toModelOutput: ({ output }: { output: { deleted: string[] } }) => ({ type: "text", value: output.deleted.join(",") }),
      } as never),
    };
    const r = await major.run({ tools: governTools(tools, { kernel, agent: AGENT }), calls: [CALLS[0]!] });
    expect(ran).toEqual([]);
    expect(saw(r, "c1")?.text).toContain("denied by policy (p/no-delete)");
  });

  it("MCP-shaped results: structuredContent is redacted and scrubbed from the text; isError results reach the model and are audited as errors", async () => {
    const { kernel, audit } = setup([{ name: "redact", stage: "post_tool", condition: "tool.name == 'mcp_struct'", action: "transform", redact: ["output.structuredContent.apiKey"] }]);
    const struct = { user: "ann", apiKey: SECRET };
    const tools = {
      mcp_struct: major.tool({ description: "s", inputSchema: z.object({}), execute: () => ({ content: [{ type: "text", text: JSON.stringify(struct) }], structuredContent: struct, isError: false }) }),
      mcp_fail: major.tool({ description: "f", inputSchema: z.object({}), execute: () => ({ content: [{ type: "text", text: "mcp disk on fire" }], isError: true }) }),
    };
    const r = await major.run({
      tools: governTools(tools, { kernel, agent: AGENT, server: "fixture" }),
      calls: [
        { id: "m1", name: "mcp_struct", args: {} },
        { id: "m2", name: "mcp_fail", args: {} },
      ],
    });
    expect(r.laterRequests).not.toContain(SECRET);
    expect(JSON.stringify(r.toolResults)).not.toContain(SECRET);
    expect(saw(r, "m2")?.text).toContain("mcp disk on fire");
    expect(audit.records().find((x) => x.call_id === "m2" && x.kind === "outcome")?.outcome).toMatchObject({ status: "error", error: { message: "mcp disk on fire" } });
  });

  it("async-generator tools: preliminary values are screened, the final output is governed, a denied generator never starts", async () => {
    const { kernel } = setup([
      { name: "no-gen-delete", condition: "tool.name == 'gen_delete'", action: "deny" },
      { name: "redact", stage: "post_tool", condition: "tool.name == 'gen_read'", action: "transform", redact: ["output.secret"] },
    ]);
    const ran: string[] = [];
    const tools = {
      gen_read: major.tool({
        description: "r",
        inputSchema: z.object({}),
        execute: async function* () {
          ran.push("gen_read");
          yield await Promise.resolve({ status: "loading", secret: SECRET });
          yield { status: "done", secret: SECRET };
        },
      }),
      gen_delete: major.tool({
        description: "d",
        inputSchema: z.object({}),
        execute: async function* () {
          ran.push("gen_delete");
          yield await Promise.resolve("deleted");
        },
      }),
    };
    const r = await major.run({
      tools: governTools(tools, { kernel, agent: AGENT }),
      calls: [
        { id: "g1", name: "gen_read", args: {} },
        { id: "g2", name: "gen_delete", args: {} },
      ],
      stream: true,
    });
    expect(ran).toEqual(["gen_read"]);
    expect(JSON.stringify(r.parts)).not.toContain(SECRET);
    expect(r.parts.filter((p) => p.type === "tool-result" && (p as { preliminary?: boolean }).preliminary === true).length).toBeGreaterThan(0);
    expect(r.laterRequests).not.toContain(SECRET);
    expect(saw(r, "g1")?.text).toContain("done");
    expect(saw(r, "g2")?.text).toContain("denied by policy (p/no-gen-delete)");
  });

  it("async-generator tools: an error mid-stream reaches the model as error-text and is audited", async () => {
    const { kernel, audit } = setup([]);
    const tools = {
      gen_fail: major.tool({
        description: "f",
        inputSchema: z.object({}),
        execute: async function* () {
          yield await Promise.resolve("step 1");
          throw new Error("generator on fire");
        },
      }),
    };
    const r = await major.run({ tools: governTools(tools, { kernel, agent: AGENT }), calls: [{ id: "g3", name: "gen_fail", args: {} }], stream: true });
    expect(r.final).toBe("done");
    expect(saw(r, "g3")).toMatchObject({ type: "error-text", text: expect.stringContaining("generator on fire") as unknown });
    expect(audit.records().find((x) => x.kind === "outcome")?.outcome).toMatchObject({ status: "error" });
  });
});
