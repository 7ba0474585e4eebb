/**
 * The files of a plugin folder that go into its tarball: regular files and their folders
 * only (a symlink or any other special file is `REGISTRY_ARCHIVE_UNSAFE`), each path checked
 * against the archive rules, sorted by byte order. Skipped: `.git/` and the authoring
 * outputs named in `exclude` at the top level.
 */
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { ARCHIVE_ROOT, ArchiveBudget, ArchivePathSet, DEFAULT_LIMITS, RegistryError, type ProtocolLimits } from "@agentgov/registry-protocol";

/** One regular source file. */
export interface SourceFile {
  /** Path relative to the plugin folder, `/`-separated. */
  relative: string;
  /** Absolute source path. */
  absolute: string;
  size: number;
  /** Any execute bit set on the source. */
  exec: boolean;
}

/** Byte-order comparison of two strings' UTF-8 encodings. */
export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Walks `root` and returns its regular files (sorted by the byte order of their archive paths) and folders. */
export async function collectSourceFiles(
  root: string,
  exclude: ReadonlySet<string>,
  limits: ProtocolLimits = DEFAULT_LIMITS,
): Promise<{ files: SourceFile[]; folders: string[] }> {
  const files: SourceFile[] = [];
  const folders: string[] = [];
  const paths = new ArchivePathSet();
  const budget = new ArchiveBudget(limits);
  paths.add(`${ARCHIVE_ROOT}/`, "Directory", limits);
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(relative === "" ? root : join(root, relative));
    for (const name of entries) {
      const rel = relative === "" ? name : `${relative}/${name}`;
      if (relative === "" && (name === ".git" || exclude.has(name))) continue;
      const absolute = join(root, rel);
      const stat = await lstat(absolute);
      if (stat.isSymbolicLink()) throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "source symlinks are not allowed", { path: rel });
      if (stat.isDirectory()) {
        paths.add(`${ARCHIVE_ROOT}/${rel}/`, "Directory", limits);
        folders.push(rel);
        await walk(rel);
      } else if (stat.isFile()) {
        paths.add(`${ARCHIVE_ROOT}/${rel}`, "File", limits);
        budget.addFile(stat.size, rel);
        files.push({ relative: rel, absolute, size: stat.size, exec: (stat.mode & 0o111) !== 0 });
      } else {
        throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "only regular files and folders can be packed", { path: rel });
      }
    }
  };
  await walk("");
  files.sort((a, b) => compareBytes(a.relative, b.relative));
  return { files, folders };
}
