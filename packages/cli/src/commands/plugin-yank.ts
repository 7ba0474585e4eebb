/**
 * `agentgov plugin yank <name@version> [--publisher <id>] [--reason <text>]` (REGISTRY.md §5.2,
 * §8): posts a `yank` statement signed with your key and verifies the receipt. A yanked
 * version is skipped by ranges; an exact pin still installs it, with a warning.
 */
import { yank } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { REMOTE_OPTIONS, SIGNING_OPTIONS, publisherOf, registryOf, signingKeyOf, splitSpec, tokenOf } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin yank <name@version> [--publisher <id>] [--reason <text>]
                            [--key <file>] [--passphrase-file <file>] [--registry <url>] [--token <token>] [--json]

  --publisher <id>  the owner (default: the scope of a scoped name)`;

/** `agentgov plugin yank`. */
export const pluginYank: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { ...REMOTE_OPTIONS, ...SIGNING_OPTIONS, publisher: { type: "string" }, reason: { type: "string" } });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [spec, ...extra] = positionals;
  if (spec === undefined || extra.length > 0) throw new UsageError("give one <name@version>");
  const { name, range: version } = splitSpec(spec);
  if (version === undefined) throw new UsageError("give the exact version: <name@version>");
  const registry = registryOf(io, values.registry);
  const token = tokenOf(io, values.token);
  const publisher = publisherOf(values.publisher, name);
  const json = values.json === true;
  return guarded(io, json, async () => {
    const key = await signingKeyOf(io, values.key, values["passphrase-file"]);
    try {
      const result = await yank({
        registry, token, home: homeOf(io), signingKeys: [key.secretKey], publisher, name, version,
        ...(values.reason === undefined ? {} : { reason: values.reason }),
      });
      if (json) writeLine(io.stdout, JSON.stringify({ ok: true, name, version, logIndex: result.logIndex }));
      else writeLine(io.stdout, `${colours(io.stdout, io.env).green("yanked")} ${name}@${version} (log index ${String(result.logIndex)})`);
      return EXIT_OK;
    } finally {
      key.secretKey.fill(0);
    }
  });
};
