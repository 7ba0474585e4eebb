/**
 * REGISTRY.md §13 P2 and P4 against a registry server process on 127.0.0.1 (SQLite WAL,
 * synchronous=FULL):
 * - P2: publishes of a 1 MB incompressible plugin end to end — client `sign` (key in memory,
 *   as from `AGENTGOV_SIGNING_KEY`: no KDF), then registry-client `publish()` (verified
 *   session: root chain, checkpoint, consistency proof; upload; the server's checks, commit and
 *   checkpoint; receipt verification; state commit). Alternated with a raw path (one POST +
 *   receipt check, no session) that shows the server's share. Packing happens before the clock
 *   starts (§13 lists the steps from signing on). Warm-ups first; then p50/p95/p99.
 * - P4: rounds of 20 concurrent publishes of one version with different bytes: exactly one
 *   201 and 19 × 409 `REGISTRY_VERSION_EXISTS` in every round; the wall time of each round.
 * Afterwards the whole log is re-read and recomputed against the signed checkpoint.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sign } from "@agentgov/registry-client";
import { bytesEqual, entryLeafHash, merkleRoot, openCheckpoint } from "@agentgov/registry-protocol";
import {
  onboard, packBenchPlugin, post, publishAndVerify, publishWithClient, startBenchRegistry, verifyReceipt, type BenchRegistry, type PackedPlugin,
  type PublishTiming,
} from "./publish-client.js";

/** Size of the P2 payload file: 1 MB of random bytes. */
export const P2_PAYLOAD_BYTES = 1_000_000;
/** Concurrent publishes per P4 round. */
export const P4_RACERS = 20;

/** Options of {@link runPublishBench}. */
export interface PublishBenchOptions {
  root: string;
  warmups: number;
  publishes: number;
  rounds: number;
}

/** P2 figures of the client path (`publish()`, ms) and of the raw HTTP path with its breakdown. */
export interface P2Result {
  tarballBytes: number;
  warmups: number;
  /** Client `sign` + registry-client `publish()` (session, upload, receipt, state commit). */
  client: PublishTiming[];
  /** Client `sign` + one POST + receipt verification (no session): the server's share. */
  raw: PublishTiming[];
  p50: number;
  p95: number;
  p99: number;
  rawP50: number;
  rawP95: number;
  rawP99: number;
  signP50: number;
  uploadP50: number;
  verifyP50: number;
}

/** P4 figures. */
export interface P4Result {
  racers: number;
  rounds: { wallMs: number; successes: number; conflicts: number; other: string[] }[];
  wallP50: number;
  everyRoundOneWinner: boolean;
}

/** What {@link runPublishBench} measured, and what went wrong. */
export interface PublishBenchResult {
  p2?: P2Result;
  p4?: P4Result;
  logEntries?: number;
  failures: string[];
}

/** The q-quantile (nearest rank) of `values`. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

async function measureP2(reg: BenchRegistry, options: PublishBenchOptions, log: (s: string) => void): Promise<P2Result> {
  const publisher = await onboard(reg, "p2");
  const payload = randomBytes(P2_PAYLOAD_BYTES);
  const plugins: PackedPlugin[] = [];
  // Two publishes per round (client path, raw path; order alternated), each of a new version.
  for (let i = 0; i < 2 * (options.warmups + options.publishes); i++) {
    plugins.push(await packBenchPlugin(join(options.root, "p2"), i, "@p2/big", `1.0.${String(i)}`, "p2", payload));
  }
  const clientHome = join(options.root, "p2-client-home");
  const client: PublishTiming[] = [];
  const raw: PublishTiming[] = [];
  for (let round = 0; round < options.warmups + options.publishes; round++) {
    const pair = [plugins[2 * round], plugins[2 * round + 1]] as [PackedPlugin, PackedPlugin];
    const clientFirst = round % 2 === 0;
    const [a, b] = clientFirst ? pair : [pair[1], pair[0]];
    const first = clientFirst ? await publishWithClient(reg, publisher, a, clientHome) : await publishAndVerify(reg, publisher, a);
    const second = clientFirst ? await publishAndVerify(reg, publisher, b) : await publishWithClient(reg, publisher, b, clientHome);
    if (round < options.warmups) continue;
    client.push(clientFirst ? first : second);
    raw.push(clientFirst ? second : first);
  }
  const totals = client.map((t) => t.totalMs);
  const rawTotals = raw.map((t) => t.totalMs);
  log(`P2: ${String(client.length)} + ${String(raw.length)} publishes of ${(plugins[0]?.manifest.artifact.size ?? 0).toLocaleString("en")} B timed`);
  return {
    tarballBytes: plugins[0]?.manifest.artifact.size ?? 0, warmups: options.warmups, client, raw,
    p50: quantile(totals, 0.5), p95: quantile(totals, 0.95), p99: quantile(totals, 0.99),
    rawP50: quantile(rawTotals, 0.5), rawP95: quantile(rawTotals, 0.95), rawP99: quantile(rawTotals, 0.99),
    signP50: quantile(raw.map((t) => t.signMs), 0.5), uploadP50: quantile(raw.map((t) => t.uploadMs), 0.5),
    verifyP50: quantile(raw.map((t) => t.verifyMs), 0.5),
  };
}

async function measureP4(reg: BenchRegistry, options: PublishBenchOptions, failures: string[]): Promise<P4Result> {
  const publisher = await onboard(reg, "p4");
  const rounds: P4Result["rounds"] = [];
  for (let round = 0; round < options.rounds; round++) {
    const version = `2.0.${String(round)}`;
    const plugins: { plugin: PackedPlugin; body: unknown }[] = [];
    for (let i = 0; i < P4_RACERS; i++) {
      const plugin = await packBenchPlugin(join(options.root, "p4"), round * P4_RACERS + i, "@p4/race", version, "p4", randomBytes(1024));
      const signed = await sign(plugin.tarballPath, [publisher.secretKey]);
      plugins.push({ plugin, body: { envelope: signed.envelope, tarball: (await readFile(plugin.tarballPath)).toString("base64") } });
    }
    const t0 = performance.now();
    const results = await Promise.all(plugins.map((p) => post(reg.url, `/v1/packages/@p4/race/${version}`, p.body, publisher.token)));
    const wallMs = performance.now() - t0;
    const winners = results.flatMap((r, i) => (r.status === 201 ? [i] : []));
    const conflicts = results.filter((r) => r.status === 409 && (r.body as { error?: { code?: string } } | null)?.error?.code === "REGISTRY_VERSION_EXISTS").length;
    const other = results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => `HTTP ${String(r.status)}`);
    rounds.push({ wallMs, successes: winners.length, conflicts, other });
    if (winners.length !== 1 || conflicts !== P4_RACERS - 1) {
      failures.push(`P4 round ${String(round)}: ${String(winners.length)} successes, ${String(conflicts)} conflicts, other: ${other.join(", ") || "none"}`);
      continue;
    }
    const winner = winners[0] ?? 0;
    try {
      verifyReceipt(reg, results[winner]?.body as Parameters<typeof verifyReceipt>[1], (plugins[winner] as { plugin: PackedPlugin }).plugin.manifest);
    } catch (error) {
      failures.push(`P4 round ${String(round)}: the winner's receipt: ${(error as Error).message}`);
    }
  }
  return {
    racers: P4_RACERS, rounds, wallP50: quantile(rounds.map((r) => r.wallMs), 0.5),
    everyRoundOneWinner: rounds.every((r) => r.successes === 1 && r.conflicts === P4_RACERS - 1),
  };
}

/** Re-reads the whole log and recomputes its root against the signed checkpoint; returns the entry count. */
async function checkLog(reg: BenchRegistry): Promise<number> {
  const checkpoint = openCheckpoint(await (await fetch(`${reg.url}/v1/log/checkpoint`)).text(), { origin: reg.origin, publicKey: reg.logKey });
  const leaves: Uint8Array[] = [];
  for (let start = 0; start < checkpoint.size; start += 1000) {
    const end = Math.min(checkpoint.size, start + 1000);
    const page = await (await fetch(`${reg.url}/v1/log/entries?start=${String(start)}&end=${String(end)}`)).json() as { entries: unknown[] };
    for (const entry of page.entries) leaves.push(entryLeafHash(entry));
  }
  if (leaves.length !== checkpoint.size || !bytesEqual(merkleRoot(leaves), checkpoint.rootHash)) {
    throw new Error(`the log's ${String(leaves.length)} entries do not hash to the checkpoint of size ${String(checkpoint.size)}`);
  }
  return leaves.length;
}

/** Runs P2 then P4 against one fresh registry server process in `options.root`. */
export async function runPublishBench(options: PublishBenchOptions, log: (s: string) => void): Promise<PublishBenchResult> {
  const failures: string[] = [];
  const result: PublishBenchResult = { failures };
  const reg = await startBenchRegistry(join(options.root, "registry"));
  try {
    try {
      result.p2 = await measureP2(reg, options, log);
    } catch (error) {
      failures.push(`P2: ${(error as Error).message}`);
    }
    try {
      result.p4 = await measureP4(reg, options, failures);
      log(`P4: ${String(options.rounds)} rounds of ${String(P4_RACERS)} racing publishes`);
    } catch (error) {
      failures.push(`P4: ${(error as Error).message}`);
    }
    try {
      result.logEntries = await checkLog(reg);
      const expected = 2 + (result.p2 === undefined ? 0 : 2 * (options.warmups + options.publishes)) + (result.p4?.rounds.reduce((n, r) => n + r.successes, 0) ?? 0);
      if (result.logEntries !== expected) failures.push(`log: ${String(result.logEntries)} entries, expected ${String(expected)}`);
    } catch (error) {
      failures.push(`log consistency: ${(error as Error).message}`);
    }
  } finally {
    await reg.stop();
  }
  return result;
}
