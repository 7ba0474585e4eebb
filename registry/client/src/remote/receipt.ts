/**
 * Receipt verification (REGISTRY.md §6.1, §6.2): a write answers `{logIndex, entry,
 * inclusionProof, checkpoint}`. The client opens the checkpoint with the root's `log` key,
 * proves the entry's inclusion in it, proves that checkpoint consistent with the session's
 * verified one, and checks the entry says what was asked. Only then is the write reported.
 */
import {
  RegistryError, assertInclusion, entryLeafHash, fromBase64, openCheckpoint, validateLogEntry, type LogEntry,
} from "@agentgov/registry-protocol";
import { roleKeys } from "./root-chain.js";
import type { RegistrySession } from "./session.js";

/** A verified receipt. */
export interface VerifiedReceipt {
  logIndex: number;
  entry: LogEntry;
  /** Tree size of the checkpoint the proof was against. */
  treeSize: number;
}

function invalid(message: string): never {
  throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `receipt: ${message}`);
}

/** Verifies `value` (a parsed receipt) and that `expect` holds for its entry. */
export async function verifyReceipt(session: RegistrySession, value: unknown, expect: (entry: LogEntry) => boolean): Promise<VerifiedReceipt> {
  const r = value as { logIndex?: unknown; entry?: unknown; inclusionProof?: unknown; checkpoint?: unknown } | null;
  if (r === null || typeof r !== "object" || !Number.isSafeInteger(r.logIndex) || typeof r.checkpoint !== "string") invalid("malformed");
  const logIndex = r.logIndex as number;
  const entry = validateLogEntry(r.entry);
  const cp = openCheckpoint(r.checkpoint, { origin: session.origin, publicKey: roleKeys(session.root.root, "log").keys[0] ?? new Uint8Array() });
  const p = r.inclusionProof as { leafIndex?: unknown; treeSize?: unknown; hashes?: unknown } | null;
  if (p === null || typeof p !== "object" || p.leafIndex !== logIndex || p.treeSize !== cp.size || !Array.isArray(p.hashes)) invalid("malformed inclusion proof");
  const hashes = p.hashes.map((h) => (typeof h === "string" ? fromBase64(h) : undefined) ?? invalid("malformed proof hash"));
  assertInclusion(entryLeafHash(entry), { leafIndex: logIndex, treeSize: cp.size, hashes }, cp.rootHash);
  await session.log.assertConsistentHead(cp.size, Buffer.from(cp.rootHash).toString("base64"));
  if (!expect(entry)) invalid(`log entry ${String(logIndex)} (${entry.kind}) is not the requested write`);
  return { logIndex, entry, treeSize: cp.size };
}
