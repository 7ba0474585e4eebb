/** Options shared by every sink, and their validation. */
import type { KeyObject } from "node:crypto";
import { AgentGovError } from "../errors.js";
import { DEFAULT_CHECKPOINT_EVERY, isoTime } from "./chain.js";
import { toSigner, type AuditSigner } from "./keys.js";

/** Options of every audit sink. */
export interface AuditSinkOptions {
  /** Time source in ms since the epoch (default `Date.now`); records carry it as ISO-8601 `ts`. */
  clock?: () => number;
  /**
   * Ed25519 private key (PKCS#8 PEM or KeyObject) that signs checkpoints; see
   * {@link generateAuditKeyPair}. Without it checkpoints are written unsigned, and only a
   * verifier's structural checks protect against truncation.
   */
  signingKey?: KeyObject | string;
  /** Records between two periodic checkpoints (default {@link DEFAULT_CHECKPOINT_EVERY}); 0 writes only the final one. */
  checkpointEvery?: number;
}

/** Resolved sink options. */
export interface ResolvedSinkOptions {
  now: () => string;
  signer: AuditSigner | undefined;
  checkpointEvery: number;
}

/** Validates and resolves the shared options (the signing key is parsed once, here). */
export function resolveSinkOptions(options: AuditSinkOptions): ResolvedSinkOptions {
  const clock = options.clock ?? Date.now;
  if (typeof clock !== "function") throw new AgentGovError("INVALID_OPTIONS", "audit clock must be a function returning ms since the epoch");
  return {
    now: isoTime(clock),
    signer: options.signingKey === undefined ? undefined : toSigner(options.signingKey),
    checkpointEvery: nonNegativeInteger(options.checkpointEvery, DEFAULT_CHECKPOINT_EVERY, "checkpointEvery"),
  };
}

/** `value` if it is a non-negative safe integer, `fallback` if undefined; throws INVALID_OPTIONS otherwise. */
export function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AgentGovError("INVALID_OPTIONS", `audit ${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}
