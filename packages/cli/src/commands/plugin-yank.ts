/**
 * `agentgov plugin yank <name@version> [--publisher <id>] [--reason <text>]` (REGISTRY.md §5.2,
 * §8): posts a `yank` statement signed with your key and verifies the receipt. A yanked
 * version is skipped by ranges; an exact pin still installs it, with a warning.
 * `--block [--purge]` (registry admin): posts a `block` statement instead, signed with the
 * registry's `admin` role key (`--key` or `AGENTGOV_SIGNING_KEY`) under an admin-scoped token;
 * the version is never installable again (`--purge` also deletes its bytes).
 */
import { block, yank } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { REMOTE_OPTIONS, SIGNING_OPTIONS, publisherOf, registryOf, signingKeyOf, splitSpec, tokenOf } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin yank <name@version> [--publisher <id>] [--reason <text>]
                            [--key <file>] [--passphrase-file <file>] [--registry <url>] [--token <token>] [--json]
       agentgov plugin yank <name@version> --block [--purge] [--reason <text>] [--key <file>] [--registry <url>] [--token <token>] [--json]

  --publisher <id>  the owner (default: the scope of a scoped name)
  --block           registry admin: never installable again (signed with the admin role key,
                    admin-scoped token); the row, log entry and version number stay
  --purge           with --block: also delete the bytes (blob fetches answer 410)`;

/** `agentgov plugin yank`. */
export const pluginYank: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { ...REMOTE_OPTIONS, ...SIGNING_OPTIONS, publisher: { type: "string" }, reason: { type: "string" },
    block: { type: "boolean" }, purge: { type: "boolean" },
  });
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
  const json = values.json === true;
  if (values.purge === true && values.block !== true) throw new UsageError("--purge goes with --block");
  if (values.block === true) {
    if (values.publisher !== undefined) throw new UsageError("--block takes no --publisher (the admin blocks any version)");
    return guarded(io, json, async () => {
      const key = await signingKeyOf(io, values.key, values["passphrase-file"]);
      try {
        const result = await block({
          registry, token, home: homeOf(io), signingKeys: [key.secretKey], name, version, reason: values.reason ?? "blocked",
          ...(values.purge === true ? { purge: true } : {}),
        });
        if (json) writeLine(io.stdout, JSON.stringify({ ok: true, name, version, blocked: true, purged: values.purge === true, logIndex: result.logIndex }));
        else writeLine(io.stdout, `${colours(io.stdout, io.env).green("blocked")} ${name}@${version}${values.purge === true ? " (bytes purged)" : ""} (log index ${String(result.logIndex)})`);
        return EXIT_OK;
      } finally {
        key.secretKey.fill(0);
      }
    });
  }
  const publisher = publisherOf(values.publisher, name);
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
