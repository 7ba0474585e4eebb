/** Local file names of `pack` and `sign` (REGISTRY.md §7.1): a scoped name's `/` becomes `+`. */

/** `<name with / as +>-<version>`, e.g. `@acme+web-search-1.4.2`. */
export function localBaseName(name: string, version: string): string {
  return `${name.replace("/", "+")}-${version}`;
}

/** The manifest JSON written beside a tarball: `x.tgz` → `x.manifest.json`. */
export function manifestPathFor(tarballPath: string): string {
  return `${stripTgz(tarballPath)}.manifest.json`;
}

/** The envelope beside a tarball: `x.tgz` → `x.agentsig.json`. */
export function envelopePathFor(tarballPath: string): string {
  return `${stripTgz(tarballPath)}.agentsig.json`;
}

function stripTgz(path: string): string {
  return path.endsWith(".tgz") ? path.slice(0, -".tgz".length) : path;
}
