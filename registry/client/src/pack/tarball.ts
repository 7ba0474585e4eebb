/**
 * The deterministic tarball of REGISTRY.md §7.1, built with node-tar: entries under
 * `package/` (files and their parent folders only) sorted by byte order, modes 0644/0755,
 * uid/gid 0 without owner names (`portable`), a fixed mtime, and node-tar's portable gzip
 * header. The tree is first staged in a private temp folder with exact modes, so the source
 * folder's modes, owners, times and umask never leak in.
 */
import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "tar";
import { ARCHIVE_ROOT, RegistryError } from "@agentgov/registry-protocol";
import { compareBytes } from "./source-tree.js";

/** The fixed mtime of every file entry: 1985-10-26T08:15:00Z (npm's choice). */
export const FIXED_MTIME = new Date("1985-10-26T08:15:00Z");

/** One file of the tarball. */
export interface TarballFile {
  /** Path under `package/`, `/`-separated (e.g. `lib/index.js`). */
  path: string;
  data: Uint8Array;
  /** Archived as 0755 when true, else 0644. */
  exec: boolean;
}

/** Builds the gzipped tarball of `files` and returns its bytes; the same files always give the same bytes. */
export async function buildTarball(files: readonly TarballFile[]): Promise<Buffer> {
  const stage = await mkdtemp(join(tmpdir(), "agentgov-pack-"));
  try {
    const folders = new Set<string>([ARCHIVE_ROOT]);
    const names: string[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      const path = `${ARCHIVE_ROOT}/${file.path}`;
      if (seen.has(path)) throw new RegistryError("REGISTRY_ARCHIVE_UNSAFE", "duplicate path", { path });
      seen.add(path);
      const segments = path.split("/");
      for (let i = 2; i < segments.length; i++) folders.add(segments.slice(0, i).join("/"));
      names.push(path);
    }
    for (const folder of [...folders].sort(compareBytes)) {
      await mkdir(join(stage, folder), { recursive: true });
      await chmod(join(stage, folder), 0o755);
    }
    for (const file of files) {
      const target = join(stage, ARCHIVE_ROOT, file.path);
      await writeFile(target, file.data, { flag: "wx" });
      await chmod(target, file.exec ? 0o755 : 0o644);
      await utimes(target, FIXED_MTIME, FIXED_MTIME);
    }
    // Archive names: folders carry a trailing "/" in the header, and sort with it.
    const order = [...[...folders].map((f) => ({ arg: f, key: `${f}/` })), ...names.map((n) => ({ arg: n, key: n }))]
      .sort((a, b) => compareBytes(a.key, b.key))
      .map((e) => e.arg);
    const stream = create({
      cwd: stage, gzip: { level: 9 }, portable: true, mtime: FIXED_MTIME, noDirRecurse: true,
      follow: false, strict: true,
    }, order);
    const chunks: Buffer[] = [];
    for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
