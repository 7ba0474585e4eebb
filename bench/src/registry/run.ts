/**
 * `node dist/registry/run.js [--smoke] [--procs N] [--pairs N] [--mib N] [--bomb-procs N] [--bomb-runs N]
 * [--publishes N] [--warmups N] [--race-rounds N] [--keep]` (fourth part of `npm run bench`).
 *
 * REGISTRY.md §13 P1 and P3 for `@agentgov/registry-client`, P2 and P4 for the server
 * (`publish-bench.ts`: a registry server process on 127.0.0.1, publishes over HTTP):
 * - P1: `verify` (strict envelope verification + streaming SHA-512 in 1 MiB reads + compare)
 *   of a 50 MiB incompressible, page-cached tarball (packed and signed with the client API,
 *   limits raised for the run) against raw `node:crypto` streaming SHA-512 of the same file,
 *   alternated pass by pass in fresh worker processes; the median of the per-pair ratios.
 * - P3: a gzip bomb (one entry of 1 GiB zeros, ~1 MB of gzip) given to `installLocal` with the
 *   default limits: the time to the rejection, and proof that nothing was left in the home or
 *   project folder.
 * - P2: 1 MB incompressible publish end to end (sign, upload, server checks and commit,
 *   checkpoint, receipt verification): p50/p95/p99 after warm-ups.
 * - P4: 20 concurrent publishes of one version → exactly one success, every round.
 * Results go to `bench/results/registry-latest.json` (`registry-latest-smoke.json`).
 *
 * Exit status: 1 when something did not run or behaved wrongly (the functional check, a
 * failed worker, `verify` rejecting the honest tarball or returning a wrong digest, a bomb not
 * rejected with `REGISTRY_ARCHIVE_LIMIT`, anything written, a publish or receipt that failed, a
 * P4 round without exactly one winner, a log that does not recompute to its checkpoint); never
 * because of a timing.
 */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { arch, cpus, platform, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { installLocal, verify } from "@agentgov/registry-client";
import { DEFAULT_LIMITS, generateKeyPair, toBase64, toHex } from "@agentgov/registry-protocol";
import { median, table } from "../stats.js";
import {
  BOMBS, MIB, SMALL_CAPABILITIES_SHA256, buildBenign, buildBigPlugin, buildBomb, diffSnapshots, makeRemovable, rawSha512,
  raisedLimits, snapshot,
} from "./common.js";
import type { BombArtifact, BombResult, BombRun, RaisedLimits, VerifyResult, WorkerResult, WorkerSpec } from "./protocol.js";
import { finishRun, intOption, runWorker as runWorkerProcess } from "../harness.js";
import { runPublishBench, type PublishBenchResult } from "./publish-bench.js";

// ---------------------------------------------------------------- options

const { values: opts } = parseArgs({
  options: {
    smoke: { type: "boolean", default: false },
    procs: { type: "string" },
    pairs: { type: "string" },
    mib: { type: "string" },
    "bomb-procs": { type: "string" },
    "bomb-runs": { type: "string" },
    publishes: { type: "string" },
    warmups: { type: "string" },
    "race-rounds": { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
  strict: true,
});

if (opts.help) {
  process.stdout.write(
    [
      "usage: node dist/registry/run.js [options]",
      "  --smoke          4 MiB tarball, 1 process × 3 pairs, 1 bomb run (CI); results in results/registry-latest-smoke.json",
      "  --procs N        P1 worker processes (default 7; smoke 1)",
      "  --pairs N        timed verify/raw pairs per P1 process (default 3; smoke 3)",
      "  --mib N          P1 payload size in MiB (default 50; smoke 4)",
      "  --bomb-procs N   P3 worker processes (default 3; smoke 1)",
      "  --bomb-runs N    installs of each bomb per P3 process (default 5; smoke 1)",
      "  --publishes N    P2 timed 1 MB publishes (default 20; smoke 3)",
      "  --warmups N      P2 warm-up publishes (default 3; smoke 1)",
      "  --race-rounds N  P4 rounds of 20 racing publishes (default 10; smoke 2)",
      "  --keep           keep the temp folder (printed on stderr)",
      "",
    ].join("\n"),
  );
  process.exit(0);
}


const smoke = opts.smoke;
const procs = intOption("procs", opts.procs, smoke ? 1 : 7);
const pairs = intOption("pairs", opts.pairs, 3);
const warmupPairs = 1;
const payloadMiB = intOption("mib", opts.mib, smoke ? 4 : 50);
const bombProcs = intOption("bomb-procs", opts["bomb-procs"], smoke ? 1 : 3);
const bombRuns = intOption("bomb-runs", opts["bomb-runs"], smoke ? 1 : 5);
const publishes = intOption("publishes", opts.publishes, smoke ? 3 : 20);
const publishWarmups = intOption("warmups", opts.warmups, smoke ? 1 : 3);
const raceRounds = intOption("race-rounds", opts["race-rounds"], smoke ? 2 : 10);
const P2_TARGET_P50_MS = 250;
const P2_TARGET_P95_MS = 500;
/** Limits raised for P1 only (P3 runs with the defaults). */
const raised: RaisedLimits = {
  fileBytes: Math.max(DEFAULT_LIMITS.fileBytes, 2 * payloadMiB * MIB),
  unpackedBytes: Math.max(DEFAULT_LIMITS.unpackedBytes, 2 * payloadMiB * MIB),
  tarballBytes: Math.max(DEFAULT_LIMITS.tarballBytes, 2 * payloadMiB * MIB),
};
const P1_TARGET = 0.8;
const P3_TARGET_MS = 100;

const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));

// ---------------------------------------------------------------- workers

function runWorker(spec: WorkerSpec, timeout: number): Promise<WorkerResult> {
  return runWorkerProcess<WorkerResult>(workerPath, spec, timeout);
}

// ---------------------------------------------------------------- main

const started = performance.now();
const failures: string[] = [];
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const secs = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
const message = (error: unknown): string => (error instanceof Error ? (error.stack ?? error.message) : String(error));

const cpuList = cpus();
const machine = `node ${process.version}, ${platform()} ${arch()}, ${String(cpuList.length)} CPU${cpuList.length === 1 ? "" : "s"} (${cpuList[0]?.model.trim() ?? "unknown"})`;
log(`agentgov registry bench${smoke ? " (smoke)" : ""}: ${machine}`);

const root = await mkdtemp(join(tmpdir(), "agentgov-bench-registry-"));
const key = generateKeyPair();
const publicKey = toBase64(key.publicKey);
const home = join(root, "home");
const project = join(root, "project");
let big: Awaited<ReturnType<typeof buildBigPlugin>> | undefined;
const bombs: BombArtifact[] = [];
const verifyResults: VerifyResult[] = [];
const bombRunsAll: BombRun[] = [];
let publishResult: PublishBenchResult | undefined;

try {
  // Fixtures: the big plugin (pack + sign, limits raised) and the bombs (gzip -9 of 1 GiB), in parallel.
  {
    const t0 = performance.now();
    const [b, ...bs] = await Promise.all([
      buildBigPlugin(root, payloadMiB * MIB, key.secretKey, raisedLimits(raised)),
      ...BOMBS.map((spec) => buildBomb(root, spec.name, spec.claimed, key.secretKey).then((a) => ({ name: spec.name, ...a }))),
    ]);
    big = b;
    bombs.push(...bs);
    log(`fixtures: ${(big.size / 1e6).toFixed(1)} MB tarball packed and signed, ${String(bombs.length)} bombs of ${bombs.map((x) => `${(x.compressedBytes / 1e6).toFixed(2)} MB`).join(", ")} (${secs(t0)})`);
  }

  // Functional check, before anything is timed.
  {
    const t0 = performance.now();
    const problems: string[] = [];
    try {
      const limits = raisedLimits(raised);
      const ok = await verify(big.tarball, big.envelope, { trustedKeys: [key.publicKey] }, { limits });
      const raw = await rawSha512(big.tarball);
      if (!ok.ok) problems.push(`verify rejected the honest tarball: ${ok.error.code} ${ok.error.message}`);
      else if (toHex(ok.sha512) !== big.sha512 || raw.sha512 !== big.sha512 || ok.size !== raw.size) problems.push("verify, raw SHA-512 and the signed digest disagree");
      const other = await verify(big.tarball, big.envelope, { trustedKeys: [generateKeyPair().publicKey] }, { limits });
      if (other.ok) problems.push("verify accepted a signature by an untrusted key");
      if (big.size > DEFAULT_LIMITS.tarballBytes) {
        const capped = await verify(big.tarball, big.envelope, { trustedKeys: [key.publicKey] });
        // The manifest's file sizes (REGISTRY_MANIFEST_INVALID) or the tarball size (REGISTRY_ARCHIVE_LIMIT) are over the defaults.
        if (capped.ok || (capped.error.code !== "REGISTRY_ARCHIVE_LIMIT" && capped.error.code !== "REGISTRY_MANIFEST_INVALID")) {
          problems.push(`verify with the default limits: expected REGISTRY_MANIFEST_INVALID or REGISTRY_ARCHIVE_LIMIT, got ${capped.ok ? "ok" : capped.error.code}`);
        }
      }
      // Control: a benign small plugin signed the same way installs with the same key and consent.
      const controlHome = join(root, "control-home");
      const controlProject = join(root, "control-project");
      await mkdir(controlProject, { recursive: true });
      const benign = await buildBenign(root, key.secretKey);
      const installed = await installLocal(benign.tarball, benign.envelope, {
        trustedKeys: [key.publicKey], home: controlHome, projectDir: controlProject, yesCapabilities: SMALL_CAPABILITIES_SHA256,
      });
      if (!installed.created) problems.push("the benign control plugin was not installed");
    } catch (error) {
      problems.push(`could not run: ${message(error)}`);
    }
    log(`functional check (verify accepts the honest tarball with the signed digest, rejects an untrusted key${big.size > DEFAULT_LIMITS.tarballBytes ? " and the default size limit" : ""}; a benign plugin signed like the bombs installs): ${problems.length === 0 ? "ok" : "FAILED"} (${secs(t0)})`);
    for (const p of problems) failures.push(`functional check: ${p}`);
  }

  if (failures.length === 0) {
    for (let p = 0; p < procs; p++) {
      const t0 = performance.now();
      const what = `P1 process ${String(p + 1)}/${String(procs)}`;
      try {
        const r = await runWorker({
          kind: "verify", tarball: big.tarball, envelope: big.envelope, publicKey, sha512: big.sha512, limits: raised,
          warmupPairs, pairs, verifyFirst: p % 2 === 0,
        }, 300_000);
        if (r.kind !== "verify" || r.verifyMs.length !== pairs || r.rawMs.length !== pairs || r.bytes !== big.size) {
          failures.push(`${what}: incomplete result`);
        } else {
          verifyResults.push(r);
        }
        log(`[${String(p + 1)}/${String(procs)}] ${what}: ${secs(t0)}`);
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        log(`[${String(p + 1)}/${String(procs)}] ${what}: FAILED`);
      }
    }

    await mkdir(join(home, "plugins"), { recursive: true, mode: 0o700 });
    await mkdir(project, { recursive: true });
    const initial = await snapshot(home, project);
    for (let p = 0; p < bombProcs; p++) {
      const t0 = performance.now();
      const what = `P3 process ${String(p + 1)}/${String(bombProcs)}`;
      try {
        const r = await runWorker({ kind: "bomb", bombs, home, project, publicKey, yesCapabilities: SMALL_CAPABILITIES_SHA256, runs: bombRuns }, 300_000) as BombResult;
        for (const run of r.runs) {
          if (run.code !== "REGISTRY_ARCHIVE_LIMIT") failures.push(`${what}: bomb '${run.bomb}' at install: expected REGISTRY_ARCHIVE_LIMIT, got ${run.code}`);
          if (run.scanCode !== "REGISTRY_ARCHIVE_LIMIT") failures.push(`${what}: bomb '${run.bomb}' at scan: expected REGISTRY_ARCHIVE_LIMIT, got ${run.scanCode}`);
          if (run.written.length > 0) failures.push(`${what}: bomb '${run.bomb}' left something behind: ${run.written.join(", ")}`);
        }
        if (r.runs.length !== bombRuns * bombs.length) failures.push(`${what}: incomplete result`);
        bombRunsAll.push(...r.runs);
        log(`[${String(p + 1)}/${String(bombProcs)}] ${what}: ${secs(t0)}`);
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
        log(`[${String(p + 1)}/${String(bombProcs)}] ${what}: FAILED`);
      }
    }
    const final = diffSnapshots(initial, await snapshot(home, project));
    if (final.length > 0) failures.push(`P3: the temp home/project changed: ${final.join(", ")}`);
    const leftovers = (await readdir(join(home, "plugins"))).filter((n) => n.startsWith(".staging-") || n === ".lock");
    if (leftovers.length > 0) failures.push(`P3: left in plugins/: ${leftovers.join(", ")}`);
  }

  {
    const t0 = performance.now();
    publishResult = await runPublishBench({ root: join(root, "publish"), warmups: publishWarmups, publishes, rounds: raceRounds }, log);
    failures.push(...publishResult.failures);
    log(`P2/P4 against a registry server process: ${secs(t0)}`);
  }
} catch (error) {
  failures.push(`could not run: ${message(error)}`);
} finally {
  if (opts.keep) log(`temp folder kept: ${root}`);
  else {
    await makeRemovable(root).catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- report

const out: string[] = [];
const print = (s = ""): void => void out.push(s);
const mbps = (bytes: number, ms: number): string => `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
const pct = (r: number): string => `${(r * 100).toFixed(1)} %`;
print(`agentgov registry bench${smoke ? " — SMOKE MODE (small tarball, few runs; figures are not meaningful)" : ""}`);
print(machine);

interface P1Summary { bytes: number; verifyMs: number; rawMs: number; ratio: number; ratios: number[]; met: boolean }
let p1: P1Summary | undefined;
if (verifyResults.length > 0 && big !== undefined) {
  const ratios = verifyResults.flatMap((r) => r.rawMs.map((raw, i) => raw / r.verifyMs[i]!));
  const verifyMs = median(verifyResults.flatMap((r) => r.verifyMs));
  const rawMs = median(verifyResults.flatMap((r) => r.rawMs));
  const ratio = median(ratios);
  p1 = { bytes: big.size, verifyMs, rawMs, ratio, ratios, met: ratio >= P1_TARGET };
  print();
  print(`P1 — verify of a ${(big.size / 1e6).toFixed(1)} MB incompressible, page-cached tarball (${String(payloadMiB)} MiB payload; limits raised to ${String(raised.tarballBytes / MIB)} MiB)`);
  print(`${String(verifyResults.length)} process${verifyResults.length === 1 ? "" : "es"} × ${String(pairs)} timed pairs (after ${String(warmupPairs)} warm-up pair), sides alternated A B / B A; ratio per pair = raw time / verify time; MB = 10⁶ B`);
  print(
    table(
      ["operation", "median / pass", "rate", "ratio to raw (median)", "target"],
      [
        ["verify(): strict envelope verify + SHA-512 (1 MiB reads) + compare", `${verifyMs.toFixed(1)} ms`, mbps(big.size, verifyMs), `${pct(ratio)} (${String(ratios.length)} ratios, ${pct(Math.min(...ratios))}–${pct(Math.max(...ratios))})`, `≥ 80 % ${p1.met ? "✓" : "✗"}`],
        ["reference: raw node:crypto streaming SHA-512 (1 MiB reads)", `${rawMs.toFixed(1)} ms`, mbps(big.size, rawMs), "—", "—"],
      ],
    ),
  );
}

interface P3Row { bomb: string; compressedBytes: number; code: string; installP50: number; installMax: number; scanP50: number; written: number; met: boolean }
const p3: P3Row[] = [];
if (bombRunsAll.length > 0) {
  for (const b of bombs) {
    const runs = bombRunsAll.filter((r) => r.bomb === b.name);
    const codes = [...new Set(runs.map((r) => r.code))];
    const installP50 = median(runs.map((r) => r.installMs));
    const written = runs.reduce((n, r) => n + r.written.length, 0);
    p3.push({
      bomb: b.name, compressedBytes: b.compressedBytes, code: codes.join(", "), installP50, installMax: Math.max(...runs.map((r) => r.installMs)),
      scanP50: median(runs.map((r) => r.scanMs)), written, met: installP50 < P3_TARGET_MS && written === 0 && codes.length === 1 && codes[0] === "REGISTRY_ARCHIVE_LIMIT",
    });
  }
  print();
  print(`P3 — gzip bomb (one entry package/zeros.bin of 1 GiB zeros, signed as 10 bytes) given to installLocal with the default limits`);
  print(`${String(bombProcs)} process${bombProcs === 1 ? "" : "es"} × ${String(bombRuns)} install${bombRuns === 1 ? "" : "s"} per bomb (bombs alternated); "written" = entries of the temp home/project that differ after the rejection`);
  print(
    table(
      ["bomb", "gzip size", "rejected with", "install p50", "max", "scanArchive alone p50", "written", "target"],
      p3.map((r) => [
        r.bomb, `${(r.compressedBytes / 1e6).toFixed(2)} MB`, r.code, `${r.installP50.toFixed(1)} ms`, `${r.installMax.toFixed(1)} ms`,
        `${r.scanP50.toFixed(1)} ms`, r.written === 0 ? "nothing" : String(r.written), `< 100 ms, nothing written ${r.met ? "✓" : "✗"}`,
      ]),
    ),
  );
}
const p2 = publishResult?.p2;
const p4 = publishResult?.p4;
const p2Met = p2 === undefined ? undefined : p2.p50 <= P2_TARGET_P50_MS && p2.p95 <= P2_TARGET_P95_MS;
if (p2 !== undefined) {
  print();
  print(`P2 — publish of a ${(p2.tarballBytes / 1e6).toFixed(2)} MB incompressible plugin end to end over HTTP to a registry process on 127.0.0.1 (SQLite WAL, synchronous=FULL)`);
  print(`${String(p2.client.length)} + ${String(p2.raw.length)} sequential publishes (paths alternated) after ${String(p2.warmups)} warm-up round${p2.warmups === 1 ? "" : "s"}; client sign (key in memory, no KDF) included, packing excluded`);
  print(
    table(
      ["path", "p50", "p95", "p99", "target"],
      [
        ["registry-client publish(): session (root, checkpoint, consistency) + upload + server commit + receipt + state", `${p2.p50.toFixed(1)} ms`, `${p2.p95.toFixed(1)} ms`, `${p2.p99.toFixed(1)} ms`, `p50 ≤ 250 ms, p95 ≤ 500 ms ${p2Met === true ? "✓" : "✗"}`],
        ["raw: one POST + receipt verification (no session)", `${p2.rawP50.toFixed(1)} ms`, `${p2.rawP95.toFixed(1)} ms`, `${p2.rawP99.toFixed(1)} ms`, "—"],
        ["  client sign (reads the manifest file)", `${p2.signP50.toFixed(1)} ms`, "—", "—", "—"],
        ["  HTTP POST until the 201 receipt", `${p2.uploadP50.toFixed(1)} ms`, "—", "—", "—"],
        ["  receipt verification", `${p2.verifyP50.toFixed(1)} ms`, "—", "—", "—"],
      ],
    ),
  );
}
if (p4 !== undefined) {
  print();
  print(`P4 — ${String(p4.racers)} concurrent publishes of one version (different bytes each), ${String(p4.rounds.length)} rounds`);
  print(
    table(
      ["rounds", "exactly one 201 + 19 × 409 in every round", "round wall time p50", "max", "log recomputed to its checkpoint"],
      [[String(p4.rounds.length), p4.everyRoundOneWinner ? "yes ✓" : "NO ✗", `${p4.wallP50.toFixed(1)} ms`, `${Math.max(...p4.rounds.map((r) => r.wallMs)).toFixed(1)} ms`,
        publishResult?.logEntries === undefined ? "FAILED" : `yes (${String(publishResult.logEntries)} entries)`]],
    ),
  );
}
if (p1 !== undefined || p3.length > 0 || p2 !== undefined || p4 !== undefined) {
  const targeted = [
    ...(p1 === undefined ? [] : [p1.met]), ...p3.map((r) => r.met), ...(p2Met === undefined ? [] : [p2Met]),
    ...(p4 === undefined ? [] : [p4.everyRoundOneWinner]),
  ];
  const met = targeted.filter(Boolean).length;
  print();
  print(`targets: ${String(met)}/${String(targeted.length)} met (reported, not asserted)`);
}
finishRun({
  name: "registry",
  smoke,
  machine,
  procs,
  out,
  failures,
  started,
  payload: {
    pairs, warmupPairs, payloadMiB, raised, units: { time: "ms", rate: "MB/s (1e6 B)" }, p1, p3,
    p2: p2 === undefined ? undefined : { ...p2, met: p2Met },
    p4, logEntries: publishResult?.logEntries,
    perProcess: { verify: verifyResults, bombs: bombRunsAll },
  },
});
