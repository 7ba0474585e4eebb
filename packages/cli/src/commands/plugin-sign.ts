/**
 * `agentgov plugin sign <tgz> [--threshold-cosign] [--key <file>] [--passphrase-file <f>] [--json]`
 * (REGISTRY.md §5.1, §7.1, §8): the DSSE envelope `<file>.agentsig.json` beside the tarball,
 * over the manifest `pack` wrote. Key precedence: `--key`, then `AGENTGOV_SIGNING_KEY`
 * (no passphrase needed), then the default key in `$AGENTGOV_HOME/keys/`.
 * `--threshold-cosign` adds this key's signature to the existing envelope instead (same
 * payload, checked against the tarball), for publishers whose trust policy needs N signers.
 */
import { cosign, loadSigningKey, sign } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf, passphraseOf, pathOf } from "./plugin-common.js";

const USAGE = `Usage: agentgov plugin sign <tgz> [--threshold-cosign] [--key <file>] [--passphrase-file <file>] [--json]

  --threshold-cosign        co-sign: add this key's signature to the existing <file>.agentsig.json
                            (same payload; the tarball must be the signed one; a key signs once)
  --key <file>              encrypted secret key file (default: AGENTGOV_SIGNING_KEY, else
                            $AGENTGOV_HOME/keys/default.key.json)
  --passphrase-file <file>  passphrase (first line); else AGENTGOV_KEY_PASSPHRASE; else a prompt on a TTY
  --json                    {envelope, keyid, keyids, name, version, cosigned} on stdout`;

/** `agentgov plugin sign`. */
export const pluginSign: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    key: { type: "string" },
    "threshold-cosign": { type: "boolean" },
    "passphrase-file": { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [tgz, ...extra] = positionals;
  if (tgz === undefined || extra.length > 0) throw new UsageError("give exactly one tarball");
  const json = values.json === true;
  const fromEnv = io.env.AGENTGOV_SIGNING_KEY;
  const needsPassphrase = values.key !== undefined || fromEnv === undefined || fromEnv === "";
  const passphrase = needsPassphrase ? await passphraseOf(io, values["passphrase-file"], false) : undefined;
  return guarded(io, json, async () => {
    const key = await loadSigningKey({
      env: io.env,
      home: homeOf(io),
      ...(values.key === undefined ? {} : { keyPath: pathOf(io, values.key) }),
      ...(passphrase === undefined ? {} : { passphrase }),
    });
    try {
      const cosigned = values["threshold-cosign"] === true;
      const result = cosigned ? await cosign(pathOf(io, tgz), [key.secretKey]) : await sign(pathOf(io, tgz), [key.secretKey]);
      const keyids = result.envelope.signatures.map((s) => s.keyid);
      if (json) {
        writeLine(io.stdout, JSON.stringify({
          ok: true, envelope: result.envelopePath, keyid: key.keyid, keyids, name: result.manifest.name, version: result.manifest.version, cosigned,
        }));
      } else {
        const c = colours(io.stdout, io.env);
        writeLine(io.stdout, `${c.green(cosigned ? "co-signed" : "signed")} ${result.manifest.name}@${result.manifest.version} with ${key.keyid}${cosigned ? ` (${String(keyids.length)} signatures)` : ""}`);
        writeLine(io.stdout, `${c.dim("envelope")} ${result.envelopePath}`);
      }
      return EXIT_OK;
    } finally {
      key.secretKey.fill(0);
    }
  });
};
