/**
 * `agentgov doctor` through the built binary: each check's pass and fail path with real
 * parts — policy files on disk, audit logs written by core's `jsonlAudit` and by the server's
 * SQLite store `sqliteAudit` (then tampered: a JSONL line edited, bytes of the database file
 * rewritten, the database truncated),
 * a real `agentgov serve` (then stopped), and package.json files of installed frameworks
 * (the repository's real ones, and a temp project with out-of-range versions).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateAuditKeyPair, jsonlAudit } from "@agentgov/core/audit";
import { AUDIT_DB_FILE, AUDIT_FILE, AUDIT_PUBLIC_KEY_FILE } from "@agentgov/server";
import { sqliteAudit } from "@agentgov/server/sqlite-audit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";
import { startServe, type ServeProcess } from "./serve-process.js";

interface Check {
  check: string;
  status: "pass" | "fail" | "skip";
  message: string;
  details?: string[];
}
interface Report {
  ok: boolean;
  checks: Check[];
}

const GOOD = `apiVersion: agentgov/v1
name: desk
default_action: deny
rules:
  - name: allow-search
    condition: "tool.name == 'search'"
    action: allow
`;

let root = "";
let home = "";
let project = "";
let server: ServeProcess | undefined;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "agentgov-doctor-"));
  home = join(root, "home");
  project = join(root, "project");
  mkdirSync(home, { recursive: true });
  mkdirSync(join(project, "policies"), { recursive: true });
  writeFileSync(join(project, "policies", "desk.yaml"), GOOD);
  mkdirSync(join(project, "broken"), { recursive: true });
  writeFileSync(join(project, "broken", "a-good.yaml"), GOOD);
  writeFileSync(join(project, "broken", "b-bad.yaml"), "apiVersion: agentgov/v1\nname: bad\nrules:\n  - name: r\n    condition: \"tool.name = 'x'\"\n");
  mkdirSync(join(project, "dupes"), { recursive: true });
  writeFileSync(join(project, "dupes", "one.yaml"), GOOD);
  writeFileSync(join(project, "dupes", "two.yaml"), GOOD);
  // A signed audit log, with its public key beside it as the server keeps them.
  const keys = generateAuditKeyPair();
  mkdirSync(join(project, "audit"), { recursive: true });
  writeFileSync(join(project, "audit", AUDIT_PUBLIC_KEY_FILE), keys.publicKey);
  const sink = jsonlAudit(join(project, "audit", AUDIT_FILE), { signingKey: keys.privateKey, checkpointEvery: 5 });
  for (let i = 1; i <= 12; i++) {
    sink.append({ kind: "decision", agent: "bot", stage: "pre_tool", tool: "search", call_id: `c${String(i)}`, args: { q: String(i) }, decision: { allowed: true, action: "allow", matched_rule: "allow-search", policy: "desk", code: "rule" }, policy_digest: "a".repeat(64) });
  }
  await sink.close();
  const lines = readFileSync(join(project, "audit", AUDIT_FILE), "utf8").split("\n");
  const i = lines.findIndex((l) => l.includes('"call_id":"c7"'));
  lines[i] = (lines[i] ?? "").replace('"q":"7"', '"q":"8"');
  mkdirSync(join(project, "tampered"), { recursive: true });
  writeFileSync(join(project, "tampered", "audit.jsonl"), lines.join("\n"));
  // The server's default store: a SQLite audit.db, with its public key beside it.
  mkdirSync(join(project, "sqlite"), { recursive: true });
  writeFileSync(join(project, "sqlite", AUDIT_PUBLIC_KEY_FILE), keys.publicKey);
  const db = sqliteAudit(join(project, "sqlite", AUDIT_DB_FILE), { signingKey: keys.privateKey, checkpointEvery: 5 });
  for (let i = 1; i <= 12; i++) {
    db.append({ kind: "decision", agent: "bot", stage: "pre_tool", tool: "search", call_id: `c${String(i)}`, args: { q: `query-${String(i).padStart(2, "0")}` }, decision: { allowed: true, action: "allow", matched_rule: "allow-search", policy: "desk", code: "rule" }, policy_digest: "a".repeat(64) });
  }
  await db.close();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});

const env = (extra: Record<string, string> = {}): Record<string, string> => ({ AGENTGOV_HOME: home, AGENTGOV_ENDPOINT: "", ...extra });

async function doctor(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ r: CliResult; report: Report; of: (check: string) => Check[] }> {
  const r = await runCli(["doctor", "--json", ...args], { cwd: options.cwd ?? project, env: options.env ?? env() });
  const report = JSON.parse(r.stdout) as Report;
  return { r, report, of: (check) => report.checks.filter((c) => c.check === check) };
}

describe("agentgov doctor", () => {
  it("all applicable checks pass: exit 0, with pass/skip lines in the human report", async () => {
    const r = await runCli(["doctor", "--audit", "audit/audit.jsonl"], { cwd: project, env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pass {2}node {7}Node\.js \d+\.\d+\.\d+ \(needs >=20\.19\.0\)$/m);
    expect(r.stdout).toMatch(/^pass {2}policies {3}policies\/desk\.yaml: 1 policy \(desk\)$/m);
    expect(r.stdout).toMatch(/^pass {2}audit {6}.*audit\.jsonl: 12 record\(s\) chain intact, sealed; signatures verified/m);
    expect(r.stdout).toMatch(/^skip {2}server {5}no --endpoint given and AGENTGOV_ENDPOINT not set$/m);
    expect(r.stdout).toMatch(/^0 failed, 3 passed, \d+ skipped$/m);
  });

  it("policies: a broken file fails with the loader's file:line:col, the good file still passes; exit 1", async () => {
    const { r, report, of } = await doctor(["--policies", "broken"]);
    expect(r.code).toBe(1);
    expect(report.ok).toBe(false);
    const [good, bad] = of("policies");
    expect(good).toMatchObject({ status: "pass", message: "broken/a-good.yaml: 1 policy (desk)" });
    expect(bad?.status).toBe("fail");
    expect(bad?.details?.[0]).toMatch(/^broken\/b-bad\.yaml:5:\d+: .*did you mean '=='\?/);
  });

  it("policies: files that load alone but clash together (duplicate names) fail as a set", async () => {
    const { r, of } = await doctor(["--policies", "dupes"]);
    expect(r.code).toBe(1);
    const checks = of("policies");
    expect(checks.map((c) => c.status)).toEqual(["pass", "pass", "fail"]);
    expect(checks[2]?.message).toBe("the 2 files together: 1 problem(s)");
  });

  it("policies: a named directory that does not exist fails; no ./policies at all is a skip", async () => {
    expect((await doctor(["--policies", "nowhere"])).of("policies")[0]).toMatchObject({ status: "fail" });
    const empty = mkdtempSync(join(root, "empty-"));
    const { r, of } = await doctor([], { cwd: empty });
    expect(of("policies")[0]).toMatchObject({ status: "skip" });
    expect(r.code).toBe(0);
  });

  it("audit: a tampered log fails naming the seq; exit 1", async () => {
    const { r, of } = await doctor(["--audit", "tampered/audit.jsonl"]);
    expect(r.code).toBe(1);
    expect(of("audit")[0]?.status).toBe("fail");
    expect(of("audit")[0]?.message).toMatch(/TAMPERED at seq 7 /);
  });

  it("audit: without --audit, the server's log in $AGENTGOV_HOME/server is found and verified", async () => {
    const own = mkdtempSync(join(root, "home-"));
    mkdirSync(join(own, "server"));
    copyFileSync(join(project, "audit", AUDIT_FILE), join(own, "server", AUDIT_FILE));
    const { r, of } = await doctor([], { env: env({ AGENTGOV_HOME: own }) });
    expect(of("audit")[0]).toMatchObject({ status: "pass" });
    expect(of("audit")[0]?.message).toContain(join(own, "server", AUDIT_FILE));
    expect(r.code).toBe(0);
    expect((await doctor([])).of("audit")[0]).toMatchObject({ status: "skip" });
  });

  it("audit: the server's SQLite audit.db (found in the data directory, or given with --audit) verifies, signatures checked", async () => {
    const own = mkdtempSync(join(root, "home-sqlite-"));
    mkdirSync(join(own, "server"));
    for (const name of [AUDIT_DB_FILE, AUDIT_PUBLIC_KEY_FILE]) copyFileSync(join(project, "sqlite", name), join(own, "server", name));
    const found = await doctor([], { env: env({ AGENTGOV_HOME: own }) });
    expect(found.of("audit")).toHaveLength(1);
    expect(found.of("audit")[0]).toMatchObject({ status: "pass" });
    expect(found.of("audit")[0]?.message).toBe(`${join(own, "server", AUDIT_DB_FILE)} (SQLite): 12 record(s) chain intact, sealed; signatures verified with ${join(own, "server", AUDIT_PUBLIC_KEY_FILE)}`);
    expect(found.r.code).toBe(0);
    // Both stores in one data directory (the server was switched): each log is checked.
    copyFileSync(join(project, "audit", AUDIT_FILE), join(own, "server", AUDIT_FILE));
    const both = await doctor([], { env: env({ AGENTGOV_HOME: own }) });
    expect(both.of("audit").map((c) => c.status)).toEqual(["pass", "pass"]);
    const given = await doctor(["--audit", join("sqlite", AUDIT_DB_FILE)]);
    expect(given.of("audit")[0]?.message).toMatch(/audit\.db \(SQLite\): 12 record\(s\) chain intact, sealed; signatures verified/);
  });

  it("audit: without AGENTGOV_HOME, the log npm start keeps in ./.agentgov/server is found", async () => {
    const repo = mkdtempSync(join(root, "repo-"));
    mkdirSync(join(repo, ".agentgov", "server"), { recursive: true });
    copyFileSync(join(project, "sqlite", AUDIT_DB_FILE), join(repo, ".agentgov", "server", AUDIT_DB_FILE));
    const { of } = await doctor([], { cwd: repo, env: { AGENTGOV_HOME: "", AGENTGOV_ENDPOINT: "", HOME: mkdtempSync(join(root, "user-")) } });
    expect(of("audit")[0]).toMatchObject({ status: "pass" });
    expect(of("audit")[0]?.message).toContain(`${join(repo, ".agentgov", "server", AUDIT_DB_FILE)} (SQLite): 12 record(s) chain intact, sealed; signatures not checked`);
  });

  it("audit: a SQLite log whose bytes were edited fails naming the seq; a damaged database fails; exit 1", async () => {
    const bytes = readFileSync(join(project, "sqlite", AUDIT_DB_FILE));
    const at = bytes.indexOf("query-07");
    expect(at).toBeGreaterThan(0);
    const edited = Buffer.from(bytes);
    edited.write("query-08", at, "latin1");
    mkdirSync(join(project, "sqlite-tampered"), { recursive: true });
    writeFileSync(join(project, "sqlite-tampered", AUDIT_DB_FILE), edited);
    const tampered = await doctor(["--audit", join("sqlite-tampered", AUDIT_DB_FILE)]);
    expect(tampered.r.code).toBe(1);
    expect(tampered.of("audit")[0]).toMatchObject({ status: "fail" });
    expect(tampered.of("audit")[0]?.message).toMatch(/\(SQLite\): TAMPERED at seq 7 \(line \d+\): hash_mismatch/);

    writeFileSync(join(project, "sqlite-tampered", "truncated.db"), bytes.subarray(0, 1024));
    const damaged = await doctor(["--audit", join("sqlite-tampered", "truncated.db")]);
    expect(damaged.r.code).toBe(1);
    expect(damaged.of("audit")[0]).toMatchObject({ status: "fail" });
    expect(damaged.of("audit")[0]?.message).toMatch(/truncated\.db \(SQLite\): AUDIT_IO: cannot read the audit database: SQLITE_/);
  });

  it("server: a running server passes (flag or AGENTGOV_ENDPOINT); degraded after a broken policy edit, or stopped (UNREACHABLE), it fails", async () => {
    server = await startServe(GOOD);
    const byFlag = await doctor(["--endpoint", server.endpoint]);
    expect(byFlag.of("server")[0]).toMatchObject({ status: "pass", message: `${server.endpoint}/healthz: ok, 1 policies loaded` });
    expect(byFlag.r.code).toBe(0);
    const byEnv = await doctor([], { env: env({ AGENTGOV_ENDPOINT: server.endpoint }) });
    expect(byEnv.of("server")[0]?.status).toBe("pass");
    // A broken policy edit: the server keeps the previous set and reports `degraded`, which doctor fails.
    writeFileSync(join(server.policies, "policy.yaml"), "apiVersion: agentgov/v1\nname: desk\nrules: [\n");
    await until(async () => ((await (await fetch(`${server?.endpoint ?? ""}/healthz`)).json()) as { status: string }).status === "degraded");
    const degraded = await doctor(["--endpoint", server.endpoint]);
    expect(degraded.r.code).toBe(1);
    expect(degraded.of("server")[0]?.message).toMatch(/HTTP 200, status degraded: the last policy reload failed/);
    await server.stop();
    const stopped = await doctor(["--endpoint", server.endpoint]);
    expect(stopped.r.code).toBe(1);
    expect(stopped.of("server")[0]?.message).toMatch(/^UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
  }, 30_000);

  it("frameworks: the repository's real installed frameworks are inside every adapter's tested range", async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const { of } = await doctor([], { cwd: here });
    const frameworks = of("framework");
    expect(frameworks.map((c) => c.message.split(" ")[0]).sort()).toEqual(["@langchain/core", "@openai/agents", "ai", "langchain"]);
    for (const c of frameworks) expect(c).toMatchObject({ status: "pass" });
  });

  it("frameworks: an installed version outside the tested range fails, an in-range one passes, a missing one is skipped", async () => {
    const fake = mkdtempSync(join(root, "fake-project-"));
    const install = (name: string, version: string): void => {
      mkdirSync(join(fake, "node_modules", ...name.split("/")), { recursive: true });
      writeFileSync(join(fake, "node_modules", ...name.split("/"), "package.json"), JSON.stringify({ name, version }));
    };
    install("@openai/agents", "0.19.2");
    install("ai", "7.1.0");
    const { r, of } = await doctor([], { cwd: fake });
    expect(r.code).toBe(1);
    const byName = (name: string): Check | undefined => of("framework").find((c) => c.message.startsWith(`${name} `));
    expect(byName("@openai/agents")).toMatchObject({ status: "fail" });
    expect(byName("@openai/agents")?.message).toBe("@openai/agents (@agentgov/openai-agents tested range >=0.20.0 <1): installed 0.19.2 is OUTSIDE the tested range");
    expect(byName("ai")).toMatchObject({ status: "pass" });
    expect(byName("langchain")).toMatchObject({ status: "skip" });
    install("@openai/agents", "0.20.4");
    expect((await doctor([], { cwd: fake })).r.code).toBe(0);
    install("ai", "not-a-version");
    expect(byNameIn(await doctor([], { cwd: fake }), "ai")).toMatchObject({ status: "fail" });
  });
});

function byNameIn(result: { of: (check: string) => Check[] }, name: string): Check | undefined {
  return result.of("framework").find((c) => c.message.startsWith(`${name} `));
}

/** Waits (polling, at most 20 s) until `condition` holds. */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error("the condition never held");
}
