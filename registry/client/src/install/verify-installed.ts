/**
 * `verify --installed <name>` (REGISTRY.md §7.4, §8): re-verifies an installed plugin from
 * its folder and the project's lockfile under the home's trust store. The stored envelope's
 * signers must satisfy the policy matching the package (so a TOFU pin that moved, or a
 * pinned key that was removed, fails the check); then `loadInstalledPlugin` checks the
 * envelope, the manifest digest against the lockfile and, by default, re-hashes the tree.
 * An unsigned install (`--allow-unsigned`) has no signature to verify: after its tree is
 * re-checked against the lockfile, the answer is `REGISTRY_UNSIGNED`.
 */
import { DEFAULT_LIMITS, RegistryError, type PluginGrant, type ProtocolLimits } from "@agentgov/registry-protocol";
import type { TrustDecision } from "../trust/resolve.js";
import { loadTrustStore, type TrustStore } from "../trust/trust-store.js";
import { agentgovHome } from "../util/home.js";
import { readFileBounded } from "../util/read-bounded.js";
import { decideTrust } from "../verify/verify.js";
import { join } from "node:path";
import { loadInstalled, loadInstalledPlugin, lockedPlugin } from "./install.js";

/** Options of {@link verifyInstalled}. */
export interface VerifyInstalledOptions {
  /** Home folder; default `$AGENTGOV_HOME`, else `~/.agentgov`. */
  home?: string;
  /** Project folder holding `agentgov-lock.json`; default the current folder. */
  projectDir?: string;
  /** Trust store; default the home's `trust.json`. */
  store?: TrustStore;
  /** Re-hash the installed tree (default true). */
  rehash?: boolean;
  limits?: ProtocolLimits;
}

/** A re-verified installed plugin. */
export interface VerifiedInstall {
  grant: PluginGrant;
  /** The installed folder. */
  dir: string;
  /** The trust policy decision for its signers. */
  trust: TrustDecision;
}

/** Re-verifies the installed plugin `name` (see module doc); rejects with the stable code. */
export async function verifyInstalled(name: string, options: VerifyInstalledOptions = {}): Promise<VerifiedInstall> {
  const home = options.home ?? agentgovHome();
  const limits = options.limits ?? DEFAULT_LIMITS;
  const where = { home, ...(options.projectDir === undefined ? {} : { projectDir: options.projectDir }) };
  const { dir, locked } = await lockedPlugin(name, where);
  if (locked.unsigned === true) {
    // Re-checks the tree against the lockfile first (a tampered tree keeps its own code).
    await loadInstalled(name, { ...where, limits, trustedKeys: [], ...(options.rehash === undefined ? {} : { rehash: options.rehash }) });
    throw new RegistryError("REGISTRY_UNSIGNED", `${name}@${locked.version} was installed unsigned (--allow-unsigned): its tree matches the lockfile, but no publisher signature exists to verify`);
  }
  const envelope = await readFileBounded(join(dir, ".agentgov", "envelope.json"), limits.envelopeBytes, "REGISTRY_STORE_CORRUPT").catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    throw new RegistryError("REGISTRY_STORE_CORRUPT", `${dir} has no stored envelope`, { cause: error });
  });
  const trust = decideTrust(options.store ?? await loadTrustStore(home), envelope, limits);
  const grant = await loadInstalledPlugin(name, {
    ...where, limits, trustedKeys: trust.trustedKeys, threshold: trust.threshold,
    ...(options.rehash === undefined ? {} : { rehash: options.rehash }),
  });
  return { grant, dir, trust };
}
