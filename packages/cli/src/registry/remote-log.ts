/**
 * A verified view of a registry's transparency log for `agentgov registry log`, built on the
 * client's `RegistrySession` (`@agentgov/registry-client`): the root chain (pinned in
 * `trust.json`, else trusted on first use), the signed checkpoint (log key, freshness, never
 * below and consistent with the last checkpoint this home verified) — the same baseline the
 * install and audit paths use, in `$AGENTGOV_HOME/registries/<sha256 of URL>/`. Adds what the
 * log commands need on top: an optional `--root-sha256` pin, the previous baseline for
 * display and for `verify`'s prefix check, and strictly validated entry pages.
 */
import {
  RegistryError, openCheckpoint, validateLogEntry, type Checkpoint, type LogEntry,
} from "@agentgov/registry-protocol";
import {
  RegistryState, openRegistry, parseStoredCheckpoint, registryStateDir, roleKeys, type RegistrySession,
} from "@agentgov/registry-client";

/** Entries per page requested (the server's maximum, §9). */
export const LOG_PAGE = 1000;
const NOTE_BYTES = 16 * 1024;

/** A registry log whose checkpoint has been verified (nothing persisted until {@link rememberCheckpoint}). */
export interface VerifiedLog {
  session: RegistrySession;
  url: string;
  checkpoint: Checkpoint;
  /** The checkpoint this home verified before, if any. */
  previous: Checkpoint | undefined;
  rootVersion: number;
  root1Sha256: string;
  /** True when root 1 is trusted on first use (it is pinned in `trust.json` on commit). */
  firstUse: boolean;
}

/** One raw log entry (as hashed into the log) with its validated form. */
export interface LoggedEntry {
  index: number;
  raw: unknown;
  entry: LogEntry;
}

/** Options of {@link openVerifiedLog}. */
export interface OpenLogOptions {
  url: string;
  home: string;
  /** Root 1 must hash to this (on top of any `trust.json` pin). */
  rootSha256?: string;
}

/** Verifies the root chain and the current checkpoint of `options.url` against what this home saw before. */
export async function openVerifiedLog(options: OpenLogOptions): Promise<VerifiedLog> {
  const session = await openRegistry({ registry: options.url, home: options.home });
  try {
    const root1Sha256 = session.root.root1Sha256;
    if (options.rootSha256 !== undefined && options.rootSha256 !== root1Sha256) {
      throw new RegistryError("REGISTRY_UNTRUSTED_KEY", `root 1 of this registry (${root1Sha256}) is not the one given with --root-sha256`);
    }
    const stored = await new RegistryState(registryStateDir(options.home, session.url)).checkpoint();
    return {
      session, url: session.url, checkpoint: session.log.checkpoint,
      previous: stored === undefined ? undefined : parseStoredCheckpoint(stored, session.origin),
      rootVersion: session.root.root.version, root1Sha256, firstUse: session.root.firstUse,
    };
  } catch (error) {
    session.close();
    throw error;
  }
}

/** Persists the verified root and checkpoint as the new baseline (and a first-use root pin), then closes the session. */
export async function rememberCheckpoint(log: VerifiedLog): Promise<void> {
  try {
    await log.session.commit();
  } finally {
    log.session.close();
  }
}

/** Fetches the current signed note and verifies it with the root's log key (for display). */
export async function signedNote(log: VerifiedLog): Promise<{ note: string; checkpoint: Checkpoint }> {
  const { body } = await log.session.http.request({ method: "GET", path: "/v1/log/checkpoint", maxBytes: NOTE_BYTES });
  const key = roleKeys(log.session.root.root, "log").keys[0];
  if (key === undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", "root: no log key");
  const note = body.toString("utf8");
  return { note, checkpoint: openCheckpoint(note, { origin: log.session.origin, publicKey: key }) };
}

/** Entries `[start, end)`, fetched in pages of at most {@link LOG_PAGE}, each strictly validated; `onEntry` sees them in order. */
export async function readEntries(log: VerifiedLog, start: number, end: number, onEntry: (entry: LoggedEntry) => void): Promise<void> {
  for (let from = start; from < end; from += LOG_PAGE) {
    const to = Math.min(end, from + LOG_PAGE);
    const page = await log.session.log.entries(from, to);
    page.forEach((raw, i) => { onEntry({ index: from + i, raw, entry: validateLogEntry(raw) }); });
  }
}
