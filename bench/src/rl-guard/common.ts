/**
 * What the rl-guard benchmark drives: a compiled §4-style configuration (the coding, grader
 * and egress packs; one phase; budgets high enough that a timed episode never runs out), a
 * guard with a cached Ed25519 signer and an in-memory kill switch, the calls, and the
 * functional check that runs before anything is timed.
 */
import {
  createRlGuard,
  createRlKillSwitch,
  generateRewardSigner,
  parseRlGuardConfig,
  trustedKeys,
  verifyRewardRecord,
  type CompiledRlConfig,
  type GovernedEpisode,
  type RewardRecordV1,
  type RlGuard,
  type ToolCall,
  type VerifyContext,
} from "@agentgov/rl-guard";

export const CONFIG_YAML = `apiVersion: agentgov/v1
kind: RlGuard
run: { id: bench-run, agent: trainee, epoch_size: 128 }
policies: [pack:coding/test-tamper, pack:coding/grader-tamper, pack:net/egress]
defaults: { severity: high }
tool_kinds: { read_file: read, edit_file: write, write_file: write, http_get: net }
egress_allow: [docs.example.com]
schedule:
  phases:
    - name: basic
      allow_tools: [read_file, edit_file, run_tests, submit]
      budgets: { max_tool_calls: 5000 }
shaping: { mode: penalize, weights: { critical: -1, high: -0.5, medium: -0.2, low: -0.05 }, floor: -1, clamp: [-1, 1],
           ramp: { kind: none }, clean_bonus: 0, terminate_on: [], shape_val: false }
signing: { integrity_floor: -1 }
`;

/** Calls gated per timed episode before the next one starts (below `max_tool_calls`). */
export const CALLS_PER_EPISODE = 1_000;

/** A permitted call (read of a source file). */
export const PERMITTED: Omit<ToolCall, "id"> = { name: "read_file", args: { path: "src/app.py" } };
/** A call the `test-tamper` rule denies (severity high). */
export const DENIED: Omit<ToolCall, "id"> = { name: "edit_file", args: { path: "tests/test_app.py" } };
/** The calls of a typical short episode (what `finish` is measured after). */
export const EPISODE_CALLS: Omit<ToolCall, "id">[] = [PERMITTED, { name: "edit_file", args: { path: "src/app.py" } }, DENIED, { name: "run_tests", args: {} }, { name: "submit", args: {} }];
/** Records of the log the verifier is timed on: rl.start + 9 × (pre_tool + post_tool) + rl.outcome. */
export const VERIFY_RECORDS = 20;

export interface Setup {
  config: CompiledRlConfig;
  guard: RlGuard;
  ctx: (rolloutId: string) => VerifyContext;
  begin: (rolloutId: string) => GovernedEpisode;
}

export function setup(): Setup {
  const config = parseRlGuardConfig(CONFIG_YAML, { file: "<bench agentgov-rl.yaml>", cwd: "/nonexistent" });
  const signer = generateRewardSigner();
  const guard = createRlGuard(config, { signer, killSwitch: createRlKillSwitch({ stateFile: null }) });
  const keys = trustedKeys([signer.publicKey]);
  return {
    config,
    guard,
    ctx: (rolloutId) => ({ keys, config, expect: { runId: config.run.id, rolloutId, attemptId: "0" } }),
    begin: (rolloutId) => guard.beginEpisode({ runId: config.run.id, rolloutId, attemptId: "0", mode: "train" }),
  };
}

/** Runs `calls` through `ep`, recording a result for each permitted one. */
export function play(ep: GovernedEpisode, calls: readonly Omit<ToolCall, "id">[]): void {
  calls.forEach((c, i) => {
    if (ep.gate({ id: `c${String(i)}`, ...c }).permitted) ep.recordResult(`c${String(i)}`, { ok: true });
  });
}

/** An episode whose log has exactly {@link VERIFY_RECORDS} records, finished and signed. */
export async function twentyRecordEpisode(s: Setup, rolloutId: string): Promise<{ record: RewardRecordV1; log: readonly unknown[] }> {
  const ep = s.begin(rolloutId);
  play(ep, Array.from({ length: 9 }, () => PERMITTED));
  const record = await ep.finish({ base: 1 });
  return { record, log: ep.log.records() };
}

/**
 * The functional check: the permitted call is permitted, the denied one is denied by
 * `test-tamper` with severity high, `finish` signs the shaped reward, the verifier accepts the
 * honest 20-record episode and rejects a forged final and a dropped record. Returns problems.
 */
export async function checkRlGuard(): Promise<string[]> {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  const s = setup();
  const ep = s.begin("check-1");
  const p = ep.gate({ id: "p", ...PERMITTED });
  expect(p.permitted && p.severity === null && p.decision.allowed, `permitted call: ${JSON.stringify(p.decision)}`);
  const d = ep.gate({ id: "d", ...DENIED });
  expect(!d.permitted && d.severity === "high" && d.decision.matched_rule === "test-tamper", `denied call: ${JSON.stringify(d)}`);
  ep.recordResult("p", { ok: true });
  const rec = await ep.finish({ base: 1 });
  expect(rec.final === 0.5 && rec.violations.high === 1 && rec.blocked === 1 && rec.chain.len === 5, `finish: ${JSON.stringify(rec)}`);
  const honest = await verifyRewardRecord(rec, ep.log.records(), s.ctx("check-1"));
  expect(honest.ok, `verify of a short episode: ${JSON.stringify(honest)}`);
  const t = await twentyRecordEpisode(s, "check-2");
  expect(t.log.length === VERIFY_RECORDS && t.record.chain.len === VERIFY_RECORDS, `20-record episode has ${String(t.log.length)} records`);
  const ok = await verifyRewardRecord(t.record, t.log, s.ctx("check-2"));
  expect(ok.ok, `verify of the 20-record episode: ${JSON.stringify(ok)}`);
  const forged = await verifyRewardRecord({ ...t.record, final: 1.5 }, t.log, s.ctx("check-2"));
  expect(!forged.ok && forged.reason === "bad-signature", `forged final: ${JSON.stringify(forged)}`);
  const dropped = await verifyRewardRecord(t.record, [...t.log.slice(0, 3), ...t.log.slice(4)], s.ctx("check-2"));
  expect(!dropped.ok && dropped.reason === "chain", `dropped record: ${JSON.stringify(dropped)}`);
  s.guard.close();
  return problems;
}
