/**
 * `agentgov plugin keygen [--out <dir>] [--name <name>] [--export minisign] [--passphrase-file <f>] [--json]`
 * (REGISTRY.md §5.1, §8): a new Ed25519 key, its secret sealed with scrypt + AES-256-GCM in
 * `$AGENTGOV_HOME/keys/<name>.key.json` (0600). Prints the key id; never the secret.
 * `--export minisign` also writes the public key in minisign format (`keys/<name>.minisign.pub`,
 * and in `--out` instead of the JSON) and prints it. `--register <url> --publisher <id>` then
 * binds the new key to that publisher on the registry (`key-binding` signed by the new key:
 * proof of possession; token from `--token` or `AGENTGOV_REGISTRY_TOKEN`) and verifies the
 * receipt. A failed binding exits 1 with its code and removes the files this run wrote (the key
 * was never bound), so the command can simply be run again.
 */
import { rm } from "node:fs/promises";
import { bindKey, keygen, loadSigningKey } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf, passphraseOf, pathOf } from "./plugin-common.js";
import { tokenOf } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin keygen [--out <dir>] [--name <name>] [--export minisign] [--passphrase-file <file>] [--json]
                              [--register <url> --publisher <id> [--token <token>]]

  --out <dir>               also write the public key there: JSON {keyid, publicKey}, or minisign
                            format with --export minisign
  --export minisign         also write keys/<name>.minisign.pub and print the minisign public key
  --name <name>             key file name in $AGENTGOV_HOME/keys/ (default: default)
  --passphrase-file <file>  passphrase (first line); else AGENTGOV_KEY_PASSPHRASE; else a prompt on a TTY
  --register <url>          bind the new key to --publisher on that registry (its first key; signed by
                            the new key as proof of possession); token from --token or AGENTGOV_REGISTRY_TOKEN
  --json                    {keyid, publicKey, path, publicKeyPath, exportPath?, minisign?, registered?} on stdout`;

const EXPORT_FORMATS = ["json", "minisign"] as const;

/** `agentgov plugin keygen`. */
export const pluginKeygen: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    out: { type: "string" },
    name: { type: "string" },
    export: { type: "string" },
    "passphrase-file": { type: "string" },
    register: { type: "string" },
    publisher: { type: "string" },
    token: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError("keygen takes no arguments");
  const format = values.export ?? "json";
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--export takes one of: ${EXPORT_FORMATS.join(", ")}`);
  const json = values.json === true;
  const register = values.register;
  if (register === undefined && (values.publisher !== undefined || values.token !== undefined)) throw new UsageError("--publisher and --token go with --register");
  if (register !== undefined && (values.publisher === undefined || values.publisher === "")) throw new UsageError("--register needs --publisher <id>");
  const token = register === undefined ? undefined : tokenOf(io, values.token);
  const passphrase = await passphraseOf(io, values["passphrase-file"], true);
  return guarded(io, json, async () => {
    const result = await keygen({
      passphrase,
      home: homeOf(io),
      ...(values.name === undefined ? {} : { name: values.name }),
      ...(values.out === undefined ? {} : { outDir: pathOf(io, values.out) }),
      export: format as (typeof EXPORT_FORMATS)[number],
    });
    let registered: { registry: string; publisher: string; logIndex: number } | undefined;
    if (register !== undefined && token !== undefined && values.publisher !== undefined) {
      const key = await loadSigningKey({ keyPath: result.path, passphrase, env: io.env, home: homeOf(io) });
      try {
        const bound = await bindKey({ registry: register, token, home: homeOf(io), publisher: values.publisher, signingKey: key.secretKey });
        registered = { registry: register, publisher: values.publisher, logIndex: bound.logIndex };
      } catch (error) {
        // The key was never bound: remove what this run wrote, so that a retry starts clean.
        for (const file of [result.path, result.publicKeyPath, result.exportPath, result.minisign?.path]) {
          if (file !== undefined) await rm(file, { force: true });
        }
        throw error;
      } finally {
        key.secretKey.fill(0);
      }
    }
    if (json) {
      writeLine(io.stdout, JSON.stringify({
        ok: true, keyid: result.keyid, publicKey: result.publicKey, path: result.path, publicKeyPath: result.publicKeyPath,
        ...(result.exportPath === undefined ? {} : { exportPath: result.exportPath }),
        ...(result.minisign === undefined ? {} : { minisign: { publicKey: result.minisign.text, path: result.minisign.path } }),
        ...(registered === undefined ? {} : { registered }),
      }));
    } else {
      const c = colours(io.stdout, io.env);
      writeLine(io.stdout, `${c.green("key")} ${result.keyid}`);
      writeLine(io.stdout, `${c.dim("secret (encrypted)")} ${result.path}`);
      writeLine(io.stdout, `${c.dim("public")} ${result.publicKeyPath}`);
      if (result.exportPath !== undefined) writeLine(io.stdout, `${c.dim("exported")} ${result.exportPath}`);
      if (registered !== undefined) {
        writeLine(io.stdout, `${c.green("bound")} to ${registered.publisher} on ${registered.registry} (log index ${String(registered.logIndex)})`);
      }
      if (result.minisign !== undefined) {
        writeLine(io.stdout, `${c.dim("minisign")} ${result.minisign.path}`);
        io.stdout.write(result.minisign.text);
      }
    }
    return EXIT_OK;
  });
};
