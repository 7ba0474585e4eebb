/** Package and publisher names (REGISTRY.md §4.3). */

const NAME = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;
const PUBLISHER = /^[a-z0-9][a-z0-9-]{0,38}$/;

/** Longest package name, characters. */
export const MAX_NAME_LENGTH = 214;

/** Why `name` is not a valid package name, or `undefined`. */
export function packageNameProblem(name: string): string | undefined {
  if (name.length > MAX_NAME_LENGTH) return `longer than ${MAX_NAME_LENGTH} characters`;
  if (!NAME.test(name)) return "must match (@scope/)?name in lowercase [a-z0-9._~-]";
  return undefined;
}

/** True for a valid publisher id. */
export function isPublisherId(value: string): boolean {
  return PUBLISHER.test(value);
}

/** The scope of a scoped name without `@` (`@acme/x` → `acme`), else `undefined`. */
export function scopeOf(name: string): string | undefined {
  return name.startsWith("@") ? name.slice(1, name.indexOf("/")) : undefined;
}

/** The name without its scope (`@acme/web-search` → `web-search`). */
export function unscopedName(name: string): string {
  return name.startsWith("@") ? name.slice(name.indexOf("/") + 1) : name;
}

/**
 * The key two names must not share (confusables): the name with `.`, `_`, `-` and `~`
 * removed. A registry refuses a new name whose key equals an existing name's.
 */
export function confusableKey(name: string): string {
  return name.replace(/[._~-]/g, "");
}

/** `artifact.filename` of a version: `<unscoped name>-<version>.tgz` (§4.3). */
export function artifactFilename(name: string, version: string): string {
  return `${unscopedName(name)}-${version}.tgz`;
}
