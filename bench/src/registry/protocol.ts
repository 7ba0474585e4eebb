/** What the parent (`registry/run.ts`) asks a worker for, and the JSON line the worker prints. */

/** Raised client limits of the P1 run, in bytes. */
export interface RaisedLimits {
  fileBytes: number;
  unpackedBytes: number;
  tarballBytes: number;
}

/** P1: alternated `verify` / raw streaming SHA-512 passes over one page-cached tarball. */
export interface VerifySpec {
  kind: "verify";
  tarball: string;
  envelope: string;
  /** Trusted public key, base64. */
  publicKey: string;
  /** Expected SHA-512 of the tarball, hex. */
  sha512: string;
  limits: RaisedLimits;
  /** Untimed warm-up pairs, then timed pairs. */
  warmupPairs: number;
  pairs: number;
  /** Which side runs first in pair 0 (then alternates: A B, B A, A B, …). */
  verifyFirst: boolean;
}

export interface VerifyResult {
  kind: "verify";
  bytes: number;
  /** Per timed pair, milliseconds. */
  verifyMs: number[];
  rawMs: number[];
}

/** One signed bomb. */
export interface BombArtifact {
  name: string;
  tarball: string;
  envelope: string;
  /** Compressed size, bytes. */
  compressedBytes: number;
}

/** P3: `installLocal` of each bomb into a temp home, `runs` times, alternating bombs. */
export interface BombSpec {
  kind: "bomb";
  bombs: BombArtifact[];
  home: string;
  project: string;
  publicKey: string;
  yesCapabilities: string;
  runs: number;
}

export interface BombRun {
  bomb: string;
  /** Time from the call to the rejection, ms. */
  installMs: number;
  /** `scanArchive` alone on the same file, ms. */
  scanMs: number;
  /** The RegistryError code (or a description of what happened instead). */
  code: string;
  scanCode: string;
  /** What differs in home/project after the call, or leftovers (empty: nothing written). */
  written: string[];
}

export interface BombResult {
  kind: "bomb";
  runs: BombRun[];
}

export type WorkerSpec = VerifySpec | BombSpec;
export type WorkerResult = VerifyResult | BombResult;
