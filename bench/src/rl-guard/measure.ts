/**
 * One process's measurement: the functional check, then tinybench tasks (every call timed,
 * `hrtimeNow`), each after a forced GC:
 * - `gate-permitted` / `gate-denied`: `ep.gate(call)` — facets, the phase kernel's `decide`,
 *   `args_digest` and the hash-chained `pre_tool` record; a new episode every 1,000 calls,
 *   started in `beforeEach` (not timed);
 * - `gate-executed`: `gate` + `recordResult` (the `post_tool` record) of a permitted call;
 * - `begin`: `beginEpisode` (nonce, kernel, genesis, `rl.start` record);
 * - `finish`: shape, `rl.outcome` record, canonical JSON and Ed25519 signature of a 5-call
 *   episode played in `beforeEach`;
 * - `verify-20`: `verifyRewardRecord` of a 20-record episode (signature, core `verifyAudit`
 *   re-hash, re-derivation);
 * - references: a bare `node:crypto` Ed25519 sign and verify of a record-sized message (the
 *   floor of `finish` and `verify-20` on this machine).
 */
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { verifyRewardRecord, type GovernedEpisode, type RewardRecordV1 } from "@agentgov/rl-guard";
import { Bench } from "tinybench";
import type { Budget } from "../protocol.js";
import { taskFigures } from "../stats.js";
import { CALLS_PER_EPISODE, checkRlGuard, DENIED, EPISODE_CALLS, PERMITTED, play, setup, twentyRecordEpisode } from "./common.js";
import { RL_TASKS, type RlResult, type RlSpec, type RlTask } from "./protocol.js";

/** Results are written here so that no call is dead code. */
export let blackhole: unknown;

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;

function bench(budget: Budget): Bench {
  return new Bench({
    time: budget.timeMs,
    iterations: budget.iterations,
    warmup: budget.warmupTimeMs > 0 || budget.warmupIterations > 0,
    warmupTime: budget.warmupTimeMs,
    warmupIterations: budget.warmupIterations,
    timestampProvider: "hrtimeNow",
    throws: true,
  });
}

export async function measureRlGuard(spec: RlSpec): Promise<RlResult> {
  const problems = await checkRlGuard();
  if (problems.length > 0) throw new Error(`functional check failed:\n  ${problems.join("\n  ")}`);
  const t0 = performance.now();
  const s = setup();
  const counts = { permittedDenied: 0, deniedPermitted: 0, verifyFailed: 0, episodes: 0 };
  let rollout = 0;
  const fresh = (): GovernedEpisode => {
    counts.episodes++;
    return s.begin(`r${String(++rollout)}`);
  };
  const verifyInput = await twentyRecordEpisode(s, "verify-20");
  const verifyCtx = s.ctx("verify-20");
  const setupMs = performance.now() - t0;

  const b = bench(spec.budget);
  const gateTask = (name: RlTask, call: typeof PERMITTED, execute: boolean): void => {
    let ep: GovernedEpisode = fresh();
    let n = 0;
    b.add(name, () => {
      const id = `c${String(n++)}`;
      const g = ep.gate({ id, ...call });
      if (call === PERMITTED && !g.permitted) counts.permittedDenied++;
      if (call === DENIED && g.permitted) counts.deniedPermitted++;
      if (execute) ep.recordResult(id, { ok: true });
      blackhole = g;
    }, {
      // tinybench runs the hooks around the warm-up too: each phase starts a fresh episode.
      beforeAll: () => {
        ep.cancel("bench: next phase");
        ep = fresh();
        n = 0;
        gc?.();
      },
      beforeEach: () => {
        if (n >= CALLS_PER_EPISODE) {
          ep.cancel("bench: next episode");
          ep = fresh();
          n = 0;
        }
      },
      afterAll: () => {
        ep.cancel("bench: done");
      },
    });
  };
  gateTask("gate-permitted", PERMITTED, false);
  gateTask("gate-denied", DENIED, false);
  gateTask("gate-executed", PERMITTED, true);

  let started: GovernedEpisode | null = null;
  b.add("begin", () => {
    started = fresh();
  }, {
    beforeAll: () => gc?.(),
    afterEach: () => {
      started?.cancel("bench");
      started = null;
    },
  });

  let toFinish: GovernedEpisode = fresh();
  let signed: RewardRecordV1 | null = null;
  b.add("finish", async () => {
    signed = await toFinish.finish({ base: 1 });
  }, {
    beforeAll: () => gc?.(),
    beforeEach: () => {
      toFinish = fresh();
      play(toFinish, EPISODE_CALLS);
    },
    afterEach: () => {
      blackhole = signed;
    },
  });

  b.add("verify-20", async () => {
    const v = await verifyRewardRecord(verifyInput.record, verifyInput.log, verifyCtx);
    if (!v.ok) counts.verifyFailed++;
    blackhole = v;
  }, { beforeAll: () => gc?.() });

  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const message = Buffer.from(JSON.stringify(verifyInput.record));
  const signature = sign(null, message, privateKey);
  b.add("ed25519-sign", () => {
    blackhole = sign(null, message, privateKey);
  }, { beforeAll: () => gc?.() });
  b.add("ed25519-verify", () => {
    if (!verify(null, message, publicKey, signature)) counts.verifyFailed++;
  }, { beforeAll: () => gc?.() });

  await b.run();
  const byName = new Map(b.tasks.map((t) => [t.name, t]));
  const figures = Object.fromEntries(RL_TASKS.map((name) => {
    const task = byName.get(name);
    if (task === undefined) throw new Error(`task ${name} did not run`);
    return [name, taskFigures(task)];
  })) as Record<RlTask, ReturnType<typeof taskFigures>>;
  s.guard.close();
  return { figures, counts, setupMs };
}
