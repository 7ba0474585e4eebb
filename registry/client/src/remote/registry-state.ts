/**
 * What a client remembers about one registry (REGISTRY.md §4.8, §4.9, §7.4), under
 * `$AGENTGOV_HOME/registries/<sha256 of the URL>/`: the latest verified root envelope
 * (`root.json`), the last verified checkpoint note (`checkpoint`), per package the last
 * `indexVersion`, its digest and every version seen (`packages/<name with / as +>.json`), and
 * the monitor's position (`audit.json`). Reads are strict (`REGISTRY_STORE_CORRUPT`); writes
 * are atomic and happen only when an install or audit commits.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  RegistryError, fromHex, isCanonicalVersion, parseJsonBounded, sha256, toHex, utf8, type IndexState,
} from "@agentgov/registry-protocol";
import { writeFileAtomic } from "../util/atomic-file.js";

const STATE_BYTES = 4 * 1024 * 1024;

/** The state folder of `registryUrl` inside `home`. */
export function registryStateDir(home: string, registryUrl: string): string {
  return join(home, "registries", toHex(sha256(utf8(registryUrl))));
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

async function writeState(dir: string, name: string, data: string): Promise<void> {
  await mkdir(join(dir, "packages"), { recursive: true, mode: 0o700 });
  await writeFileAtomic(join(dir, name), data, { mode: 0o600 });
}

function packageFile(name: string): string {
  return join("packages", `${name.replace("/", "+")}.json`);
}

/** One registry's stored state. */
export class RegistryState {
  constructor(readonly dir: string) {}

  /** The latest verified root envelope text and the SHA-256 of root 1, if stored. */
  async root(): Promise<{ root1Sha256: string; envelope: string } | undefined> {
    const bytes = await readOptional(join(this.dir, "root.json"));
    if (bytes === undefined) return undefined;
    const value = parseJsonBounded(bytes, { maxBytes: STATE_BYTES }) as { root1Sha256?: unknown; envelope?: unknown } | null;
    if (typeof value?.root1Sha256 !== "string" || !/^[0-9a-f]{64}$/.test(value.root1Sha256) || typeof value.envelope !== "string") {
      throw new RegistryError("REGISTRY_STORE_CORRUPT", "stored root is invalid");
    }
    return { root1Sha256: value.root1Sha256, envelope: value.envelope };
  }

  /** The last verified checkpoint note, if any. */
  async checkpoint(): Promise<string | undefined> {
    return (await readOptional(join(this.dir, "checkpoint")))?.toString("utf8");
  }

  /** The stored index state of `name`, if any. */
  async index(name: string): Promise<IndexState | undefined> {
    const bytes = await readOptional(join(this.dir, packageFile(name)));
    if (bytes === undefined) return undefined;
    const value = parseJsonBounded(bytes, { maxBytes: STATE_BYTES }) as { indexVersion?: unknown; digest?: unknown; versions?: unknown } | null;
    const digest = typeof value?.digest === "string" ? fromHex(value.digest) : undefined;
    if (!Number.isSafeInteger(value?.indexVersion) || digest === undefined || !Array.isArray(value?.versions) ||
      !value.versions.every(isCanonicalVersion)) {
      throw new RegistryError("REGISTRY_STORE_CORRUPT", `stored index state of ${name} is invalid`);
    }
    return { indexVersion: value.indexVersion as number, digest, versions: value.versions };
  }

  /** The audit position (tree size already reported), default 0. */
  async auditSize(): Promise<number> {
    const bytes = await readOptional(join(this.dir, "audit.json"));
    if (bytes === undefined) return 0;
    const value = parseJsonBounded(bytes, { maxBytes: 1024 }) as { size?: unknown } | null;
    if (!Number.isSafeInteger(value?.size) || (value?.size as number) < 0) throw new RegistryError("REGISTRY_STORE_CORRUPT", "audit.json is invalid");
    return value?.size as number;
  }

  /** Stores the newest verified root envelope with the SHA-256 of root 1. */
  saveRoot(root1Sha256: string, envelope: string): Promise<void> {
    return writeState(this.dir, "root.json", `${JSON.stringify({ root1Sha256, envelope })}\n`);
  }

  /** Stores a verified checkpoint note. */
  saveCheckpoint(note: string): Promise<void> {
    return writeState(this.dir, "checkpoint", note);
  }

  /** Stores the index state of `name` (versions: the union with every version seen before). */
  saveIndex(name: string, state: IndexState): Promise<void> {
    const data = { indexVersion: state.indexVersion, digest: toHex(state.digest), versions: [...new Set(state.versions)].sort() };
    return writeState(this.dir, packageFile(name), `${JSON.stringify(data)}\n`);
  }

  /** Stores the audit position. */
  saveAuditSize(size: number): Promise<void> {
    return writeState(this.dir, "audit.json", `${JSON.stringify({ size })}\n`);
  }
}
