/**
 * `agentgov rl verify <events.jsonl|events.json> [--key <pub.pem>]… [--config <agentgov-rl.yaml>]
 * [--rollout R --attempt A] [--json]`: verifies every signed reward record in an events file
 * (format: `./events.ts`; JSON Lines, or one JSON array of the same events) against its episode log with `verifyRewardRecord` (RL-GUARD.md §7),
 * one line per record. Exit 0 when every record verifies, 1 when any is rejected (or the file
 * holds none, or a line is malformed), 2 on usage errors or an unreadable file, key or config.
 */
import { createReadStream } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { loadRlGuardConfig } from "../config/load.js";
import type { CompiledRlConfig } from "../config/types.js";
import { canonicalJson, isObject } from "../internal/canonical.js";
import { importTrustedPublicKey, keyidOf, type TrustedKeys } from "../integrity/keys.js";
import { BoundedNonceSet } from "../integrity/nonces.js";
import { verifyRewardRecord, type VerifyFailure } from "../integrity/verify.js";
import { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, parseCommandArgs, RlUsageError, withUsage, writeLine, type RlCommand } from "./common.js";
import { EVENT_TYPES, VERIFIER_SOURCE } from "./events.js";

const USAGE = `Usage: agentgov rl verify <events.jsonl|events.json> [--key <pub.pem>]... [--config <agentgov-rl.yaml>] [--rollout R --attempt A] [--json]

  --key <file>      trusted Ed25519 public key (SPKI PEM); repeatable (--pub is an alias).
                    Default: the file named by AGENTGOV_RL_PUBKEY. Required one way or the other.
  --config <file>   the run's agentgov-rl.yaml (phases, shaping, run id). Default:
                    AGENTGOV_RL_CONFIG, else ./agentgov-rl.yaml
  --rollout, --attempt
                    the binding for lines that carry no rollout_id / attempt_id
  --json            one JSON object on stdout

The file holds Agent Lightning v1-style events (agentgov.rl.chain, reward with data.agentgov),
one per line, or one JSON array of them; "line" numbers are array positions then.

Exit codes: 0 every record verified, 1 a record rejected (or none found, or a malformed
line), 2 usage error or unreadable file, key or config.`;

/** Most audit records accepted for one attempt (a guard caps an episode at 10,000 calls). */
export const MAX_RECORDS_PER_ATTEMPT = 100_000;

/** The verdict on one reward record. */
export interface RecordVerdict {
  line: number;
  rollout_id: string;
  attempt_id: string;
  ok: boolean;
  final: number | null;
  value: unknown;
  keyid: string | null;
  epoch: number | null;
  phase: string | null;
  reason: VerifyFailure | null;
  detail: string | null;
}

/** The report `--json` prints. */
export interface VerifyReport {
  ok: boolean;
  file: string;
  run_id: string;
  keys: string[];
  verified: number;
  rejected: number;
  records: RecordVerdict[];
  /** Attempts with a chain but no reward record (val or cancelled episodes): not checked, not failures. */
  unsigned: { rollout_id: string; attempt_id: string; chain_len: number }[];
  /** Lines that are not events of the format. */
  errors: { line: number; detail: string }[];
  /** Lines ignored (summaries, integrity events, verifier rewards, other event types). */
  ignored: number;
}

interface Attempt {
  rolloutId: string;
  attemptId: string;
  records: unknown[];
  canon: string[];
  chainProblem: string | null;
  rewards: { line: number; record: unknown; value: unknown; canon: string }[];
}

/** `agentgov rl verify`. */
export const rlVerify: RlCommand = (argv, io) => withUsage("verify", io, USAGE, async () => {
  const { values, positionals } = parseCommandArgs(argv, {
    key: { type: "string", multiple: true },
    pub: { type: "string", multiple: true },
    config: { type: "string" },
    rollout: { type: "string" },
    attempt: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new RlUsageError("give exactly one events file");
  if ((values.rollout === undefined) !== (values.attempt === undefined)) throw new RlUsageError("--rollout and --attempt go together");
  const given = [...(values.key ?? []), ...(values.pub ?? [])];
  const keyFiles = given.length > 0 ? given : (io.env.AGENTGOV_RL_PUBKEY === undefined || io.env.AGENTGOV_RL_PUBKEY === "" ? [] : [io.env.AGENTGOV_RL_PUBKEY]);
  if (keyFiles.length === 0) throw new RlUsageError("no trusted key: give --key <pub.pem> (or set AGENTGOV_RL_PUBKEY); a record verified without one proves nothing");
  const fail = (message: string): number => {
    writeLine(io.stderr, `agentgov rl verify: ${message}`);
    return EXIT_USAGE;
  };

  const keys = new Map<string, ReturnType<typeof importTrustedPublicKey>>();
  for (const k of keyFiles) {
    let pem: string;
    try {
      pem = await readFile(resolve(io.cwd, k), "utf8");
    } catch (error) {
      return fail(`cannot read key ${k}: ${(error as Error).message}`);
    }
    try {
      const obj = importTrustedPublicKey(pem);
      keys.set(keyidOf(obj), obj);
    } catch (error) {
      return fail(`unusable key ${k}: ${(error as Error).message}`);
    }
  }
  const configPath = resolve(io.cwd, values.config ?? (io.env.AGENTGOV_RL_CONFIG === undefined || io.env.AGENTGOV_RL_CONFIG === "" ? "agentgov-rl.yaml" : io.env.AGENTGOV_RL_CONFIG));
  let config: CompiledRlConfig;
  try {
    config = await loadRlGuardConfig(configPath);
  } catch (error) {
    return fail(`configuration ${configPath}: ${(error as Error).message}`);
  }

  const path = resolve(io.cwd, file);
  const fallback = values.rollout === undefined || values.attempt === undefined ? null : { rolloutId: values.rollout, attemptId: values.attempt };
  let read: Awaited<ReturnType<typeof readEvents>>;
  try {
    read = await readEvents(path, fallback);
  } catch (error) {
    return fail(`cannot read ${file}: ${(error as Error).message}`);
  }
  const report = await verifyAttempts(read, { file, config, keys });
  if (values.json === true) writeLine(io.stdout, JSON.stringify(report));
  else for (const line of humanReport(report)) writeLine(io.stdout, line);
  return report.ok ? EXIT_OK : EXIT_REJECTED;
});

/** Reads and groups the events of a file by attempt. */
/** Largest file read whole as a JSON array (JSON Lines files are streamed). */
export const MAX_JSON_ARRAY_BYTES = 256 * 1024 * 1024;

/** The file's events: JSON Lines (numbered by line), or one JSON array (numbered by position). */
async function* eventsOf(path: string): AsyncGenerator<{ n: number; value: unknown; bad?: string }> {
  const fh = await open(path, "r");
  let head: string;
  let size: number;
  try {
    size = (await fh.stat()).size;
    const buf = Buffer.alloc(Math.min(size, 4096));
    await fh.read(buf, 0, buf.length, 0);
    head = buf.toString("utf8").replace(/^\uFEFF/, "").trimStart();
  } finally {
    await fh.close();
  }
  if (head.startsWith("[")) {
    if (size > MAX_JSON_ARRAY_BYTES) throw new Error(`a JSON array file is limited to ${MAX_JSON_ARRAY_BYTES} bytes; use JSON Lines`);
    let all: unknown;
    try {
      all = JSON.parse((await readFile(path, "utf8")).replace(/^\uFEFF/, ""));
    } catch {
      yield { n: 1, value: null, bad: "not JSON" };
      return;
    }
    if (!Array.isArray(all)) {
      yield { n: 1, value: null, bad: "not an array of events" };
      return;
    }
    let n = 0;
    for (const value of all) yield { n: ++n, value };
    return;
  }
  let n = 0;
  for await (const text of createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity })) {
    n++;
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { n, value: null, bad: "not JSON" };
      continue;
    }
    yield { n, value };
  }
}

/** Reads and groups the events of a file by attempt. */
async function readEvents(path: string, fallback: { rolloutId: string; attemptId: string } | null) {
  const attempts = new Map<string, Attempt>();
  const errors: { line: number; detail: string }[] = [];
  let ignored = 0;
  for await (const { n, value: ev, bad } of eventsOf(path)) {
    if (bad !== undefined) {
      errors.push({ line: n, detail: bad });
      continue;
    }
    if (!isObject(ev) || typeof ev.event_type !== "string" || !isObject(ev.data)) {
      errors.push({ line: n, detail: "not an event (needs event_type and an object data)" });
      continue;
    }
    const type = ev.event_type;
    const data = ev.data;
    if (type !== EVENT_TYPES.chain && type !== EVENT_TYPES.reward) {
      ignored++;
      continue;
    }
    if (type === EVENT_TYPES.reward && data.agentgov === undefined && data.source === VERIFIER_SOURCE) {
      ignored++;
      continue;
    }
    const hasIds = ev.rollout_id !== undefined || ev.attempt_id !== undefined;
    if (hasIds && (typeof ev.rollout_id !== "string" || typeof ev.attempt_id !== "string")) {
      errors.push({ line: n, detail: "rollout_id and attempt_id must both be strings" });
      continue;
    }
    const ids = hasIds ? { rolloutId: ev.rollout_id as string, attemptId: ev.attempt_id as string } : fallback;
    if (ids === null) {
      errors.push({ line: n, detail: "no rollout_id/attempt_id on the line and no --rollout/--attempt: the record cannot be bound" });
      continue;
    }
    // JSON text can still hold what canonical JSON refuses (1e400 parses as Infinity): such a line is malformed.
    const canon = canonicalOrNull(type === EVENT_TYPES.chain ? data.records : data.agentgov ?? null);
    if (canon === null) {
      errors.push({ line: n, detail: "holds a value canonical JSON cannot represent (a non-finite number)" });
      continue;
    }
    const key = JSON.stringify([ids.rolloutId, ids.attemptId]);
    let a = attempts.get(key);
    if (a === undefined) {
      a = { ...ids, records: [], canon: [], chainProblem: null, rewards: [] };
      attempts.set(key, a);
    }
    if (type === EVENT_TYPES.chain) addSlice(a, data, n);
    else {
      a.rewards.push({ line: n, record: data.agentgov, value: data.value, canon: data.agentgov === undefined ? `#${n}` : canon });
    }
  }
  return { attempts, errors, ignored };
}

function canonicalOrNull(value: unknown): string | null {
  try {
    return canonicalJson(value);
  } catch {
    return null;
  }
}

/** Adds one chain slice; identical repeats are tolerated, conflicts and gaps break the chain. */
function addSlice(a: Attempt, data: Record<string, unknown>, line: number): void {
  if (a.chainProblem !== null) return;
  const from = data.from;
  const records = data.records;
  if (data.v !== 1 || !Number.isSafeInteger(from) || (from as number) < 0 || !Array.isArray(records)) {
    a.chainProblem = `line ${line}: a chain event needs {v: 1, from: integer ≥ 0, records: []}`;
    return;
  }
  const start = from as number;
  if (start > a.records.length) {
    a.chainProblem = `line ${line}: chain slice starts at record ${start + 1}, but only ${a.records.length} records came before it`;
    return;
  }
  for (let i = 0; i < records.length; i++) {
    const at = start + i;
    const r: unknown = records[i];
    const c = canonicalJson(r);
    if (at < a.records.length) {
      if (a.canon[at] !== c) {
        a.chainProblem = `line ${line}: conflicting copies of chain record ${at + 1}`;
        return;
      }
    } else {
      if (a.records.length >= MAX_RECORDS_PER_ATTEMPT) {
        a.chainProblem = `line ${line}: more than ${MAX_RECORDS_PER_ATTEMPT} chain records`;
        return;
      }
      a.records.push(r);
      a.canon.push(c);
    }
  }
}

/** Verifies every distinct reward record of every attempt. */
async function verifyAttempts(
  read: { attempts: Map<string, Attempt>; errors: { line: number; detail: string }[]; ignored: number },
  ctx: { file: string; config: CompiledRlConfig; keys: TrustedKeys },
): Promise<VerifyReport> {
  const nonces = new BoundedNonceSet();
  const records: RecordVerdict[] = [];
  const unsigned: VerifyReport["unsigned"] = [];
  const rewards = [...read.attempts.values()].flatMap((a) => a.rewards.map((r) => ({ a, r }))).sort((x, y) => x.r.line - y.r.line);
  for (const a of read.attempts.values()) if (a.rewards.length === 0) unsigned.push({ rollout_id: a.rolloutId, attempt_id: a.attemptId, chain_len: a.records.length });
  const seen = new Set<string>();
  const sigmas = new Map<RecordVerdict, number>();
  for (const { a, r } of rewards) {
    const dup = JSON.stringify([a.rolloutId, a.attemptId, r.canon]);
    if (seen.has(dup)) continue; // an identical re-post of the same record (a retry)
    seen.add(dup);
    const rec = isObject(r.record) ? r.record : null;
    const verdict: RecordVerdict = {
      line: r.line, rollout_id: a.rolloutId, attempt_id: a.attemptId, ok: false, final: null, value: r.value,
      keyid: typeof rec?.keyid === "string" ? rec.keyid : null, epoch: typeof rec?.epoch === "number" ? rec.epoch : null, phase: typeof rec?.phase === "string" ? rec.phase : null,
      reason: null, detail: null,
    };
    records.push(verdict);
    if (r.record === undefined) {
      Object.assign(verdict, { reason: "malformed", detail: "a reward event without a signed record (data.agentgov): an unsigned reward" });
      continue;
    }
    if (a.chainProblem !== null) {
      Object.assign(verdict, { reason: "chain", detail: a.chainProblem });
      continue;
    }
    if (a.records.length === 0) {
      Object.assign(verdict, { reason: "chain", detail: "no agentgov.rl.chain events for this attempt: the episode log is missing" });
      continue;
    }
    const v = await verifyRewardRecord(r.record, a.records, { keys: ctx.keys, config: ctx.config, expect: { runId: ctx.config.run.id, rolloutId: a.rolloutId, attemptId: a.attemptId }, nonces });
    if (!v.ok) {
      Object.assign(verdict, { reason: v.reason, detail: v.detail });
      continue;
    }
    if (r.value !== undefined && r.value !== v.final) {
      Object.assign(verdict, { reason: "rederive-mismatch", detail: `the event's reward value ${JSON.stringify(r.value)} differs from the signed final ${v.final}` });
      continue;
    }
    Object.assign(verdict, { ok: true, final: v.final });
    sigmas.set(verdict, v.record.penalty_scale);
  }
  // Stateful check (RL-GUARD.md §7): σ never decreases from one epoch to the next.
  const byEpoch = [...sigmas].sort((x, y) => (x[0].epoch ?? 0) - (y[0].epoch ?? 0));
  let maxBefore = -Infinity;
  for (let i = 0; i < byEpoch.length;) {
    const epoch = byEpoch[i]?.[0].epoch ?? 0;
    let j = i;
    let maxHere = -Infinity;
    for (; j < byEpoch.length && (byEpoch[j]?.[0].epoch ?? 0) === epoch; j++) {
      const [x, sigma] = byEpoch[j] as [RecordVerdict, number];
      maxHere = Math.max(maxHere, sigma);
      if (sigma < maxBefore) Object.assign(x, { ok: false, final: null, reason: "stale-policy", detail: `penalty_scale ${sigma} at epoch ${epoch} is below ${maxBefore} at an earlier epoch (σ never decreases)` });
    }
    maxBefore = Math.max(maxBefore, maxHere);
    i = j;
  }
  const verified = records.filter((x) => x.ok).length;
  return {
    ok: verified > 0 && verified === records.length && read.errors.length === 0,
    file: ctx.file, run_id: ctx.config.run.id, keys: [...ctx.keys.keys()], verified, rejected: records.length - verified,
    records, unsigned, errors: read.errors, ignored: read.ignored,
  };
}

function humanReport(r: VerifyReport): string[] {
  const out: string[] = [];
  const id = (x: { rollout_id: string; attempt_id: string }): string => `${x.rollout_id}/${x.attempt_id}`;
  for (const e of r.errors) out.push(`FAIL  line ${e.line}: ${e.detail}`);
  for (const x of r.records) {
    if (x.ok) out.push(`ok    ${id(x)}  final ${(x.final ?? 0).toFixed(3)}  epoch ${x.epoch ?? "?"}  phase ${x.phase ?? "?"}  key ${(x.keyid ?? "").slice(0, 24)}…`);
    else out.push(`FAIL  ${id(x)}  (line ${x.line})  ${x.reason ?? "?"}: ${x.detail ?? ""}`);
  }
  for (const u of r.unsigned) out.push(`-     ${id(u)}  no reward record (val or cancelled episode; ${u.chain_len} chain records, not checked)`);
  const total = r.records.length;
  const tail = total === 0 ? "no reward records in the file: nothing was verified" : `${r.verified} of ${total} reward record${total === 1 ? "" : "s"} verified, ${r.rejected} rejected`;
  out.push(`rl verify: ${r.ok ? "OK" : "REJECTED"} — ${tail}${r.errors.length > 0 ? `; ${r.errors.length} malformed line${r.errors.length === 1 ? "" : "s"}` : ""} (run ${r.run_id}, ${r.keys.length} trusted key${r.keys.length === 1 ? "" : "s"})`);
  return out;
}
