import { describe, expect, it } from "vitest";
import { redactOutput } from "./redact-output.js";
import { renderDenial } from "./render-denial.js";
import { applyTransformToArgs } from "./transform.js";

const secret = "sk-SECRET123";

describe("redactOutput", () => {
  it("replaces the whole output for the path 'output'", () => {
    expect(redactOutput(`contents of a.txt: key=${secret}`, ["output"])).toBe("[REDACTED]");
  });

  it("redacts structured MCP output at the path and scrubs the value from text content and artifacts", () => {
    const structured = { user: "ann", apiKey: secret };
    const mcp = {
      content: [{ type: "text", text: JSON.stringify(structured) }, { type: "text", text: `the key is ${secret}.` }],
      structuredContent: structured,
      artifact: [{ type: "mcp_structured_content", data: structured }],
      isError: false,
    };
    const out = redactOutput(mcp, ["output.structuredContent.apiKey"]);
    expect(JSON.stringify(out)).not.toContain(secret);
    expect(out).toMatchObject({ structuredContent: { user: "ann", apiKey: "[REDACTED]" }, content: [{ text: '{"user":"ann","apiKey":"[REDACTED]"}' }, { text: "the key is [REDACTED]." }] });
    expect(mcp.structuredContent.apiKey).toBe(secret);
  });

  it("scrubs every leaf of a redacted subtree, including JSON-escaped forms", () => {
    const tricky = 'pa"ss\\word';
    const out = redactOutput({ creds: { a: tricky, n: 123456 }, log: `${JSON.stringify({ p: tricky })} pin=123456` }, ["output.creds"]);
    expect(out).toEqual({ creds: "[REDACTED]", log: '{"p":"[REDACTED]"} pin=[REDACTED]' });
  });

  it("does not scrub very short values elsewhere (they would over-redact)", () => {
    expect(redactOutput({ code: "ok", text: "looks ok" }, ["output.code"])).toEqual({ code: "[REDACTED]", text: "looks ok" });
  });

  it("leaves the output alone when a path is absent or there are no paths", () => {
    const output = { a: 1 };
    expect(redactOutput(output, ["output.missing"])).toEqual({ a: 1 });
    expect(redactOutput(output, undefined)).toBe(output);
    expect(redactOutput("text", ["args.password"])).toBe("text");
  });
});

describe("renderDenial", () => {
  it("names the policy and rule, or the code when no rule decided", () => {
    expect(renderDenial({ policy: "p", matched_rule: "r", code: "rule", reason: "no" })).toBe("denied by policy (p/r): no");
    expect(renderDenial({ policy: null, matched_rule: null, code: "no_policy", reason: "none" })).toBe("denied by policy (no_policy): none");
    expect(renderDenial({ policy: "p", matched_rule: "r", code: "approval_timeout", reason: "no answer" })).toBe("denied by policy (p/r): no answer (code: approval_timeout)");
  });
});

describe("applyTransformToArgs", () => {
  it("sets and redacts argument paths without touching the caller's object", () => {
    const args = { path: "a.txt", auth: { token: "t" } };
    expect(applyTransformToArgs(args, { set: { "args.path": "/sandbox/a.txt", "args.opts.limit": 5 }, redact: ["args.auth.token", "output.x"] })).toEqual({
      path: "/sandbox/a.txt",
      auth: { token: "[REDACTED]" },
      opts: { limit: 5 },
    });
    expect(args).toEqual({ path: "a.txt", auth: { token: "t" } });
  });
});
