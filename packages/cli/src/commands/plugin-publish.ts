/**
 * `agentgov plugin publish <tgz> [envelope] [--registry URL] [--token T] [--json]`
 * (REGISTRY.md §6.2, §8): uploads a packed, signed plugin (the envelope defaults to the one
 * `sign` wrote beside the tarball) and reports success only after verifying the receipt:
 * the log entry names this version, tarball and manifest, and is proven included in a
 * checkpoint signed by the registry's log key and consistent with what this home saw.
 */
import { envelopePathFor, publish } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf, pathOf } from "./plugin-common.js";
import { REMOTE_OPTIONS, progressOf, registryOf, tokenOf } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin publish <tgz> [envelope] [--registry <url>] [--token <token>] [--json]

  <tgz>             tarball from 'agentgov plugin pack'
  [envelope]        DSSE envelope (default: the .agentsig.json that 'plugin sign' wrote beside it)
  --registry <url>  registry (default AGENTGOV_REGISTRY)
  --token <token>   publish token (default AGENTGOV_REGISTRY_TOKEN)
  --json            {ok, name, version, logIndex, sha512, treeSize} on stdout

Exit codes: 0 published (receipt verified), 1 rejected (REGISTRY_… code), 2 usage error.`;

/** `agentgov plugin publish`. */
export const pluginPublish: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, REMOTE_OPTIONS);
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [tgz, envelope, ...extra] = positionals;
  if (tgz === undefined || extra.length > 0) throw new UsageError("give a tarball and optionally its envelope");
  const registry = registryOf(io, values.registry);
  const token = tokenOf(io, values.token);
  const json = values.json === true;
  return guarded(io, json, async () => {
    const tarball = pathOf(io, tgz);
    const result = await publish(tarball, envelope === undefined ? envelopePathFor(tarball) : pathOf(io, envelope), {
      registry, token, home: homeOf(io), onProgress: progressOf(io),
    });
    if (json) {
      writeLine(io.stdout, JSON.stringify({ ok: true, name: result.name, version: result.version, logIndex: result.logIndex, sha512: result.sha512, treeSize: result.treeSize }));
    } else {
      writeLine(io.stdout, `${colours(io.stdout, io.env).green("published")} ${result.name}@${result.version} (log index ${String(result.logIndex)}, receipt verified)`);
    }
    return EXIT_OK;
  });
};
