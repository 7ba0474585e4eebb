/** Deterministic randomness for the demo: one mulberry32 stream per seed. */
import { createPrivateKey } from "node:crypto";
import { sha256Hex } from "../internal/canonical.js";
import { createRewardSigner, type RewardSigner } from "../integrity/keys.js";

/** A seeded uniform [0, 1) generator (mulberry32). */
export interface Rng {
  (): number;
  /** `n` pseudo-random bytes from the same stream. */
  bytes(n: number): Buffer;
}

/** Creates a mulberry32 stream. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = next as Rng;
  rng.bytes = (n) => {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
    return b;
  };
  return rng;
}

const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/** A signer whose Ed25519 key is derived from the seed (demo only: reproducible signatures). */
export function seedSigner(seed: number): RewardSigner {
  const secret = Buffer.from(sha256Hex(`agentgov-rl-demo-key:${seed}`), "hex");
  return createRewardSigner(createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, secret]), format: "der", type: "pkcs8" }));
}
