import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { AuditEntry } from "@agentgov/core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createKernel, GovernanceDenied, type DecisionRequest } from "@agentgov/core";
import { request } from "../testing/fixtures/harness.js";
import { SqliteSink } from "./sink.js";
import { sqliteAudit, type SqliteAuditSink } from "./sqlite-audit.js";

let dir: string;
let sink: SqliteAuditSink | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "agentgov-durable-"));
});
afterEach(async () => {
  if (sink?.state() === "open") await sink.close();
  sink = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const entry = (i: number): AuditEntry => ({
  kind: "decision",
  agent: "alice",
  stage: "pre_tool",
  tool: "search",
  call_id: `call-${i}`,
  decision: { allowed: true, action: "allow", matched_rule: "r", policy: "p", code: "rule", reason: "ok" },
  outcome: { status: "pending" },
  policy_digest: "sha256:0",
});

/** Rows another connection sees (what survives this process). */
const committed = (path: string): string[] => {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare<[], { call_id: string }>("SELECT call_id FROM audit_log WHERE type = 'record' ORDER BY pos").all().map((r) => r.call_id);
  } finally {
    db.close();
  }
};

describe("SqliteSink.whenDurable", () => {
  it("resolves once the records appended so far are committed, one commit shared by the callers of a turn", async () => {
    // A long timer: only whenDurable can have committed.
    sink = sqliteAudit(join(dir, "a.db"), { flushIntervalMs: 60_000 });
    sink.append(entry(1));
    const first = sink.whenDurable();
    sink.append(entry(2));
    const second = sink.whenDurable();
    expect(second).toBe(first);
    expect(committed(sink.path)).toEqual([]);
    await first;
    expect(sink.lag()).toBe(0);
    expect(committed(sink.path)).toEqual(["call-1", "call-2"]);
    // Nothing waiting: already durable.
    await expect(sink.whenDurable()).resolves.toBeUndefined();
  });

  it("rejects with AUDIT_UNAVAILABLE when the commit fails, and keeps refusing", async () => {
    sink = sqliteAudit(join(dir, "b.db"), { flushIntervalMs: 60_000, busyTimeoutMs: 0 });
    const other = new Database(sink.path);
    other.exec("BEGIN IMMEDIATE");
    try {
      sink.append(entry(1));
      await expect(sink.whenDurable()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
      expect(sink.state()).toBe("failed");
      await expect(sink.whenDurable()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
    } finally {
      other.exec("ROLLBACK");
      other.close();
    }
    await expect(sink.close()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
  });

  it("settles waiters when the sink closes first", async () => {
    sink = sqliteAudit(join(dir, "c.db"), { flushIntervalMs: 60_000 });
    sink.append(entry(1));
    const waiting = sink.whenDurable();
    await sink.close();
    await expect(waiting).resolves.toBeUndefined();
    expect(committed(join(dir, "c.db"))).toEqual(["call-1"]);
  });

  it("waits for a batch already sent to the writer thread", async () => {
    sink = sqliteAudit(join(dir, "d.db"), { flushIntervalMs: 60_000 });
    sink.append(entry(1));
    const flushed = sink.flush();
    expect(sink.lag()).toBe(1);
    // Nothing waits to be sent, but the batch in flight is not committed yet: whenDurable waits for it.
    const durable = sink.whenDurable();
    await durable;
    expect(committed(sink.path)).toEqual(["call-1"]);
    await flushed;
    expect(sink.lag()).toBe(0);
  });
});

describe("the writer thread", () => {
  it("ending unexpectedly fails the sink: waiters are rejected, appends throw, the kernel denies", async () => {
    const direct = new SqliteSink(join(dir, "t.db"), { flushIntervalMs: 60_000 });
    direct.append(entry(1));
    const waiting = direct.whenDurable();
    const ended = direct.thread.terminate();
    await expect(waiting).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
    await ended;
    expect(direct.state()).toBe("failed");
    expect(() => direct.append(entry(2))).toThrow(expect.objectContaining({ code: "AUDIT_UNAVAILABLE" }));
    const policy = "apiVersion: agentgov/v1\nname: p\ndefault_action: deny\nrules:\n  - name: ok\n    condition: \"tool.name == 'search'\"\n    action: allow\n";
    const kernel = createKernel({ policies: [policy], audit: direct });
    const error = await kernel.enforce(request("alice", "search") as unknown as DecisionRequest, () => "ran").then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(GovernanceDenied);
    expect((error as GovernanceDenied).decision.code).toBe("audit_unavailable");
    await expect(direct.close()).rejects.toMatchObject({ code: "AUDIT_UNAVAILABLE" });
  });

  it("carries any text intact: separators, escapes, astral characters, absent columns", async () => {
    sink = sqliteAudit(join(dir, "e.db"), { flushIntervalMs: 60_000 });
    const agents = ["$3:abc~#1;", "a:b;c$", "\u{1F600} é \n \u2028", ""];
    for (const [i, agent] of agents.entries()) {
      const { tool: _tool, ...rest } = entry(i);
      sink.append({ ...rest, agent, call_id: `~${i}$` });
    }
    await sink.flush();
    for (const agent of agents) {
      const page = await sink.query({ agent, limit: 10 });
      expect(page.records.map((r) => [r.agent, r.tool, r.call_id])).toEqual([[agent, undefined, `~${agents.indexOf(agent)}$`]]);
    }
    expect(await sink.verify()).toMatchObject({ ok: true, records: agents.length });
  });
});
