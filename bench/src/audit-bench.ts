/**
 * One process's share of the audit benchmarks. Every sink signs its checkpoints (Ed25519,
 * the configuration `@agentgov/core/audit` documents), and the log is verified with the
 * public key, so signatures are part of every figure.
 * - `append` into `memoryAudit()`, per call (tinybench);
 * - `append` into `jsonlAudit(path, { fsync: true })` (default flush interval), per call:
 *   the latency the caller sees. The event loop turns every 256 appends (as it does between
 *   real tool calls) so that group commit runs alongside; tinybench's synchronous loop
 *   would never let it, so this one is timed by hand, one `hrtime` pair per call like
 *   tinybench;
 * - durable bursts: `burst` appends back to back, then `flush()` (which resolves once every
 *   record is on disk, fdatasync included): the amortised cost of durability per record;
 * - `verifyAudit` over a closed log of `verifyRecords` records: records per second.
 */
import { mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { setImmediate as turn } from "node:timers/promises";
import { generateAuditKeyPair, jsonlAudit, memoryAudit, verifyAudit } from "@agentgov/core/audit";
import type { AuditEntry } from "@agentgov/core/audit";
import { Bench } from "tinybench";
import type { AuditResult, AuditSpec, BurstFigures, VerifyFigures } from "./protocol.js";
import type { TaskFigures } from "./stats.js";
import { sampleFigures, taskFigures } from "./stats.js";

export let blackhole: unknown;

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

const ENTRY_KINDS = 1024; // distinct entries, cycled (power of two)

/** Realistic decision records (ARCHITECTURE.md "Audit record"), distinct call ids. */
function entries(): AuditEntry[] {
  const list: AuditEntry[] = [];
  for (let i = 0; i < ENTRY_KINDS; i++) {
    list.push({
      kind: "decision",
      agent: "bench-agent",
      stage: "pre_tool",
      tool: "query_database",
      action: "query_database",
      call_id: `call-${String(i)}`,
      run_id: "run-1",
      args_digest: "9f2c1c7e5b0c4e3fa1d2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708",
      args: { query: `SELECT id, name FROM customers WHERE id = ${String(i)}`, limit: 10, password: "[REDACTED]" },
      decision: {
        allowed: i % 4 !== 0,
        action: i % 4 === 0 ? "deny" : "allow",
        matched_rule: i % 4 === 0 ? "block-writes" : "allow-reads",
        policy: "support",
        code: "rule",
      },
      policy_digest: "3b5d7f9a1c2e4f6081a3c5e7f9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5f7",
      outcome: { status: "pending" },
    });
  }
  return list;
}

function appendBench(spec: AuditSpec): Bench {
  const a = spec.append;
  return new Bench({
    time: a.timeMs,
    iterations: a.iterations,
    warmupTime: a.warmupTimeMs,
    warmupIterations: a.warmupIterations,
    timestampProvider: "hrtimeNow",
    throws: true,
  });
}

async function burst(path: string, key: string, list: readonly AuditEntry[], records: number): Promise<BurstFigures> {
  const sink = jsonlAudit(path, { fsync: true, signingKey: key });
  const t0 = performance.now();
  for (let i = 0; i < records; i++) blackhole = sink.append(list[i & (ENTRY_KINDS - 1)]!);
  const t1 = performance.now();
  await sink.flush();
  const t2 = performance.now();
  await sink.close();
  return {
    records,
    nsPerRecord: ((t2 - t0) * 1e6) / records,
    appendNsPerRecord: ((t1 - t0) * 1e6) / records,
    flushMs: t2 - t1,
  };
}

async function writeLog(path: string, key: string, list: readonly AuditEntry[], records: number): Promise<void> {
  const sink = jsonlAudit(path, { fsync: true, signingKey: key });
  for (let i = 0; i < records; i++) {
    sink.append(list[i & (ENTRY_KINDS - 1)]!);
    // Let the group commit drain now and then so the setup does not hold everything in memory.
    if ((i & 0xffff) === 0xffff) await sink.flush();
  }
  await sink.close();
}

/** Appends between two untimed waits for the disk in {@link pacedAppend} (a third of the sink's default buffer bound). */
const DRAIN_EVERY = 32_768;

/** Per-call latency of durable appends with the event loop turning every `batch` calls. */
async function pacedAppend(path: string, key: string, list: readonly AuditEntry[], spec: AuditSpec): Promise<TaskFigures> {
  const sink = jsonlAudit(path, { fsync: true, signingKey: key });
  const hr = process.hrtime;
  const batch = 256;
  const samples: number[] = [];
  let i = 0;
  let drainedAt = 0;
  const phase = async (ms: number, keep: boolean): Promise<void> => {
    const end = performance.now() + ms;
    do {
      for (let k = 0; k < batch; k++) {
        const t0 = hr.bigint();
        blackhole = sink.append(list[i++ & (ENTRY_KINDS - 1)]!);
        const t1 = hr.bigint();
        if (keep) samples.push(Number(t1 - t0));
      }
      await turn();
      // Appends can outrun fsync on a slow or busy disk; the sink then refuses more (fail closed
      // at maxBufferedRecords). Wait for the disk (untimed) well before that bound.
      if (i - drainedAt >= DRAIN_EVERY) {
        await sink.flush();
        drainedAt = i;
      }
    } while (performance.now() < end);
  };
  await phase(spec.append.warmupTimeMs, false);
  gc?.();
  await phase(spec.append.timeMs, true);
  await sink.close();
  return sampleFigures(samples);
}

function medianBy<T>(items: readonly T[], key: (t: T) => number): T {
  const sorted = [...items].sort((x, y) => key(x) - key(y));
  return sorted[(sorted.length - 1) >> 1]!;
}

export async function runAudit(spec: AuditSpec): Promise<AuditResult> {
  const list = entries();
  const keys = generateAuditKeyPair();
  const key = keys.privateKey;
  mkdirSync(spec.dir, { recursive: true });
  try {
    // Per-call appends into memory (tinybench).
    const memory = memoryAudit({ signingKey: key });
    let m = 0;
    const b = appendBench(spec);
    b.add("memory", () => (blackhole = memory.append(list[m++ & (ENTRY_KINDS - 1)]!)), {
      beforeAll: () => {
        gc?.();
      },
    });
    b.runSync();
    await memory.close();
    const memoryAppend = taskFigures(b.getTask("memory")!);

    // Per-call durable appends, group commit running alongside.
    gc?.();
    const durableAppend = await pacedAppend(join(spec.dir, "append.jsonl"), key, list, spec);

    // Durable bursts: one untimed warm-up burst, then the timed rounds.
    await burst(join(spec.dir, "burst-warmup.jsonl"), key, list, Math.min(spec.burst, 10_000));
    const bursts: BurstFigures[] = [];
    for (let r = 0; r < spec.burstRounds; r++) {
      gc?.();
      bursts.push(await burst(join(spec.dir, `burst-${String(r)}.jsonl`), key, list, spec.burst));
    }

    // Verification of a closed log, signatures included (one untimed warm-up pass).
    const logPath = join(spec.dir, "verify.jsonl");
    await writeLog(logPath, key, list, spec.verifyRecords);
    const verifyFileBytes = statSync(logPath).size;
    const verifies: VerifyFigures[] = [];
    for (let r = 0; r < spec.verifyRounds + 1; r++) {
      gc?.();
      const t0 = performance.now();
      const report = await verifyAudit(logPath, { publicKey: keys.publicKey });
      const ms = performance.now() - t0;
      if (!report.ok || report.records !== spec.verifyRecords || !report.sealed || !report.signaturesChecked) {
        throw new Error(
          `verifyAudit on an untouched log of ${String(spec.verifyRecords)} records: ${JSON.stringify(report).slice(0, 500)}`,
        );
      }
      if (r > 0) verifies.push({ records: report.records, ms, recordsPerSec: (report.records * 1000) / ms });
    }

    return {
      kind: "audit",
      memoryAppend,
      durableAppend,
      burst: medianBy(bursts, (x) => x.nsPerRecord),
      verify: medianBy(verifies, (x) => x.ms),
      verifyFileBytes,
    };
  } finally {
    rmSync(spec.dir, { recursive: true, force: true });
  }
}
