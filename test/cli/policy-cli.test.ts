/**
 * The `agentgov policy` CLI contract (POLICY.md §6), through the real built binary.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

let dir = "";
const policy = `apiVersion: agentgov/v1
name: p
default_action: deny
rules:
  - name: allow-search
    condition: "tool.name == 'search'"
    action: allow
    limit: "2/minute"
  - name: approve-refunds
    condition: "tool.name == 'refund'"
    action: require_approval
    approvers: [finance]
`;
const search = { agent: "bot", context: { tool: { name: "search" } } };
const shell = { agent: "bot", context: { tool: { name: "shell" } } };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-cli-"));
  writeFileSync(join(dir, "p.yaml"), policy);
  writeFileSync(join(dir, "bad.yaml"), "apiVersion: agentgov/v1\nname: bad\nrules:\n  - name: r\n    condition: \"a = 1\"\n");
  writeFileSync(join(dir, "one.json"), JSON.stringify(search));
  writeFileSync(join(dir, "many.json"), JSON.stringify([search, search, search, shell]));
  writeFileSync(join(dir, "lines.jsonl"), [search, shell].map((r) => JSON.stringify(r)).join("\n") + "\n");
  writeFileSync(join(dir, "tests.yaml"), `apiVersion: agentgov/v1
kind: PolicyTest
policies: [p.yaml]
tests:
  - name: search allowed
    request: ${JSON.stringify(search)}
    expect: { allowed: true, matched_rule: allow-search }
  - name: third search limited
    requests: ${JSON.stringify([search, search, search])}
    expect: [{ allowed: true }, { allowed: true }, { rate_limited: true, allowed: false }]
`);
  writeFileSync(join(dir, "failing-tests.yaml"), `apiVersion: agentgov/v1
kind: PolicyTest
policies: [p.yaml]
tests:
  - name: shell allowed (wrong on purpose)
    request: ${JSON.stringify(shell)}
    expect: { allowed: true }
`);
});

const eval_ = (...args: string[]) => runCli(["policy", "eval", ...args], { cwd: dir });

describe("agentgov policy eval", () => {
  it("decides one request object into one decision object with the §5 keys", async () => {
    const r = await eval_("--policy", "p.yaml", "--input", "one.json");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const d = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(d).sort()).toEqual(["action", "allowed", "code", "matched_rule", "policy", "policy_digest", "reason"]);
    expect(d).toMatchObject({ allowed: true, action: "allow", matched_rule: "allow-search", policy: "p", code: "rule" });
  });

  it("decides an array in order on one engine, so rate limits accumulate", async () => {
    const r = await eval_("--policy", "p.yaml", "--input", "many.json");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list.map((d) => [d.allowed, d.code])).toEqual([[true, "rule"], [true, "rule"], [false, "rate_limited"], [false, "default"]]);
    expect(list[2]).toMatchObject({ rate_limited: true, matched_rule: "allow-search" });
  });

  it("reads JSON Lines, and stdin with '-', into an array", async () => {
    const r = await eval_("--policy", "p.yaml", "--input", "lines.jsonl");
    expect((JSON.parse(r.stdout) as unknown[]).length).toBe(2);
    const s = await runCli(["policy", "eval", "--policy", "p.yaml", "--input", "-"], { cwd: dir, input: JSON.stringify([search]) });
    expect(s.code).toBe(0);
    expect(JSON.parse(s.stdout)).toHaveLength(1);
  });

  it("takes --request, and an array of one gives an array", async () => {
    const r = await eval_("--policy", "p.yaml", "--request", JSON.stringify([search]));
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ allowed: true })]);
  });

  it("has no policies without --policy: deny no_policy", async () => {
    const r = await eval_("--request", JSON.stringify(search));
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: false, code: "no_policy", matched_rule: null, policy: null });
  });

  it("adds approvers and quorum to require_approval, and a trace with --explain", async () => {
    const r = await eval_("--policy", "p.yaml", "--explain", "--request", JSON.stringify({ agent: "bot", context: { tool: { name: "refund" } } }));
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: false, action: "require_approval", approvers: ["finance"], quorum: 1, trace: expect.any(Array) as unknown });
  });

  it("exits 1 on a deny only with --fail-on-deny", async () => {
    expect((await eval_("--policy", "p.yaml", "--request", JSON.stringify(shell))).code).toBe(0);
    const r = await eval_("--policy", "p.yaml", "--fail-on-deny", "--request", JSON.stringify(shell));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ allowed: false });
  });

  it.each([
    ["a policy that does not load", ["--policy", "bad.yaml", "--input", "one.json"], "bad.yaml:5:"],
    ["a missing policy file", ["--policy", "nope.yaml", "--input", "one.json"], "nope.yaml"],
    ["malformed JSON", ["--policy", "p.yaml", "--request", "{not json"], "malformed JSON"],
    ["an unknown stage", ["--policy", "p.yaml", "--request", JSON.stringify({ agent: "a", stage: "later", context: {} })], "unknown stage"],
    ["a request without context", ["--policy", "p.yaml", "--request", JSON.stringify({ agent: "a" })], "context"],
    ["an unreadable input file", ["--policy", "p.yaml", "--input", "missing.json"], "cannot read"],
    ["deeply nested JSON", ["--policy", "p.yaml", "--request", "[".repeat(5000) + "]".repeat(5000)], "nests deeper"],
    ["both input forms", ["--input", "one.json", "--request", "{}"], "exactly one"],
    ["an unknown strategy", ["--strategy", "random", "--input", "one.json"], "unknown strategy"],
    ["an unknown option", ["--polcy", "p.yaml", "--input", "one.json"], "polcy"],
  ])("exits 2 with a message on stderr and nothing on stdout for %s", async (_what, args, message) => {
    const r = await eval_(...args);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(message);
  });
});

describe("agentgov policy lint", () => {
  it("exits 0 for valid files", async () => {
    const r = await runCli(["policy", "lint", "p.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ok");
  });

  it("exits 1 with file:line:col messages and the hint", async () => {
    const r = await runCli(["policy", "lint", "bad.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("bad.yaml:5:19: condition: unexpected '=' at 1:3 [rules[0].condition]; did you mean '=='?");
  });

  it("speaks JSON with --json and never colours a pipe", async () => {
    const r = await runCli(["policy", "lint", "--json", "bad.yaml"], { cwd: dir });
    const out = JSON.parse(r.stdout) as { ok: boolean; issues: { line: number; col: number }[] };
    expect(out.ok).toBe(false);
    expect(out.issues[0]).toMatchObject({ file: "bad.yaml", line: 5, col: 19 });
    expect(r.stderr).not.toContain("\u001b[");
  });
});

describe("agentgov policy test", () => {
  it("passes a passing test file", async () => {
    const r = await runCli(["policy", "test", "tests.yaml"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("2 passed, 0 failed");
  });

  it("fails a failing test file and says why", async () => {
    const r = await runCli(["policy", "test", "failing-tests.yaml"], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("allowed: expected true, got false");
  });

  it("exits 2 for a file that is not a policy test", async () => {
    const r = await runCli(["policy", "test", "p.yaml"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("kind: PolicyTest");
  });
});

describe("agentgov", () => {
  it("prints help with --help and exits 2 on an unknown command", async () => {
    const help = await runCli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("agentgov policy eval");
    const unknown = await runCli(["policy", "frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command");
  });

  it("treats names of Object.prototype as unknown commands, not as commands", async () => {
    for (const argv of [["constructor"], ["toString"], ["policy", "constructor"], ["__proto__"]]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr).toContain("unknown command");
    }
  });
});
