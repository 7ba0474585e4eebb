/**
 * `agentgov plugin verify <tgz> [envelope] [--json]` (REGISTRY.md §7.1, §8), offline: the
 * envelope's signature, JCS payload, manifest schema and the trust policy of
 * `$AGENTGOV_HOME/trust.json`, then the tarball's size and SHA-512. The envelope defaults to
 * `<file>.agentsig.json` beside the tarball. `verify --installed <name>` instead re-verifies
 * an installed plugin from its folder and the current folder's `agentgov-lock.json` (stored
 * envelope under the trust policy, manifest digest = lockfile's, tree re-hashed).
 * Exit 0 verified, 1 rejected (stable code), 2 usage.
 */
import { envelopePathFor, loadTrustStore, verify, verifyInstalled } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type CliIo, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf, pathOf, reject } from "./plugin-common.js";

const USAGE = `Usage: agentgov plugin verify <tgz> [envelope] [--json]
       agentgov plugin verify --installed <name> [--json]

  envelope            the DSSE envelope (default: <file>.agentsig.json beside the tarball)
  --installed <name>  re-verify the installed plugin <name> (lockfile in the current folder)
  --json              {ok, name, version, keyids, sha512, mode} (--installed: {ok, name, version,
                      dir, keyids, capabilitiesSha256, mode}) or {ok:false, code, message} on stdout

Exit codes: 0 verified, 1 rejected (REGISTRY_… code), 2 usage error.`;

/** `agentgov plugin verify`. */
export const pluginVerify: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    json: { type: "boolean" },
    installed: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const json = values.json === true;
  if (values.installed !== undefined) {
    if (positionals.length > 0) throw new UsageError("--installed takes a plugin name and no tarball");
    return verifyInstalledCommand(io, values.installed, json);
  }
  const [tgz, envelope, ...extra] = positionals;
  if (tgz === undefined || extra.length > 0) throw new UsageError("give a tarball and optionally its envelope");
  return guarded(io, json, async () => {
    const tarballPath = pathOf(io, tgz);
    const envelopePath = envelope === undefined ? envelopePathFor(tarballPath) : pathOf(io, envelope);
    const store = await loadTrustStore(homeOf(io));
    const result = await verify(tarballPath, envelopePath, { store });
    if (!result.ok) return reject(io, json, result.error);
    const { manifest } = result;
    if (json) {
      writeLine(io.stdout, JSON.stringify({
        ok: true, name: manifest.name, version: manifest.version, publisher: manifest.publisher, keyids: result.keyids,
        size: result.size, sha512: manifest.artifact.sha512, mode: result.trust?.mode ?? null, firstUse: result.trust?.firstUse ?? false,
      }));
    } else {
      const c = colours(io.stdout, io.env);
      const how = result.trust === undefined ? "" : ` (${result.trust.mode} policy '${result.trust.match}')`;
      writeLine(io.stdout, `${c.green("verified")} ${manifest.name}@${manifest.version} by ${manifest.publisher}, signed by ${result.keyids.join(", ")}${how}`);
    }
    return EXIT_OK;
  });
};

/** `verify --installed <name>`. */
function verifyInstalledCommand(io: CliIo, name: string, json: boolean): Promise<number> {
  return guarded(io, json, async () => {
    const { grant, dir, trust } = await verifyInstalled(name, { home: homeOf(io), projectDir: io.cwd });
    if (json) {
      writeLine(io.stdout, JSON.stringify({
        ok: true, name: grant.plugin, version: grant.version, dir, keyids: grant.keyids,
        capabilitiesSha256: grant.capabilitiesSha256, mode: trust.mode,
      }));
    } else {
      const c = colours(io.stdout, io.env);
      writeLine(io.stdout, `${c.green("verified")} installed ${grant.plugin}@${grant.version} in ${dir}, signed by ${grant.keyids.join(", ")} (${trust.mode} policy '${trust.match}')`);
    }
    return EXIT_OK;
  });
}
