/**
 * `agentgov verify` through the built binary: the attack catalogue against the examples'
 * real policies (nothing gets through / something does), per-risk reporting with
 * not-exercised risks never graded, and the Ed25519-signed evidence — checked by
 * `verify --check`, by an independent check here, and refused once tampered.
 */
import { createPublicKey, hash, verify as verifySignature } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { canonicalJson, generateAuditKeyPair } from "@agentgov/core/audit";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "examples");
const RISKS = ["ASI01", "ASI02", "ASI03", "ASI04", "ASI05", "ASI06", "ASI07", "ASI08", "ASI09", "ASI10"];

interface Result { id: string; outcome: "stopped" | "through"; action: string; code: string; policy: string | null; matched_rule: string | null; control: string }
interface Risk { id: string; name: string; status: "exercised" | "not_exercised"; attacks?: number; stopped?: number; got_through?: number; controls?: string[]; results?: Result[]; note?: string }
interface Report { ok: boolean; evidence: string; ephemeral_key: boolean; agent: string; attacks: number; stopped: number; got_through: number; risks: Risk[] }

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-verify-"));
  mkdirSync(join(dir, "permissive"));
  writeFileSync(join(dir, "permissive", "open.yaml"), `apiVersion: agentgov/v1
name: open
default_action: allow
rules:
  - name: no-shell
    condition: "tool.name in ['shell', 'run_command']"
    action: deny
  - name: deletions-need-approval
    condition: "glob(tool.name, 'delete_*')"
    action: require_approval
    approvers: [ops]
`);
  const keys = generateAuditKeyPair();
  writeFileSync(join(dir, "signing.pem"), keys.privateKey);
  writeFileSync(join(dir, "signing.pub.pem"), keys.publicKey);
  writeFileSync(join(dir, "other.pub.pem"), generateAuditKeyPair().publicKey);
  writeFileSync(join(dir, "bad.yaml"), "apiVersion: agentgov/v1\nname: bad\nrules:\n  - name: r\n    condition: \"tool.name = 'x'\"\n");
});

async function run(args: string[]): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await runCli(["verify", "--json", ...args], { cwd: dir, timeoutMs: 30_000 });
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}
const risk = (report: Report, id: string): Risk => {
  const found = report.risks.find((r) => r.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
};
const result = (report: Report, id: string): Result | undefined => report.risks.flatMap((r) => r.results ?? []).find((x) => x.id === id);

describe("agentgov verify against the examples' policies", () => {
  it("openai-agents-handoff as 'triage': every attack stopped, exit 0; every risk listed, unexercised ones not graded", async () => {
    const { code, report } = await run(["--policies", join(EXAMPLES, "openai-agents-handoff", "policy.yaml"), "--agent", "triage", "--out", "handoff.json"]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, agent: "triage", got_through: 0 });
    expect(report.attacks).toBeGreaterThanOrEqual(25);
    expect(report.stopped).toBe(report.attacks);
    expect(report.risks.map((r) => r.id)).toEqual(RISKS);
    for (const id of ["ASI08", "ASI09"]) {
      expect(risk(report, id)).toEqual({ id, name: expect.any(String) as string, status: "not_exercised", note: "no attack in the catalogue exercises this risk; not graded" });
    }
    expect(risk(report, "ASI01").name).toBe("Agent Goal Hijack");
    expect(risk(report, "ASI07")).toMatchObject({ status: "exercised", attacks: 2, stopped: 2, got_through: 0 });
    // The destructive tool the example names is stopped by its rule, the rest by the default.
    expect(result(report, "destructive_tool.delete-account")).toMatchObject({ outcome: "stopped", action: "deny", policy: "support-desk", matched_rule: "block-account-deletion", control: "support-desk/block-account-deletion" });
    expect(result(report, "handoff_abuse.privileged-agent")).toMatchObject({ outcome: "stopped", code: "default", control: "default_action" });
    expect(result(report, "rogue_agent.unregistered-identity")).toMatchObject({ outcome: "stopped", code: "no_policy" });
  });

  it("quickstart as 'support-bot': a DROP TABLE stacked after a SELECT gets through the allow-selects rule; exit 1", async () => {
    const r = await runCli(["verify", "--policies", join(EXAMPLES, "quickstart", "policy.yaml"), "--agent", "support-bot", "--out", "quickstart.json"], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}THROUGH {2}destructive_tool\.sql-stacked-drop +allow by support-db\/allow-selects$/m);
    expect(r.stdout).toMatch(/^ {2}stopped {2}destructive_tool\.sql-drop-table +deny by support-db\/block-destructive-sql$/m);
    expect(r.stdout).toMatch(/^ASI08 Cascading Failures — not exercised/m);
    expect(r.stdout).toMatch(/^1 of \d+ attacks got through$/m);
    const evidence = JSON.parse(readFileSync(join(dir, "quickstart.json"), "utf8")) as { report: Report };
    expect(evidence.report.got_through).toBe(1);
    expect(risk(evidence.report, "ASI02")).toMatchObject({ got_through: 1 });
  });

  it("a permissive policy: what its rules stop is attributed to them (require_approval counts as stopped), the rest gets through", async () => {
    const { code, report } = await run(["--policies", "permissive", "--out", "open.json"]);
    expect(code).toBe(1);
    expect(result(report, "code_execution.rm-rf")).toMatchObject({ outcome: "stopped", action: "deny", control: "open/no-shell" });
    expect(result(report, "destructive_tool.delete-file")).toMatchObject({ outcome: "stopped", action: "require_approval", control: "open/deletions-need-approval" });
    expect(result(report, "data_exfiltration.http-post-unknown-host")).toMatchObject({ outcome: "through", action: "allow", code: "default" });
    expect(risk(report, "ASI05").controls).toEqual(["open/no-shell"]);
    expect(report.got_through).toBe(report.attacks - report.stopped);
    expect(report.got_through).toBeGreaterThan(10);
  });

  it("no policy applies to the default agent: everything is denied by no_policy, and the report says to give --agent", async () => {
    const r = await runCli(["verify", "--policies", join(EXAMPLES, "quickstart", "policy.yaml"), "--out", "none.json"], { cwd: dir, timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("no policy applies to agent 'agentgov-verify'");
  });

  it("policies that do not load: exit 2 with the positioned error, and no evidence", async () => {
    const r = await runCli(["verify", "--policies", "bad.yaml", "--out", "never.json"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:5:\d+: /);
    expect(() => readFileSync(join(dir, "never.json"))).toThrow();
  });
});

describe("verify evidence", () => {
  it("is signed with an ephemeral key when no --key is given, flagged as such, and --check accepts it", async () => {
    const evidence = JSON.parse(readFileSync(join(dir, "handoff.json"), "utf8")) as Record<string, unknown> & { signature: Record<string, unknown> };
    expect(evidence.schema).toBe("agentgov-verify-evidence/v1");
    expect(evidence.signature).toMatchObject({ alg: "Ed25519", ephemeral: true });
    expect(evidence.owasp).toContain("OWASP Top 10 for Agentic Applications 2026");
    const policy = join(EXAMPLES, "openai-agents-handoff", "policy.yaml");
    expect(evidence.policies).toMatchObject({ files: [{ path: policy, sha256: hash("sha256", readFileSync(policy), "hex") }] });
    const r = await runCli(["verify", "--check", "handoff.json"], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("signature valid, signed by an ephemeral key");
  });

  it("verifies independently: Ed25519 over the domain prefix and the canonical JSON without signature.value", () => {
    const evidence = JSON.parse(readFileSync(join(dir, "handoff.json"), "utf8")) as Record<string, unknown> & { signature: { value: string; public_key: string } };
    const { value, ...block } = evidence.signature;
    const payload = Buffer.from("agentgov-verify-evidence/v1\n" + canonicalJson({ ...evidence, signature: block }));
    expect(verifySignature(null, payload, createPublicKey(block.public_key), Buffer.from(value, "base64"))).toBe(true);
    const changed = Buffer.from("agentgov-verify-evidence/v1\n" + canonicalJson({ ...evidence, created_at: "2000-01-01T00:00:00.000Z", signature: block }));
    expect(verifySignature(null, changed, createPublicKey(block.public_key), Buffer.from(value, "base64"))).toBe(false);
  });

  it("with --key: signed by that key; --check --key accepts the matching public key and refuses another (KEY_MISMATCH)", async () => {
    const { code, report } = await run(["--policies", join(EXAMPLES, "signed-plugin", "policy.yaml"), "--agent", "assistant", "--out", "keyed.json", "--key", "signing.pem"]);
    expect(code).toBe(0);
    expect(report.ephemeral_key).toBe(false);
    const good = await runCli(["verify", "--check", "keyed.json", "--key", "signing.pub.pem", "--json"], { cwd: dir });
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, ephemeral_key: false, trusted_key: true, got_through: 0 });
    const other = await runCli(["verify", "--check", "keyed.json", "--key", "other.pub.pem"], { cwd: dir });
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/^KEY_MISMATCH: /);
  });

  it("tampered evidence fails: a changed result, a flipped ephemeral flag, a swapped key, a missing signature", async () => {
    const original = JSON.parse(readFileSync(join(dir, "quickstart.json"), "utf8")) as { report: Report; signature: Record<string, unknown> };
    const check = async (name: string, doc: unknown): Promise<{ code: number; stdout: string; stderr: string }> => {
      writeFileSync(join(dir, name), JSON.stringify(doc));
      return runCli(["verify", "--check", name, "--json"], { cwd: dir });
    };
    const hidden = structuredClone(original);
    hidden.report.got_through = 0;
    const a = await check("t1.json", hidden);
    expect(a.code).toBe(1);
    expect(JSON.parse(a.stdout)).toMatchObject({ ok: false, code: "SIGNATURE_INVALID" });

    const flipped = structuredClone(original);
    flipped.signature.ephemeral = false;
    expect((await check("t2.json", flipped)).code).toBe(1);

    const swapped = structuredClone(original);
    swapped.signature.public_key = generateAuditKeyPair().publicKey;
    const c = await check("t3.json", swapped);
    expect(c.code).toBe(1);
    expect(JSON.parse(c.stdout)).toMatchObject({ ok: false, code: "SIGNATURE_INVALID" });

    const { signature: _s, ...unsigned } = original;
    const d = await check("t4.json", unsigned);
    expect(d.code).toBe(1);
    expect(JSON.parse(d.stdout)).toMatchObject({ ok: false, code: "EVIDENCE_MALFORMED" });

    expect((await check("t5.json", original)).code).toBe(0);
  });

  it("an unreadable evidence file or key is a usage error (exit 2)", async () => {
    expect((await runCli(["verify", "--check", "missing.json"], { cwd: dir })).code).toBe(2);
    expect((await runCli(["verify", "--check", "handoff.json", "--key", "bad.yaml"], { cwd: dir })).code).toBe(2);
    expect((await runCli(["verify", "--policies", "permissive", "--key", "signing.pub.pem"], { cwd: dir })).code).toBe(2);
  });
});
