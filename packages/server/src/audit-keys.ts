/**
 * The audit signing key of a data directory: an Ed25519 pair created on first start
 * (private key mode 0600, written atomically) and read back on every later one. Both
 * audit stores (JSONL, SQLite) sign their checkpoints with it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateAuditKeyPair } from "@agentgov/core/audit";
import { writeFileAtomic } from "./atomic-file.js";

/** The checkpoint signing key (private, 0600) and its public half. */
export const AUDIT_KEY_FILE = "audit-key.pem";
/** The public key that verifies the log's checkpoints. */
export const AUDIT_PUBLIC_KEY_FILE = "audit-key.pub.pem";

/** The data directory's audit key pair (PEM), created when missing. */
export function auditKeys(dir: string): { privateKey: string; publicKey: string } {
  const privatePath = join(dir, AUDIT_KEY_FILE);
  const publicPath = join(dir, AUDIT_PUBLIC_KEY_FILE);
  if (!existsSync(privatePath)) {
    const keys = generateAuditKeyPair();
    writeFileAtomic(privatePath, keys.privateKey, 0o600);
    writeFileAtomic(publicPath, keys.publicKey, 0o644);
  }
  return { privateKey: readFileSync(privatePath, "utf8"), publicKey: readFileSync(publicPath, "utf8") };
}
