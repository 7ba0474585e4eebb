/**
 * Checkpoints: the chain head `{seq, hash}` at a point, Ed25519-signed when the log has a
 * key. The signature covers `canonicalJson({final, genesis, hash, seq, ts, type:
 * "checkpoint", v: 1})`: `genesis` so that a checkpoint cannot be replayed into another
 * log, `final` so that a periodic checkpoint cannot be passed off as the seal of a log
 * truncated right after it, and `type`/`v` to separate the domain.
 */
import { sign, verify, type KeyObject } from "node:crypto";
import { canonicalJson } from "../internal/canonical-json.js";
import { isHex64 } from "./digest.js";
import type { AuditSigner } from "./keys.js";
import type { AuditCheckpoint } from "./types.js";

/** The exact bytes a checkpoint signature covers. */
export function checkpointPayload(genesis: string, cp: Pick<AuditCheckpoint, "seq" | "hash" | "final" | "ts">): Buffer {
  return Buffer.from(
    canonicalJson({ final: cp.final, genesis, hash: cp.hash, seq: cp.seq, ts: cp.ts, type: "checkpoint", v: 1 }),
    "utf8",
  );
}

/** A checkpoint of the head `{seq, hash}`, signed with `signer` when given. */
export function createCheckpoint(
  genesis: string,
  seq: number,
  hash: string,
  final: boolean,
  ts: string,
  signer: AuditSigner | undefined,
): AuditCheckpoint {
  const cp: AuditCheckpoint = { type: "checkpoint", seq, hash, final, ts };
  if (signer !== undefined) {
    cp.key_id = signer.keyId;
    cp.sig = sign(null, checkpointPayload(genesis, cp), signer.key).toString("base64");
  }
  return cp;
}

/** The checkpoint's line (without newline), keys in a fixed, documented order. */
export function checkpointLine(cp: AuditCheckpoint): string {
  return JSON.stringify({
    type: cp.type,
    seq: cp.seq,
    hash: cp.hash,
    final: cp.final,
    ts: cp.ts,
    key_id: cp.key_id,
    sig: cp.sig,
  });
}

/** True when the checkpoint carries a signature by `publicKey` over its payload for this log. */
export function checkpointSignatureValid(genesis: string, cp: AuditCheckpoint, publicKey: KeyObject): boolean {
  if (cp.sig === undefined) return false;
  const sig = Buffer.from(cp.sig, "base64");
  if (sig.length !== 64) return false;
  return verify(null, checkpointPayload(genesis, cp), publicKey, sig);
}

const CHECKPOINT_KEYS = new Set(["type", "seq", "hash", "final", "ts", "key_id", "sig"]);
const BASE64_SIG = /^[A-Za-z0-9+/]{86}==$/;

/** Validates a parsed checkpoint; returns it, or a message saying what is wrong. */
export function checkCheckpoint(value: Record<string, unknown>): AuditCheckpoint | string {
  for (const key of Object.keys(value)) if (!CHECKPOINT_KEYS.has(key)) return `unknown checkpoint field '${key}'`;
  const { seq, hash, final, ts, key_id, sig } = value;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 0) return "checkpoint seq is not a non-negative integer";
  if (!isHex64(hash)) return "checkpoint hash is not 64 lowercase hex characters";
  if (typeof final !== "boolean") return "checkpoint final is not a boolean";
  if (typeof ts !== "string") return "checkpoint ts is not a string";
  if (key_id !== undefined && !isHex64(key_id)) return "checkpoint key_id is not 64 lowercase hex characters";
  if (sig !== undefined && (typeof sig !== "string" || !BASE64_SIG.test(sig))) return "checkpoint sig is not a base64 Ed25519 signature";
  return value as unknown as AuditCheckpoint;
}
