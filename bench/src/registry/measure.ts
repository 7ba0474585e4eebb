/** The timed parts of the registry benchmark, run inside a worker process. */
import { readFile } from "node:fs/promises";
import { installLocal, scanArchive, verify } from "@agentgov/registry-client";
import { fromBase64, isRegistryError, toHex, verifyManifestEnvelope } from "@agentgov/registry-protocol";
import { diffSnapshots, rawSha512, raisedLimits, snapshot } from "./common.js";
import type { BombResult, BombRun, BombSpec, VerifyResult, VerifySpec } from "./protocol.js";

const gc = (globalThis as { gc?: () => void }).gc;

function key(b64: string): Uint8Array {
  const k = fromBase64(b64);
  if (k === undefined) throw new Error("bad public key");
  return k;
}

/** P1: `verify` vs the raw reference, alternated per pair; every pass is checked. */
export async function measureVerify(spec: VerifySpec): Promise<VerifyResult> {
  const limits = raisedLimits(spec.limits);
  const trust = { trustedKeys: [key(spec.publicKey)] };
  const runVerify = async (): Promise<number> => {
    gc?.();
    const t0 = performance.now();
    const r = await verify(spec.tarball, spec.envelope, trust, { limits, expect: { name: "@bench/big", version: "1.0.0" } });
    const ms = performance.now() - t0;
    if (!r.ok) throw new Error(`verify rejected the honest tarball: ${r.error.code} ${r.error.message}`);
    if (toHex(r.sha512) !== spec.sha512) throw new Error("verify returned a wrong SHA-512");
    return ms;
  };
  const runRaw = async (): Promise<{ ms: number; size: number }> => {
    gc?.();
    const t0 = performance.now();
    const r = await rawSha512(spec.tarball);
    const ms = performance.now() - t0;
    if (r.sha512 !== spec.sha512) throw new Error("raw SHA-512 differs from the signed digest");
    return { ms, size: r.size };
  };
  const verifyMs: number[] = [];
  const rawMs: number[] = [];
  let bytes = 0;
  for (let i = 0; i < spec.warmupPairs + spec.pairs; i++) {
    const verifyFirst = spec.verifyFirst === (i % 2 === 0);
    let v: number;
    let raw: { ms: number; size: number };
    if (verifyFirst) { v = await runVerify(); raw = await runRaw(); } else { raw = await runRaw(); v = await runVerify(); }
    bytes = raw.size;
    if (i >= spec.warmupPairs) { verifyMs.push(v); rawMs.push(raw.ms); }
  }
  return { kind: "verify", bytes, verifyMs, rawMs };
}

function codeOf(error: unknown): string {
  if (isRegistryError(error)) return error.code;
  return `not a RegistryError: ${error instanceof Error ? error.message : String(error)}`;
}

/** P3: `installLocal` of each bomb (default limits), timed, with a snapshot before and after. */
export async function measureBombs(spec: BombSpec): Promise<BombResult> {
  const trustedKeys = [key(spec.publicKey)];
  const runs: BombRun[] = [];
  const manifests = new Map(await Promise.all(spec.bombs.map(async (b) => {
    const r = verifyManifestEnvelope(await readFile(b.envelope), { trustedKeys, threshold: 1 });
    if (!r.ok) throw r.error;
    return [b.name, r.statement] as const;
  })));
  for (let i = 0; i < spec.runs; i++) {
    const order = i % 2 === 0 ? spec.bombs : [...spec.bombs].reverse();
    for (const bomb of order) {
      const before = await snapshot(spec.home, spec.project);
      gc?.();
      let code = "installed (not rejected)";
      const t0 = performance.now();
      try {
        await installLocal(bomb.tarball, bomb.envelope, { trustedKeys, home: spec.home, projectDir: spec.project, yesCapabilities: spec.yesCapabilities });
      } catch (error) {
        code = codeOf(error);
      }
      const installMs = performance.now() - t0;
      const written = diffSnapshots(before, await snapshot(spec.home, spec.project));
      let scanCode = "scanned (not rejected)";
      // The signed manifest's file list, so the scan is the one installLocal runs (without one it would scan as unsigned).
      const manifest = manifests.get(bomb.name);
      if (manifest === undefined) throw new Error(`no manifest for bomb ${bomb.name}`);
      const s0 = performance.now();
      try {
        await scanArchive(bomb.tarball, manifest);
      } catch (error) {
        scanCode = codeOf(error);
      }
      const scanMs = performance.now() - s0;
      runs.push({ bomb: bomb.name, installMs, scanMs, code, scanCode, written });
    }
  }
  return { kind: "bomb", runs };
}
