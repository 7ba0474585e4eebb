/**
 * `audit` (REGISTRY.md §8, §11.10): verifies the registry's log and reports what is new.
 * It opens a verified session (root chain, checkpoint consistent with the last one this home
 * saw), fetches every log entry, recomputes the Merkle root and requires it to equal the
 * signed checkpoint's (so no entry can be hidden or altered), and reports entries after the
 * saved audit position. An entry for a watched publisher, name or key is *foreign* when it is
 * a `rebind`, or a `publish`/`attest`/`bind`/`rotate` involving a key not in `ownKeyids`.
 * With `lockfile`, installed plugins are re-checked against their current index (yanked,
 * blocked, or signed by a key revoked as compromised from before them). `monitor` polls.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  RegistryError, bytesEqual, entryLeafHash, merkleRoot, parseJsonBounded, validateLogEntry, type KeyId, type LogEntry,
} from "@agentgov/registry-protocol";
import { agentgovHome } from "../util/home.js";
import { keyValidAt } from "./publisher-keys.js";
import { RegistrySession } from "./session.js";

/** Options of {@link audit}. */
export interface AuditOptions {
  registry: string;
  home?: string;
  /** Publishers to watch. */
  publishers?: readonly string[];
  /** Package names to watch. */
  names?: readonly string[];
  /** Your own keys: entries signed only by these are not foreign. */
  ownKeyids?: readonly KeyId[];
  /** Project folder whose `agentgov-lock.json` plugins are re-checked. */
  project?: string;
  timeoutMs?: number;
  now?: () => number;
}

/** One finding. */
export interface AuditFinding {
  logIndex?: number;
  kind: "foreign-entry" | "yanked" | "blocked" | "revoked" | "missing";
  message: string;
  entry?: LogEntry;
}

/** The outcome of one audit pass. */
export interface AuditReport {
  registry: string;
  treeSize: number;
  /** First index reported as new (the saved position). */
  from: number;
  /** Entries after the saved position that concern a watched publisher, name or key. */
  newEntries: { logIndex: number; entry: LogEntry }[];
  findings: AuditFinding[];
}

const FOREIGN_KINDS = new Set(["publish", "attest", "bind", "rotate"]);

function watched(entry: LogEntry, options: AuditOptions): boolean {
  return (options.publishers ?? []).includes(entry.publisher) ||
    (entry.name !== undefined && (options.names ?? []).includes(entry.name)) ||
    entry.keyids.some((k) => (options.ownKeyids ?? []).includes(k));
}

async function lockedPlugins(project: string): Promise<[string, { version: string }][]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(project, "agentgov-lock.json"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const lock = parseJsonBounded(bytes, { maxBytes: 4 * 1024 * 1024 }) as { plugins?: Record<string, { version?: unknown }> } | null;
  if (lock?.plugins === undefined || typeof lock.plugins !== "object") throw new RegistryError("REGISTRY_STORE_CORRUPT", "agentgov-lock.json has no plugins");
  return Object.entries(lock.plugins).flatMap(([name, p]) => (typeof p.version === "string" ? [[name, { version: p.version }] as [string, { version: string }]] : []));
}

/** One audit pass; saves the new position and checkpoint only after everything verified. */
export async function audit(options: AuditOptions): Promise<AuditReport> {
  const session = await RegistrySession.open({
    registry: options.registry, home: options.home ?? agentgovHome(),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  try {
    const cp = session.log.checkpoint;
    const raw = await session.log.entries(0, cp.size);
    const entries = raw.map((e) => validateLogEntry(e));
    if (!bytesEqual(merkleRoot(entries.map((e) => entryLeafHash(e))), cp.rootHash)) {
      throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `the log's entries do not hash to the checkpoint root (size ${String(cp.size)})`);
    }
    const from = Math.min(await session.state.auditSize(), cp.size);
    const newEntries: AuditReport["newEntries"] = [];
    const findings: AuditFinding[] = [];
    const own = options.ownKeyids ?? [];
    for (let i = from; i < entries.length; i++) {
      const entry = entries[i] as LogEntry;
      if (!watched(entry, options)) continue;
      newEntries.push({ logIndex: i, entry });
      if (entry.kind === "rebind" || (FOREIGN_KINDS.has(entry.kind) && entry.keyids.some((k) => !own.includes(k)))) {
        findings.push({
          logIndex: i, kind: "foreign-entry", entry,
          message: `log entry ${String(i)}: ${entry.kind} ${entry.name === undefined ? "" : `${entry.name}@${entry.version ?? ""} `}by ${entry.publisher} with ${entry.keyids.join(", ") || "no key"}`,
        });
      }
    }
    if (options.project !== undefined) {
      for (const [name, { version }] of await lockedPlugins(options.project)) {
        const { index } = await session.index(name);
        const v = Object.hasOwn(index.versions, version) ? index.versions[version] : undefined;
        if (v === undefined) { findings.push({ kind: "missing", message: `${name}@${version} is not in the registry's index` }); continue; }
        if (v.status === "yanked" || v.status === "blocked") findings.push({ logIndex: v.logIndex, kind: v.status, message: `${name}@${version} is ${v.status}` });
        for (const keyid of v.keyids) {
          const key = index.keys.find((k) => k.keyid === keyid);
          if (key !== undefined && keyValidAt(key, v.logIndex) === "revoked") {
            findings.push({ logIndex: v.logIndex, kind: "revoked", message: `${name}@${version} was signed by ${keyid}, revoked as compromised from before it` });
          }
        }
      }
    }
    await session.commit();
    await session.state.saveAuditSize(cp.size);
    return { registry: session.url, treeSize: cp.size, from, newEntries, findings };
  } finally {
    session.close();
  }
}

/** Options of {@link monitor}. */
export interface MonitorOptions extends AuditOptions {
  /** Poll interval, ms; default 60 s. */
  intervalMs?: number;
  /** Stop after this many passes (default: until aborted). */
  maxPolls?: number;
  signal?: AbortSignal;
  /** Each pass's report; return true to stop. */
  onReport: (report: AuditReport) => boolean | Promise<boolean>;
}

/** Polls {@link audit} until `onReport` returns true, `maxPolls` passes ran, or `signal` aborts. */
export async function monitor(options: MonitorOptions): Promise<void> {
  for (let poll = 0; options.maxPolls === undefined || poll < options.maxPolls; poll++) {
    if (options.signal?.aborted === true) return;
    if (await options.onReport(await audit(options))) return;
    if (options.maxPolls !== undefined && poll + 1 >= options.maxPolls) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs ?? 60_000);
      options.signal?.addEventListener("abort", () => { clearTimeout(timer); resolve(); }, { once: true });
    });
  }
}
