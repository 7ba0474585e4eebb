/**
 * `agentgov plugin revoke <keyid> --publisher <id> [--compromised-since <logIndex>] [--reason <text>]`
 * (REGISTRY.md §5.2, §8): posts a `revoke` statement signed with your key (`--key`,
 * `AGENTGOV_SIGNING_KEY` or the default key: the revoked key itself or another of the
 * publisher's keys) and verifies the receipt. Versions the key signed at log index ≥
 * `--compromised-since` (default: the revocation's own index) stop installing.
 */
import { revoke } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { REMOTE_OPTIONS, SIGNING_OPTIONS, publisherOf, registryOf, signingKeyOf, tokenOf, isKeyIdText } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin revoke <keyid> --publisher <id> [--compromised-since <logIndex>] [--reason <text>]
                              [--key <file>] [--passphrase-file <file>] [--registry <url>] [--token <token>] [--json]

  --compromised-since <n>  versions this key signed at log index >= n are refused (default: the revocation's index)
  --reason <text>          recorded in the statement (default "revoked")
  --key <file>             signing key (default AGENTGOV_SIGNING_KEY, else the default key)`;

/** `agentgov plugin revoke`. */
export const pluginRevoke: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    ...REMOTE_OPTIONS, ...SIGNING_OPTIONS,
    publisher: { type: "string" }, "compromised-since": { type: "string" }, reason: { type: "string" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [keyid, ...extra] = positionals;
  if (keyid === undefined || extra.length > 0 || !isKeyIdText(keyid)) throw new UsageError("give one key id (ed25519:<64 hex>)");
  const since = values["compromised-since"];
  if (since !== undefined && !/^(0|[1-9][0-9]{0,15})$/.test(since)) throw new UsageError("--compromised-since takes a log index");
  const registry = registryOf(io, values.registry);
  const token = tokenOf(io, values.token);
  const publisher = publisherOf(values.publisher);
  const json = values.json === true;
  return guarded(io, json, async () => {
    const key = await signingKeyOf(io, values.key, values["passphrase-file"]);
    try {
      const result = await revoke({
        registry, token, home: homeOf(io), signingKeys: [key.secretKey], publisher, keyid: keyid as Parameters<typeof revoke>[0]["keyid"], reason: values.reason ?? "revoked",
        ...(since === undefined ? {} : { compromisedSince: Number(since) }),
      });
      if (json) writeLine(io.stdout, JSON.stringify({ ok: true, keyid, publisher, logIndex: result.logIndex, compromisedSince: since === undefined ? result.logIndex : Number(since) }));
      else writeLine(io.stdout, `${colours(io.stdout, io.env).green("revoked")} ${keyid} of ${publisher} (log index ${String(result.logIndex)})`);
      return EXIT_OK;
    } finally {
      key.secretKey.fill(0);
    }
  });
};
