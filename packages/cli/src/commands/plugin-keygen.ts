/**
 * `agentgov plugin keygen [--out <dir>] [--name <name>] [--passphrase-file <f>] [--json]`
 * (REGISTRY.md §5.1, §8): a new Ed25519 key, its secret sealed with scrypt + AES-256-GCM in
 * `$AGENTGOV_HOME/keys/<name>.key.json` (0600). Prints the key id; never the secret.
 * `--register` and `--export minisign` need the registry server (part 2) and are not offered yet.
 */
import { keygen } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf, passphraseOf, pathOf } from "./plugin-common.js";

const USAGE = `Usage: agentgov plugin keygen [--out <dir>] [--name <name>] [--passphrase-file <file>] [--json]

  --out <dir>               also write the public key JSON {keyid, publicKey} there
  --name <name>             key file name in $AGENTGOV_HOME/keys/ (default: default)
  --passphrase-file <file>  passphrase (first line); else AGENTGOV_KEY_PASSPHRASE; else a prompt on a TTY
  --json                    {keyid, publicKey, path, publicKeyPath} on stdout`;

/** `agentgov plugin keygen`. */
export const pluginKeygen: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: "string" },
    name: { type: "string" },
    "passphrase-file": { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError("keygen takes no arguments");
  const json = values.json === true;
  const passphrase = await passphraseOf(io, values["passphrase-file"], true);
  return guarded(io, json, async () => {
    const result = await keygen({
      passphrase,
      home: homeOf(io),
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values.out === undefined ? {} : { outDir: pathOf(io, values.out) }),
    });
    if (json) {
      writeLine(io.stdout, JSON.stringify({ ok: true, keyid: result.keyid, publicKey: result.publicKey, path: result.path, publicKeyPath: result.publicKeyPath }));
    } else {
      const c = colours(io.stdout, io.env);
      writeLine(io.stdout, `${c.green("key")} ${result.keyid}`);
      writeLine(io.stdout, `${c.dim("secret (encrypted)")} ${result.path}`);
      writeLine(io.stdout, `${c.dim("public")} ${result.publicKeyPath}`);
    }
    return EXIT_OK;
  });
};
