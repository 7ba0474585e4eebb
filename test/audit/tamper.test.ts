/**
 * Tamper detection end to end: a log written by `jsonlAudit` (signed checkpoints), altered
 * the ways an attacker or an accident would, then checked with the real, built
 * `agentgov audit verify` binary (`npm run build` first). Exit 0 intact, 1 tampered or
 * truncated naming the seq, 2 unreadable.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateAuditKeyPair, jsonlAudit, type AuditKeyPair } from "@agentgov/core/audit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, type CliResult } from "../support/cli.js";

let dir = "";
let keys: AuditKeyPair;
/** The intact log's lines (no trailing newline): header (line 1), then records and checkpoints. */
let original: string[] = [];

const RECORDS = 30;
const EVERY = 10; // checkpoints after seq 10, 20, 30 and the final one after 30

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-tamper-"));
  keys = generateAuditKeyPair();
  writeFileSync(join(dir, "audit.pub.pem"), keys.publicKey);
  writeFileSync(join(dir, "other.pub.pem"), generateAuditKeyPair().publicKey);
  const path = join(dir, "original.jsonl");
  const sink = jsonlAudit(path, { signingKey: keys.privateKey, checkpointEvery: EVERY });
  for (let i = 1; i <= RECORDS; i++) {
    sink.append({
      kind: i % 2 === 0 ? "outcome" : "decision",
      agent: "support-bot",
      stage: "pre_tool",
      tool: "query_database",
      call_id: `call-${String(i)}`,
      args: { query: `SELECT * FROM orders WHERE id = ${String(i)}`, password: "[REDACTED]" },
      decision: { allowed: i % 3 !== 0, action: i % 3 === 0 ? "deny" : "allow", matched_rule: "r", policy: "support", code: "rule" },
      policy_digest: "c".repeat(64),
    });
  }
  await sink.close();
  original = readFileSync(path, "utf8").split("\n").slice(0, -1);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Index (0-based line) of the record with `seq`. */
const lineOf = (seq: number): number => original.findIndex((l) => !l.startsWith('{"type"') && (JSON.parse(l) as { seq: number }).seq === seq);

let n = 0;
async function verify(lines: readonly string[], ...args: string[]): Promise<CliResult> {
  const name = `log-${String(++n)}.jsonl`;
  writeFileSync(join(dir, name), lines.join("\n") + "\n");
  return runCli(["audit", "verify", name, ...args], { cwd: dir });
}

interface Verdict {
  ok: boolean;
  seq: number | null;
  line: number;
  reason: string;
}
const verdict = (r: CliResult): Verdict => JSON.parse(r.stdout) as Verdict;

describe("agentgov audit verify: tamper detection through the CLI", () => {
  it("an intact log: exit 0, with and without the key", async () => {
    const plain = await verify(original);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^audit: OK — 30 records \(seq 1–30\), sealed, 4 checkpoints/);
    const keyed = await verify(original, "--key", "audit.pub.pem", "--json");
    expect(keyed.code).toBe(0);
    expect(JSON.parse(keyed.stdout)).toMatchObject({ ok: true, records: 30, sealed: true, signaturesChecked: true });
  });

  it("a modified record: exit 1, hash_mismatch at its seq", async () => {
    const lines = [...original];
    const i = lineOf(17);
    lines[i] = lines[i]!.replace("orders", "0rders");
    expect(lines[i]).not.toBe(original[i]);
    const r = await verify(lines);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`audit: TAMPERED at seq 17 (line ${String(i + 1)}): hash_mismatch — record content does not match its hash\n`);
  });

  it("an inserted record (a copy): exit 1, seq_order naming the seq", async () => {
    const lines = [...original];
    lines.splice(lineOf(6), 0, original[lineOf(5)]!);
    const r = await verify(lines, "--json");
    expect(r.code).toBe(1);
    expect(verdict(r)).toMatchObject({ ok: false, seq: 5, line: lineOf(6) + 1, reason: "seq_order" });
  });

  it("a deleted record: exit 1, seq_gap at the record after the hole", async () => {
    const lines = [...original];
    lines.splice(lineOf(12), 1);
    const r = await verify(lines);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit: TAMPERED at seq 13 \(line \d+\): seq_gap — expected seq 12, found seq 13/);
  });

  it("reordered records: exit 1, naming the first out-of-place seq", async () => {
    const lines = [...original];
    const a = lineOf(21);
    const b = lineOf(22);
    [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    const r = await verify(lines, "--json");
    expect(r.code).toBe(1);
    expect(verdict(r)).toMatchObject({ seq: 22, line: a + 1, reason: "seq_gap" });
  });

  it("a truncated log (tail cut, final checkpoint gone): exit 1, truncated at the last seq left", async () => {
    const lines = original.slice(0, lineOf(25) + 1);
    const r = await verify(lines);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit: TRUNCATED at seq 25 \(line \d+\): truncated — no final checkpoint after seq 25/);
  });

  it("a truncated log (records cut before the final checkpoint): exit 1, truncated", async () => {
    const lines = [...original.slice(0, lineOf(27)), original.at(-1)!];
    const r = await verify(lines, "--json");
    expect(r.code).toBe(1);
    expect(verdict(r)).toMatchObject({ seq: 30, reason: "truncated" });
  });

  it("a truncated log resealed with a forged final checkpoint: exit 1 with the key", async () => {
    const lines = original.slice(0, lineOf(20) + 2); // ends with the periodic checkpoint of seq 20
    const cp = JSON.parse(lines.at(-1)!) as { final: boolean };
    cp.final = true;
    lines[lines.length - 1] = JSON.stringify(cp);
    const r = await verify(lines, "--key", "audit.pub.pem", "--json");
    expect(r.code).toBe(1);
    expect(verdict(r)).toMatchObject({ seq: 20, reason: "bad_checkpoint_signature" });
  });

  it("a bad signature: exit 1 with the key", async () => {
    const lines = [...original];
    const last = JSON.parse(lines.at(-1)!) as { sig: string };
    last.sig = Buffer.alloc(64, 7).toString("base64");
    lines[lines.length - 1] = JSON.stringify(last);
    const r = await verify(lines, "--key", "audit.pub.pem");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^audit: TAMPERED at seq 30 \(line \d+\): bad_checkpoint_signature/);
  });

  it("the wrong key: exit 1, key_mismatch", async () => {
    const r = await verify(original, "--key", "other.pub.pem", "--json");
    expect(r.code).toBe(1);
    expect(verdict(r)).toMatchObject({ seq: null, line: 1, reason: "key_mismatch" });
  });

  it("an unreadable file or key: exit 2, message on stderr", async () => {
    const missing = await runCli(["audit", "verify", "does-not-exist.jsonl"], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toMatch(/cannot read audit log .*does-not-exist\.jsonl/);
    const directory = await runCli(["audit", "verify", "."], { cwd: dir });
    expect(directory.code).toBe(2);
    const noKey = await verify(original, "--key", "missing.pem");
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/cannot read key missing\.pem/);
  });
});
