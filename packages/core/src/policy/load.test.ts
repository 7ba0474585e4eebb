import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PolicyLoadError, type PolicyIssue } from "../errors.js";
import { loadPolicies } from "./load.js";
import { MAX_POLICY_FILE_BYTES } from "./yaml-source.js";

function issues(text: string): PolicyIssue[] {
  try {
    loadPolicies([{ text, file: "p.yaml" }]);
  } catch (error) {
    if (error instanceof PolicyLoadError) return [...error.issues];
    throw error;
  }
  throw new Error("expected a load error");
}

const head = "apiVersion: agentgov/v1\nname: p\n";

describe("loadPolicies", () => {
  it("positions a condition error in the file and hints the fix", () => {
    const [issue] = issues(`${head}rules:\n  - name: r\n    condition: "tool_name = 'exec'"\n`);
    expect(issue).toMatchObject({ file: "p.yaml", line: 5, col: 27, key: "rules[0].condition", hint: "did you mean '=='?" });
    expect(issue?.message).toContain("unexpected '=' at 1:11");
  });

  it("reports every problem of a file at once", () => {
    const found = issues(`${head}rules:\n  - name: r\n    condition: "a ="\n    when: x\n    priority: 1.5\n    action: block\n`);
    expect(found.map((i) => i.key)).toEqual(["rules[0].condition", "rules[0].when", "rules[0].priority", "rules[0].action"]);
    expect(found.find((i) => i.key === "rules[0].action")?.hint).toBe("did you mean 'deny'?");
  });

  it.each([
    ["a duplicate key", `${head}name: q\n`, "duplicate key"],
    ["an alias", `${head}x: &a 1\ndescription: *a\n`, "alias"],
    ["a merge key", `${head}rules:\n  - <<: {name: r}\n`, "merge keys"],
    ["an explicit tag", `${head}description: !!str x\n`, "tags"],
    ["two documents", `${head}---\n${head}`, "more than one YAML document"],
    ["an empty file", "", "no policy document"],
    ["a missing apiVersion", "name: p\n", "missing 'apiVersion'"],
    ["an unknown apiVersion", "apiVersion: v2\nname: p\n", "unsupported apiVersion"],
    ["a string agents", `${head}agents: bot\n`, "list of strings"],
    ["limit 0/minute", `${head}rules:\n  - name: r\n    action: allow\n    limit: 0/minute\n`, "malformed limit"],
    ["quorum on allow", `${head}rules:\n  - name: r\n    action: allow\n    quorum: 2\n`, "only for require_approval"],
    ["set on deny", `${head}rules:\n  - name: r\n    action: deny\n    set: {args.x: 1}\n`, "only for transform"],
    ["an empty transform", `${head}rules:\n  - name: r\n    action: transform\n`, "needs 'set' or 'redact'"],
    ["two outcome keys", `${head}rules:\n  - name: r\n    action: deny\n    effect: allow\n`, "aliases"],
    ["a duplicate rule name", `${head}rules:\n  - name: r\n  - name: r\n`, "duplicate rule name"],
    ["an object condition", `${head}rules:\n  - name: r\n    condition: {tool: x}\n`, "string expression"],
    ["a non-path redact", `${head}rules:\n  - name: r\n    action: transform\n    redact: [password]\n`, "under args or output"],
  ])("rejects %s", (_what, text, message) => {
    const found = issues(text);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((i) => i.message).join("\n")).toContain(message);
    expect(found.every((i) => i.file === "p.yaml")).toBe(true);
  });

  it("reports a key without a value as a positioned error, not a crash (fast-check counterexample)", () => {
    const found = issues("apiVersion: agentgov/v1\nname: p\n? $\n");
    expect(found[0]).toMatchObject({ file: "p.yaml", key: "$" });
    expect(found[0]?.line).toBeGreaterThan(0);
  });

  it("accepts an empty list as a file without policies", () => {
    expect(loadPolicies([{ text: "[]\n", file: "empty.yaml" }])).toEqual([]);
  });

  it("loads JSON (even tab-indented) with positions", () => {
    const found = (() => {
      try {
        loadPolicies([{ text: '{\n\t"apiVersion": "agentgov/v1",\n\t"name": "j",\n\t"mode": "loud"\n}\n', file: "p.json" }]);
      } catch (error) {
        return (error as PolicyLoadError).issues;
      }
      return [];
    })();
    expect(found[0]).toMatchObject({ file: "p.json", line: 4, key: "mode" });
  });

  it("reads files relative to cwd, names unreadable and oversized files", () => {
    const dir = mkdtempSync(join(tmpdir(), "agentgov-load-"));
    writeFileSync(join(dir, "ok.yaml"), head);
    writeFileSync(join(dir, "big.yaml"), "#".repeat(MAX_POLICY_FILE_BYTES + 1));
    expect(loadPolicies(["ok.yaml"], { cwd: dir })[0]?.policy.name).toBe("p");
    expect(() => loadPolicies(["missing.yaml"], { cwd: dir })).toThrow(/missing\.yaml:0:0: cannot read policy file \(ENOENT\)/);
    expect(() => loadPolicies(["big.yaml"], { cwd: dir })).toThrow(/larger than/);
  });

  it("rejects duplicate policy names across files", () => {
    expect(() => loadPolicies([{ text: head, file: "a.yaml" }, { text: head, file: "b.yaml" }])).toThrow(/duplicate policy name 'p'/);
  });
});
