/**
 * `agentgov plugin pack [dir] [--out <dir>] [--json]` (REGISTRY.md §7.1, §8): strict
 * `agentgov-plugin.yaml` → canonical manifest, deterministic tarball; writes `<file>.tgz`
 * and `<file>.manifest.json` to `--out` (default: the current folder).
 */
import { pack } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, pathOf } from "./plugin-common.js";

const USAGE = `Usage: agentgov plugin pack [dir] [--out <dir>] [--json]

  dir          the plugin folder holding agentgov-plugin.yaml (default: the current folder)
  --out <dir>  where to write <file>.tgz and <file>.manifest.json (default: the current folder)
  --json       {name, version, tarball, manifest, size, sha512} on stdout`;

/** `agentgov plugin pack`. */
export const pluginPack: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError("give at most one plugin folder");
  const json = values.json === true;
  return guarded(io, json, async () => {
    const result = await pack(pathOf(io, positionals[0] ?? "."), { outDir: pathOf(io, values.out ?? ".") });
    const { manifest } = result;
    if (json) {
      writeLine(io.stdout, JSON.stringify({
        ok: true, name: manifest.name, version: manifest.version, tarball: result.tarballPath, manifest: result.manifestPath,
        size: manifest.artifact.size, sha512: manifest.artifact.sha512, files: manifest.files.length,
      }));
    } else {
      const c = colours(io.stdout, io.env);
      writeLine(io.stdout, `${c.green("packed")} ${manifest.name}@${manifest.version}: ${manifest.files.length} file(s), ${manifest.artifact.size} bytes`);
      writeLine(io.stdout, `${c.dim("tarball")}  ${result.tarballPath}`);
      writeLine(io.stdout, `${c.dim("manifest")} ${result.manifestPath}`);
    }
    return EXIT_OK;
  });
};
