import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createKernel, GovernanceDenied, type AuditEntry, type DecisionRequest } from "@agentgov/core";
import { generateAuditKeyPair, jsonlAudit, verifyAudit } from "@agentgov/core/audit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, request, startHarness, type Harness } from "../testing/fixtures/harness.js";
import { SqliteSink } from "./sink.js";
import { sqliteAudit, type SqliteAuditSink } from "./sqlite-audit.js";
import { AUDIT_DB_FILE } from "./store.js";
import { verifySqliteAudit } from "./verify.js";

const keys = generateAuditKeyPair();
let dir: string;
let open: SqliteAuditSink[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-sqlite-"));
});
afterEach(async () => {
  for (const sink of open) if (sink.state() === "open") await sink.close();
  open = [];
  rmSync(dir, { recursive: true, force: true });
});

const start = (name = "audit.db", options: Parameters<typeof sqliteAudit>[1] = {}): SqliteAuditSink => {
  const sink = sqliteAudit(join(dir, name), { signingKey: keys.privateKey, ...options });
  open.push(sink);
  return sink;
};

const entry = (i: number, over: Partial<AuditEntry> = {}): AuditEntry => ({
  kind: "decision",
  agent: i % 2 === 0 ? "alice" : "bob",
  stage: "pre_tool",
  tool: i % 3 === 0 ? "delete" : "search",
  call_id: `call-${i}`,
  args: { q: `ünïcode ${i}`, n: i, nested: { z: 1, a: [true, null] } },
  decision: { allowed: i % 3 !== 0, action: i % 3 === 0 ? "deny" : "allow", matched_rule: null, policy: "p", code: "rule", reason: "r" },
  policy_digest: "d".repeat(64),
  outcome: { status: i % 3 === 0 ? "denied" : "pending" },
  ...over,
});

/** Every line of the database, in order, as the JSONL file holds them. */
const linesOf = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  const lines = db.prepare<[], { line: string }>("SELECT line FROM audit_log ORDER BY pos").all().map((r) => r.line);
  db.close();
  return lines;
};

describe("sqliteAudit", () => {
  it("writes the JSONL sink's exact records and chain: its rows are a log the core verifier accepts", async () => {
    let now = Date.parse("2026-03-01T12:00:00.000Z");
    const clock = (): number => now++;
    const sqlite = start("audit.db", { clock, checkpointEvery: 4 });
    const jsonl = jsonlAudit(join(dir, "audit.jsonl"), { signingKey: keys.privateKey, clock, checkpointEvery: 4 });
    for (let i = 1; i <= 10; i++) {
      now = Date.parse("2026-03-01T12:00:00.000Z") + i * 1000;
      const fromSqlite = sqlite.append(entry(i));
      now = Date.parse("2026-03-01T12:00:00.000Z") + i * 1000;
      const fromJsonl = jsonl.append(entry(i));
      const { prev: _p1, hash: _h1, ...a } = fromSqlite;
      const { prev: _p2, hash: _h2, ...b } = fromJsonl;
      expect(a).toEqual(b);
    }
    await sqlite.close();
    await jsonl.close();
    const lines = linesOf(sqlite.path);
    writeFileSync(join(dir, "exported.jsonl"), lines.join("\n") + "\n");
    const viaCore = await verifyAudit(join(dir, "exported.jsonl"), { publicKey: keys.publicKey });
    expect(viaCore).toMatchObject({ ok: true, records: 10, lastSeq: 10, sealed: true, signaturesChecked: true, checkpoints: 3 });
    const own = await verifySqliteAudit(sqlite.path, { publicKey: keys.publicKey });
    expect(own).toEqual(viaCore);
    // Same shape line for line: header, records and checkpoints where the JSONL file has them.
    const jsonlLines = (await import("node:fs")).readFileSync(join(dir, "audit.jsonl"), "utf8").trimEnd().split("\n");
    expect(lines.map((l) => l.slice(0, 20))).toEqual(jsonlLines.map((l) => l.slice(0, 20)));
  });

  it("commits a tick's appends together, continues its chain after a reopen, and answers indexed queries", async () => {
    const sink = start();
    for (let i = 1; i <= 6; i++) sink.append(entry(i));
    expect(sink.lag()).toBe(6);
    await sink.flush();
    expect(sink.lag()).toBe(0);
    await sink.close();
    const again = start();
    expect(again.head().seq).toBe(6);
    for (let i = 7; i <= 9; i++) again.append(entry(i));
    expect((await again.verify()).ok).toBe(true);
    expect((await again.query({ agent: "alice", limit: 10 })).records.map((r) => r.seq)).toEqual([2, 4, 6, 8]);
    expect((await again.query({ tool: "delete", decision: "deny", limit: 10 })).records.map((r) => r.seq)).toEqual([3, 6, 9]);
    expect((await again.query({ callId: "call-5", kind: "decision", code: "rule", limit: 10 })).records.map((r) => r.seq)).toEqual([5]);
    const first = await again.query({ limit: 4 });
    expect(first.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(first.has_more).toBe(true);
    const rest = await again.query({ limit: 10, cursor: first.next_cursor });
    expect(rest.records.map((r) => r.seq)).toEqual([5, 6, 7, 8, 9]);
    expect(rest.has_more).toBe(false);
    again.append(entry(10));
    expect((await again.query({ limit: 10, cursor: rest.next_cursor })).records.map((r) => r.seq)).toEqual([10]);
    await expect(again.query({ limit: 1, cursor: "bm9wZQ" })).rejects.toMatchObject({ code: "INVALID_CURSOR" });
    const plan = new Database(again.path, { readonly: true });
    const detail = plan.prepare("EXPLAIN QUERY PLAN SELECT pos, line FROM audit_log WHERE type = 'record' AND pos > 0 AND agent = 'x' ORDER BY pos LIMIT 5").all() as { detail: string }[];
    plan.close();
    expect(detail.map((d) => d.detail).join(" ")).toContain("audit_log_agent");
    await again.close();
    expect(await verifySqliteAudit(again.path, { publicKey: keys.publicKey })).toMatchObject({ ok: true, records: 10, sealed: true });
  });

  it("verification recomputes the chain from the stored lines and names the first bad record", async () => {
    const sink = start();
    for (let i = 1; i <= 5; i++) sink.append(entry(i, { args: { amount: 100 * i } }));
    await sink.close();
    const tamper = (sql: string): void => {
      const db = new Database(sink.path);
      db.prepare(sql).run();
      db.close();
    };
    const verify = () => verifySqliteAudit(sink.path, { publicKey: keys.publicKey });
    expect((await verify()).ok).toBe(true);

    tamper(`UPDATE audit_log SET line = replace(line, '"amount":300', '"amount":3') WHERE type = 'record' AND seq = 3`);
    expect(await verify()).toMatchObject({ ok: false, records: 2, error: { reason: "hash_mismatch", seq: 3 } });
    tamper(`UPDATE audit_log SET line = replace(line, '"amount":3', '"amount":300') WHERE type = 'record' AND seq = 3`);
    expect((await verify()).ok).toBe(true);

    tamper(`UPDATE audit_log SET agent = 'nobody' WHERE seq = 4 AND type = 'record'`);
    expect(await verify()).toMatchObject({ ok: false, error: { reason: "malformed_line", seq: 4 } });
    tamper(`UPDATE audit_log SET agent = 'alice' WHERE seq = 4 AND type = 'record'`);

    tamper(`DELETE FROM audit_log WHERE type = 'record' AND seq = 2`);
    expect(await verify()).toMatchObject({ ok: false, error: { reason: "malformed_line", line: 3 } });
    expect(await verifySqliteAudit(sink.path, { publicKey: generateAuditKeyPair().publicKey })).toMatchObject({ ok: false, error: { reason: "key_mismatch" } });
  });

  it("runs in WAL mode with synchronous NORMAL by default, FULL on request", async () => {
    const normal = new SqliteSink(join(dir, "n.db"), {});
    const full = new SqliteSink(join(dir, "f.db"), { synchronous: "full" });
    expect(normal.db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect([normal.db.pragma("synchronous", { simple: true }), full.db.pragma("synchronous", { simple: true })]).toEqual([1, 2]);
    await normal.close();
    await full.close();
    expect(() => new SqliteSink(join(dir, "x.db"), { synchronous: "off" as "full" })).toThrow(expect.objectContaining({ code: "INVALID_OPTIONS" }));
  });

  it("refuses what it cannot continue: another key, a damaged end, a non-database, a second writer", async () => {
    const sink = start();
    sink.append(entry(1));
    expect(() => start()).toThrow(expect.objectContaining({ code: "AUDIT_IO" }));
    await sink.close();
    expect(() => sqliteAudit(sink.path, { signingKey: generateAuditKeyPair().privateKey })).toThrow(expect.objectContaining({ code: "AUDIT_IO" }));
    const db = new Database(sink.path);
    db.prepare(`UPDATE audit_log SET line = replace(line, '"n":1', '"n":2') WHERE type = 'record' AND seq = 1`).run();
    db.close();
    expect(() => start()).toThrow(/damaged/);
    writeFileSync(join(dir, "garbage.db"), "this is not a database, just text ".repeat(200));
    expect(() => start("garbage.db")).toThrow(expect.objectContaining({ code: "AUDIT_IO" }));
  });
});

describe("a crash", () => {
  it("loses no committed record: SIGKILL mid-load, reopen, the chain verifies and continues", async () => {
    const path = join(dir, "crash.db");
    const child = spawn(process.execPath, ["--conditions=@agentgov/source", "--import", "tsx", join(import.meta.dirname, "../testing/fixtures/sqlite-writer.ts"), path, Buffer.from(keys.privateKey).toString("base64")], { cwd: join(import.meta.dirname, "../.."), stdio: ["ignore", "pipe", "pipe"] });
    let acknowledged = 0;
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<NodeJS.Signals | null>((done) => {
      child.once("exit", (_code, signal) => {
        done(signal);
      });
    });
    await new Promise<void>((done, fail) => {
      child.stdout.on("data", (c: Buffer) => {
        for (const m of c.toString().matchAll(/durable (\d+)/g)) acknowledged = Math.max(acknowledged, Number(m[1]));
        if (acknowledged >= 2000) done();
      });
      child.once("exit", () => {
        fail(new Error(`the writer exited early: ${stderr}`));
      });
    });
    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    const reopened = start("crash.db");
    expect(reopened.head().seq).toBeGreaterThanOrEqual(acknowledged);
    expect(await reopened.verify({ publicKey: keys.publicKey })).toMatchObject({ ok: true, sealed: false });
    reopened.append(entry(1));
    await reopened.close();
    expect(await verifySqliteAudit(path, { publicKey: keys.publicKey })).toMatchObject({ ok: true, sealed: true, lastSeq: reopened.head().seq });
  });
});

describe("fail closed", () => {
  const POLICY = "apiVersion: agentgov/v1\nname: p\ndefault_action: deny\nrules:\n  - name: ok\n    condition: \"tool.name == 'search'\"\n    action: allow\n";
  const req = request("alice", "search") as unknown as DecisionRequest;
  const denial = async (run: Promise<unknown>): Promise<string> => {
    const error = await run.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(GovernanceDenied);
    return (error as GovernanceDenied).decision.code;
  };

  it("a commit the database refuses (locked by another writer) fails the sink; the kernel then denies", async () => {
    const sink = start("audit.db", { busyTimeoutMs: 10 });
    const kernel = createKernel({ policies: [POLICY], audit: sink });
    expect(await kernel.enforce(req, () => "ran")).toBe("ran");
    const other = new Database(sink.path);
    other.exec("BEGIN IMMEDIATE");
    try {
      sink.append(entry(99));
      await expect(sink.flush()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
      expect(sink.state()).toBe("failed");
      expect(await denial(kernel.enforce(req, () => "ran"))).toBe("audit_unavailable");
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
  });

  it("a closed database denies every call", async () => {
    const sink = start();
    const kernel = createKernel({ policies: [POLICY], audit: sink });
    await sink.close();
    expect(await denial(kernel.enforce(req, () => "ran"))).toBe("audit_unavailable");
  });
});

describe("as the server's default store", () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it("serves decisions, audit queries and verification from audit.db", async () => {
    h = await startHarness();
    expect(h.server.audit.location).toBe(join(h.data, AUDIT_DB_FILE));
    await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search", { q: "x" }) });
    const page = await call(h.base, "/v1/audit?agent=alice", { token: h.tokens.audit });
    expect(page.body.records).toMatchObject([{ seq: 1, agent: "alice", tool: "search", args: { q: "x" } }]);
    expect((await call(h.base, "/v1/audit/verify", { token: h.tokens.audit })).body).toMatchObject({ ok: true, records: 1, signaturesChecked: true });
  });

  it("denies with audit_unavailable once its database refuses commits, and reports failing health", async () => {
    h = await startHarness();
    const other = new Database(h.server.audit.location);
    other.pragma("busy_timeout = 0");
    other.exec("BEGIN IMMEDIATE");
    try {
      // The answer waits for the commit (durable acknowledgement): the refused commit turns the allow into a deny.
      const first = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search") });
      expect(first.body).toMatchObject({ allowed: false, action: "deny", code: "audit_unavailable", matched_rule: "allow-search" });
      expect(String(first.body.reason)).toContain("could not commit");
      // Nothing waits for an outcome: the call was denied.
      expect((await call(h.base, "/v1/outcome", { token: h.tokens.decide, body: { call_id: first.body.call_id, status: "ok" } })).status).toBe(404);
      await expect(h.server.audit.sink.flush()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
      const next = await call(h.base, "/v1/decide", { token: h.tokens.decide, body: request("alice", "search") });
      expect(next.body).toMatchObject({ allowed: false, action: "deny", code: "audit_unavailable" });
      expect((await call(h.base, "/healthz")).status).toBe(503);
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    // Shutting down says the log could not be sealed.
    await expect(h.server.close()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
    rmSync(h.root, { recursive: true, force: true });
    h = undefined;
  });

  it("refuses to start when its database cannot be opened", async () => {
    h = await startHarness();
    await h.server.close();
    rmSync(h.server.audit.location);
    mkdirSync(h.server.audit.location);
    await expect(h.restart()).rejects.toMatchObject({ code: "AUDIT_IO" });
    rmSync(h.root, { recursive: true, force: true });
    h = undefined;
  });

  it("keeps JSONL selectable", async () => {
    h = await startHarness({ auditStore: "jsonl" });
    expect(h.server.audit.location.endsWith("audit.jsonl")).toBe(true);
  });
});
