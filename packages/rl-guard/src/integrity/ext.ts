/**
 * The `rl` namespace of core's audit-record extension member `ext` (RL-GUARD.md §3, §7),
 * covered by the record hash like every other field.
 */
import type { AuditEntry } from "@agentgov/core";
import { isObject } from "../internal/canonical.js";

/** Returns `entry` carrying `ext` (namespaced, e.g. `{ rl: {...} }`). */
export function withExt(entry: AuditEntry, ext: Record<string, unknown>): AuditEntry {
  return { ...entry, ext };
}

/** The `ext.rl` member of a stored record, or undefined. */
export function rlExtOf(record: unknown): Record<string, unknown> | undefined {
  if (!isObject(record) || !isObject(record.ext)) return undefined;
  const rl = record.ext.rl;
  return isObject(rl) ? rl : undefined;
}
