import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { generateAuditKeyPair, jsonlAudit, type AuditKeyPair } from "@agentgov/core/audit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../io.js";
import { main } from "../main.js";

let dir = "";
let keys: AuditKeyPair;
let sealed = "";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], options: { tty?: boolean; env?: Record<string, string> } = {}): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = Object.assign(new PassThrough(), { isTTY: options.tty === true });
  const stderr = new PassThrough();
  stdout.on("data", (chunk: Buffer) => out.push(chunk.toString()));
  stderr.on("data", (chunk: Buffer) => err.push(chunk.toString()));
  const io: CliIo = { stdout, stderr, stdin: new PassThrough(), env: options.env ?? {}, cwd: dir };
  const code = await main(["audit", "verify", ...args], io);
  return { code, stdout: out.join(""), stderr: err.join("") };
}

async function writeLog(name: string, records: number, close = true): Promise<string> {
  const path = join(dir, name);
  const sink = jsonlAudit(path, { signingKey: keys.privateKey, checkpointEvery: 0 });
  for (let i = 1; i <= records; i++) {
    sink.append({
      kind: "decision",
      agent: "bot",
      stage: "pre_tool",
      tool: "search",
      call_id: `c${String(i)}`,
      decision: { allowed: true, action: "allow", matched_rule: "r", policy: "p", code: "rule" },
      policy_digest: "d".repeat(64),
    });
  }
  if (close) await sink.close();
  else await sink.flush();
  return name;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-audit-cli-"));
  keys = generateAuditKeyPair();
  writeFileSync(join(dir, "pub.pem"), keys.publicKey);
  writeFileSync(join(dir, "other.pem"), generateAuditKeyPair().publicKey);
  writeFileSync(join(dir, "garbage.pem"), "not a key");
  sealed = await writeLog("sealed.jsonl", 3);
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("agentgov audit verify (in process)", () => {
  it("exit 0 for an intact log, saying signatures were not checked without --key", async () => {
    const r = await run([sealed]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toMatch(/^audit: OK — 3 records \(seq 1–3\), sealed, 1 checkpoint; signatures NOT checked \(no --key\)/);
  });

  it("--key verifies the signatures; --json prints one object", async () => {
    const r = await run([sealed, "--key", "pub.pem", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, records: 3, lastSeq: 3, sealed: true, signaturesChecked: true, keyId: keys.keyId });
  });

  it("exit 1 for a tampered log, naming seq, line and reason (human and --json)", async () => {
    const name = "tampered.jsonl";
    writeFileSync(join(dir, name), readFileSync(join(dir, sealed), "utf8").replace('"call_id":"c2"', '"call_id":"cX"'));
    const human = await run([name]);
    expect(human.code).toBe(1);
    expect(human.stdout).toBe("audit: TAMPERED at seq 2 (line 3): hash_mismatch — record content does not match its hash\n");
    const json = await run([name, "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, seq: 2, line: 3, reason: "hash_mismatch", message: "record content does not match its hash" });
  });

  it("exit 1 TRUNCATED for an unclosed log, exit 0 with --allow-open", async () => {
    const open = await writeLog("open.jsonl", 2, false);
    const r = await run([open]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit: TRUNCATED at seq 2 \(line 3\): truncated — no final checkpoint/);
    const allowed = await run([open, "--allow-open"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/open \(no final checkpoint\)/);
  });

  it("exit 1 key_mismatch for another key", async () => {
    const r = await run([sealed, "--key", "other.pem", "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, seq: null, line: 1, reason: "key_mismatch" });
  });

  it("exit 2 with a message on stderr for an unreadable log or key", async () => {
    const missing = await run(["missing.jsonl"]);
    expect(missing).toMatchObject({ code: 2, stdout: "" });
    expect(missing.stderr).toMatch(/^agentgov audit verify: cannot read audit log .*missing\.jsonl: ENOENT/);
    const noKey = await run([sealed, "--key", "missing.pem"]);
    expect(noKey).toMatchObject({ code: 2, stdout: "" });
    expect(noKey.stderr).toMatch(/cannot read key missing\.pem/);
    const badKey = await run([sealed, "--key", "garbage.pem", "--json"]);
    expect(badKey).toMatchObject({ code: 2, stdout: "" });
    expect(badKey.stderr).toMatch(/unusable key garbage\.pem/);
  });

  it("exit 2 for usage errors; --help prints usage", async () => {
    expect((await run([])).code).toBe(2);
    expect((await run([sealed, sealed])).code).toBe(2);
    expect((await run([sealed, "--nope"])).code).toBe(2);
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: agentgov audit verify <file>/);
  });

  it("colours only on a TTY without NO_COLOR", async () => {
    expect((await run([sealed], { tty: true })).stdout).toContain("\u001b[32mOK\u001b[0m");
    expect((await run([sealed], { tty: true, env: { NO_COLOR: "1" } })).stdout).not.toContain("\u001b[");
    expect((await run([sealed])).stdout).not.toContain("\u001b[");
  });
});
