/**
 * Install under the trust store (REGISTRY.md §5.3, §7.2 step 4 offline): the signers must be
 * allowed by the first policy matching the package in `$AGENTGOV_HOME/trust.json`. In `tofu`
 * mode a pinned publisher signing with a key outside its pin is `REGISTRY_KEY_CHANGED` before
 * anything is staged; a first use pins the signers at commit, before the lockfile is written.
 */
import { loadTrustStore, saveTrustStore } from "../trust/trust-store.js";
import { pinTofu } from "../trust/trust-edit.js";
import type { TrustDecision } from "../trust/resolve.js";
import { agentgovHome } from "../util/home.js";
import { verify } from "../verify/verify.js";
import { installLocal, type InstallLocalOptions, type InstallResult } from "./install.js";

/** Options of {@link installTrusted}: those of `installLocal` minus the keys, which come from the store. */
export type InstallTrustedOptions = Omit<InstallLocalOptions, "trustedKeys" | "threshold" | "onCommit">;

/** The outcome of {@link installTrusted}. */
export interface TrustedInstallResult extends InstallResult {
  /** The trust policy decision; `firstUse` means the signers were pinned by this install. */
  trust: TrustDecision;
  /** The signed manifest's publisher (the TOFU pin's key). */
  publisher: string;
}

/** Verifies `tarball` + `envelope` against the home's trust store, installs, and pins a TOFU first use. */
export async function installTrusted(tarball: string, envelope: string, options: InstallTrustedOptions = {}): Promise<TrustedInstallResult> {
  const home = options.home ?? agentgovHome();
  const verified = await verify(tarball, envelope, { store: await loadTrustStore(home) }, {
    ...(options.expect === undefined ? {} : { expect: options.expect }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  if (!verified.ok) throw verified.error;
  const trust = verified.trust;
  if (trust === undefined) throw new Error("verify against a store returned no trust decision");
  const { publisher, name, version } = verified.manifest;
  const result = await installLocal(tarball, envelope, {
    ...options,
    home,
    trustedKeys: trust.trustedKeys,
    threshold: trust.threshold,
    expect: { name, version },
    onCommit: async (grant) => {
      if (trust.firstUse) await saveTrustStore(pinTofu(await loadTrustStore(home), publisher, grant.keyids), home);
    },
  });
  return { ...result, trust, publisher };
}
