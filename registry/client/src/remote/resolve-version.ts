/**
 * Version resolution against a verified index (REGISTRY.md §4.7): an exact version selects
 * only itself (a yanked one too, with a warning: an explicit pin); a range selects the
 * highest `active` release it satisfies (`includePrerelease: false`; prereleases only when
 * named exactly with `prerelease: true`); a dist-tag is followed only to an `active` version;
 * `blocked` versions never resolve; `unsigned` ones only with `allowUnsigned`.
 */
import {
  RegistryError, rangeProblem, resolveDistTag, selectVersion, versionProblem, type PackageIndex,
} from "@agentgov/registry-protocol";

/** Options of {@link resolveVersion}. */
export interface ResolveOptions {
  prerelease?: boolean;
  allowUnsigned?: boolean;
}

/** The resolved version and a warning when an explicit pin selected a yanked version. */
export interface Resolved {
  version: string;
  warning?: string;
}

const TAG = /^[a-z][a-z0-9._-]{0,63}$/;

/** Resolves `request` (version, range or dist-tag) in `index`; `REGISTRY_VERSION_UNAVAILABLE` when nothing fits. */
export function resolveVersion(index: PackageIndex, request: string, options: ResolveOptions = {}): Resolved {
  const name = index.name;
  const unavailable = (why: string): never => { throw new RegistryError("REGISTRY_VERSION_UNAVAILABLE", `${name}@${request}: ${why}`); };
  const statusOf = (v: string): string | undefined => (Object.hasOwn(index.versions, v) ? index.versions[v]?.status : undefined);
  if (versionProblem(request) === undefined) {
    const status = statusOf(request);
    if (status === undefined) unavailable("no such version");
    if (status === "blocked") unavailable("blocked by the registry");
    const picked = selectVersion([request], request, { prerelease: options.prerelease === true });
    if (picked === undefined) unavailable("a prerelease needs --prerelease");
    if (status === "unsigned" && options.allowUnsigned !== true) throw new RegistryError("REGISTRY_UNSIGNED", `${name}@${request} is unsigned (published with npm); pass --allow-unsigned`);
    return status === "yanked" ? { version: request, warning: `${name}@${request} is yanked; installed because it was pinned exactly` } : { version: request };
  }
  if (TAG.test(request) && !/^[0-9]/.test(request) && request !== "x") {
    const version = resolveDistTag(index, request);
    return version === undefined ? unavailable(`dist-tag ${request} names no active version`) : { version };
  }
  const problem = rangeProblem(request, { bounded: false });
  if (problem !== undefined) throw new RegistryError("REGISTRY_REQUEST_INVALID", `range ${request}: ${problem}`);
  const statuses = options.allowUnsigned === true ? ["active", "unsigned"] : ["active"];
  const available = Object.keys(index.versions).filter((v) => statuses.includes(statusOf(v) ?? ""));
  const version = selectVersion(available, request, { prerelease: false });
  if (version !== undefined) return { version };
  const unsigned = Object.keys(index.versions).filter((v) => statusOf(v) === "unsigned");
  if (options.allowUnsigned !== true && selectVersion(unsigned, request) !== undefined) {
    throw new RegistryError("REGISTRY_UNSIGNED", `only unsigned (npm-published) versions of ${name} match ${request}; pass --allow-unsigned`);
  }
  return unavailable("no active version matches");
}
