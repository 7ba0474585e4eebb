/**
 * Transparency-log entries (REGISTRY.md §4.8): one per security-relevant event, hashed into
 * the log as `SHA-256(0x00 ‖ JCS(entry))`. Validation is strict (`REGISTRY_LOG_PROOF_INVALID`
 * for a malformed entry).
 */
import { Shape } from "./internal/shape.js";
import { isKeyId, type KeyId } from "./ed25519.js";
import { isRfc3339Seconds } from "./time.js";
import { packageNameProblem, isPublisherId } from "./package-name.js";
import { versionProblem } from "./semver-rules.js";
import { entryLeafHash } from "./merkle.js";

/** The `_type` of a log entry. */
export const LOG_ENTRY_TYPE = "agentgov/log-entry/v1";

/** Event kinds. */
export const LOG_ENTRY_KINDS = ["publish", "publish-unsigned", "attest", "bind", "rotate", "revoke", "yank", "block", "rebind"] as const;

/** One event kind. */
export type LogEntryKind = (typeof LOG_ENTRY_KINDS)[number];

/** A log entry. Package fields are present for package events; digests are lowercase hex. */
export interface LogEntry {
  _type: typeof LOG_ENTRY_TYPE;
  kind: LogEntryKind;
  name?: string;
  version?: string;
  publisher: string;
  keyids: KeyId[];
  envelopeSha256?: string;
  manifestSha256?: string;
  sha512?: string;
  /** Trusted time, set by the log: RFC 3339 UTC seconds. */
  integratedAt: string;
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;

/** Validates a parsed log entry strictly and returns it typed. */
export function validateLogEntry(value: unknown): LogEntry {
  const shape: Shape = new Shape("REGISTRY_LOG_PROOF_INVALID");
  const e = shape.object(value, "", ["_type", "kind", "publisher", "keyids", "integratedAt"],
    ["name", "version", "envelopeSha256", "manifestSha256", "sha512"]);
  if (e._type !== LOG_ENTRY_TYPE) shape.fail("_type", `must be ${LOG_ENTRY_TYPE}`);
  const kind = shape.string(e.kind, "kind", { max: 32 });
  if (!(LOG_ENTRY_KINDS as readonly string[]).includes(kind)) shape.fail("kind", "unknown kind");
  const publisher = shape.string(e.publisher, "publisher", { max: 39 });
  if (!isPublisherId(publisher)) shape.fail("publisher", "not a publisher id");
  const keyids = shape.uniqueStrings(e.keyids, "keyids", 64, { max: 72 }).map((k, i) => {
    if (!isKeyId(k)) shape.fail(`keyids[${i}]`, "not an ed25519 key id");
    return k;
  });
  const integratedAt = shape.string(e.integratedAt, "integratedAt", { max: 20 });
  if (!isRfc3339Seconds(integratedAt)) shape.fail("integratedAt", "must be RFC 3339 UTC seconds");
  const entry: LogEntry = { _type: LOG_ENTRY_TYPE, kind: kind as LogEntryKind, publisher, keyids, integratedAt };
  if (e.name !== undefined) {
    entry.name = shape.string(e.name, "name", { max: 214 });
    const problem = packageNameProblem(entry.name);
    if (problem !== undefined) shape.fail("name", problem);
  }
  if (e.version !== undefined) {
    entry.version = shape.string(e.version, "version", { max: 256 });
    const problem = versionProblem(entry.version);
    if (problem !== undefined) shape.fail("version", problem);
  }
  if (e.envelopeSha256 !== undefined) entry.envelopeSha256 = shape.string(e.envelopeSha256, "envelopeSha256", { max: 64, pattern: HEX64 });
  if (e.manifestSha256 !== undefined) entry.manifestSha256 = shape.string(e.manifestSha256, "manifestSha256", { max: 64, pattern: HEX64 });
  if (e.sha512 !== undefined) entry.sha512 = shape.string(e.sha512, "sha512", { max: 128, pattern: HEX128 });
  const packageEvent = kind === "publish" || kind === "publish-unsigned" || kind === "attest" || kind === "yank" || kind === "block";
  if (packageEvent && (entry.name === undefined || entry.version === undefined)) shape.fail("", `a ${kind} entry needs name and version`);
  return entry;
}

/** The Merkle leaf hash of a log entry. */
export function logEntryLeafHash(entry: LogEntry): Uint8Array {
  return entryLeafHash(entry);
}
