/**
 * `agentgov plugin rotate --publisher <id> [--add <secret-key-file>]... [--remove <keyid>]... [--threshold N]`
 * (REGISTRY.md §5.2, §8): posts a `rotate` statement signed by your current key (`--key`,
 * `AGENTGOV_SIGNING_KEY` or the default key) **and** by every added key (proof of
 * possession, so an added key is given as its encrypted secret-key file, opened with the same
 * passphrase), then verifies the receipt.
 */
import { loadSigningKey, rotate, type SigningKey } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf, passphraseOf, pathOf } from "./plugin-common.js";
import { REMOTE_OPTIONS, SIGNING_OPTIONS, publisherOf, registryOf, signingKeyOf, tokenOf, isKeyIdText } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin rotate --publisher <id> [--add <secret-key-file>]... [--remove <keyid>]... [--threshold N]
                              [--key <file>] [--passphrase-file <file>] [--registry <url>] [--token <token>] [--json]

  --add <file>      a new key's encrypted secret key file (it signs the rotation: proof of possession)
  --remove <keyid>  a key to remove
  --threshold N     new signing threshold`;

/** `agentgov plugin rotate`. */
export const pluginRotate: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    ...REMOTE_OPTIONS, ...SIGNING_OPTIONS,
    publisher: { type: "string" }, add: { type: "string", multiple: true }, remove: { type: "string", multiple: true }, threshold: { type: "string" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError("rotate takes options only");
  const remove = values.remove ?? [];
  if (remove.some((k) => !isKeyIdText(k))) throw new UsageError("--remove takes key ids (ed25519:<64 hex>)");
  const threshold = values.threshold;
  if (threshold !== undefined && !/^[1-9][0-9]?$/.test(threshold)) throw new UsageError("--threshold takes a small positive integer");
  const adds = values.add ?? [];
  if (adds.length === 0 && remove.length === 0 && threshold === undefined) throw new UsageError("nothing to rotate: give --add, --remove or --threshold");
  const registry = registryOf(io, values.registry);
  const token = tokenOf(io, values.token);
  const publisher = publisherOf(values.publisher);
  const json = values.json === true;
  const passphrase = adds.length > 0 ? await passphraseOf(io, values["passphrase-file"], false) : undefined;
  return guarded(io, json, async () => {
    const keys: SigningKey[] = [await signingKeyOf(io, values.key, values["passphrase-file"])];
    try {
      for (const file of adds) keys.push(await loadSigningKey({ env: {}, home: homeOf(io), keyPath: pathOf(io, file), ...(passphrase === undefined ? {} : { passphrase }) }));
      const result = await rotate({
        registry, token, home: homeOf(io), signingKeys: keys.map((k) => k.secretKey), publisher,
        add: keys.slice(1).map((k) => k.publicKey), remove: remove as Parameters<typeof rotate>[0]["remove"],
        ...(threshold === undefined ? {} : { threshold: Number(threshold) }),
      });
      const added = keys.slice(1).map((k) => k.keyid);
      if (json) writeLine(io.stdout, JSON.stringify({ ok: true, publisher, added, removed: remove, logIndex: result.logIndex }));
      else writeLine(io.stdout, `${colours(io.stdout, io.env).green("rotated")} ${publisher}: +${String(added.length)} −${String(remove.length)} (log index ${String(result.logIndex)})`);
      return EXIT_OK;
    } finally {
      for (const k of keys) k.secretKey.fill(0);
    }
  });
};
