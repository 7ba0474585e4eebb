/**
 * `agentgov plugin install <tgz> <envelope> [--yes-capabilities=<sha256>] [--json]`
 * (REGISTRY.md §7.2 minus the network steps, §8): verifies the envelope against the trust
 * policy of `$AGENTGOV_HOME/trust.json`, then `installLocal` (lock, staging, digest, two-pass
 * safe extraction, exact tree match, consent, atomic rename into
 * `$AGENTGOV_HOME/plugins/<name>@<version>/`, `agentgov-lock.json` in the current folder last).
 * A `tofu` first use pins the signers at commit, before the lockfile. Consent: a prompt when stdin is a TTY,
 * otherwise `--yes-capabilities` must equal sha256(JCS(capabilities)), else
 * `REGISTRY_CONSENT_REQUIRED` (exit 1; the message names the value).
 */
import { installTrusted } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type CliIo, type Command, EXIT_OK, writeLine } from "../io.js";
import { ask, guarded, homeOf, pathOf, stdinIsTty } from "./plugin-common.js";

const USAGE = `Usage: agentgov plugin install <tgz> <envelope> [--yes-capabilities=<sha256>] [--json]

  --yes-capabilities=<sha256>  non-interactive consent to exactly these capabilities
                               (sha256 of their canonical JSON; a refusal names the value)
  --json                       {ok, name, version, dir, created, keyids, capabilitiesSha256} on stdout

The plugin is installed under $AGENTGOV_HOME/plugins/; agentgov-lock.json is written to the
current folder. Exit codes: 0 installed, 1 rejected (REGISTRY_… code), 2 usage error.`;

/** `agentgov plugin install`. */
export const pluginInstall: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    "yes-capabilities": { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const [tgz, envelope, ...extra] = positionals;
  if (tgz === undefined || envelope === undefined || extra.length > 0) throw new UsageError("give a tarball and its envelope");
  const yes = values["yes-capabilities"];
  if (yes !== undefined && !/^[0-9a-f]{64}$/.test(yes)) throw new UsageError("--yes-capabilities takes 64 lowercase hex digits");
  const json = values.json === true;
  return guarded(io, json, async () => {
    const result = await installTrusted(pathOf(io, tgz), pathOf(io, envelope), {
      home: homeOf(io),
      projectDir: io.cwd,
      ...(yes !== undefined ? { yesCapabilities: yes } : stdinIsTty(io) ? { confirm: (request) => confirm(io, request) } : {}),
    });
    const decision = result.trust;
    const { grant } = result;
    if (json) {
      writeLine(io.stdout, JSON.stringify({
        ok: true, name: grant.plugin, version: grant.version, dir: result.dir, created: result.created,
        keyids: grant.keyids, capabilitiesSha256: grant.capabilitiesSha256, pinned: decision.firstUse,
      }));
    } else {
      const c = colours(io.stdout, io.env);
      writeLine(io.stdout, `${c.green(result.created ? "installed" : "already installed")} ${grant.plugin}@${grant.version} → ${result.dir}`);
      if (decision.firstUse) writeLine(io.stdout, `${c.yellow("pinned")} ${result.publisher} to ${grant.keyids.join(", ")} (trust on first use)`);
    }
    return EXIT_OK;
  });
};

async function confirm(io: CliIo, request: { capabilities: unknown; capabilitiesSha256: string; previous?: string }): Promise<boolean> {
  const c = colours(io.stderr, io.env);
  writeLine(io.stderr, c.yellow(request.previous === undefined ? "This plugin asks for:" : "This plugin's capabilities changed; it now asks for:"));
  writeLine(io.stderr, JSON.stringify(request.capabilities, null, 2));
  writeLine(io.stderr, c.dim(`capabilities sha256 ${request.capabilitiesSha256}`));
  const answer = await ask(io, "Install with these capabilities? [y/N] ", false);
  return /^y(es)?$/i.test(answer.trim());
}
