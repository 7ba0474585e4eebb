/**
 * `agentgov plugin install <name>[@range] [--registry URL] …` installs from a registry
 * (REGISTRY.md §7.2, every network step: see `installFromRegistry`);
 * `--frozen-lockfile` pins resolution to `agentgov-lock.json` and fails unless the result equals it
 * (without a name: every locked plugin, as one atomic set);
 * `agentgov plugin install <tgz> <envelope> [--yes-capabilities=<sha256>] [--json]`
 * installs local files (§7.2 minus the network steps, §8). The local path verifies the envelope against the trust
 * policy of `$AGENTGOV_HOME/trust.json`, then `installLocal` (lock, staging, digest, two-pass
 * safe extraction, exact tree match, consent, atomic rename into
 * `$AGENTGOV_HOME/plugins/<name>@<version>/`, `agentgov-lock.json` in the current folder last).
 * A `tofu` first use pins the signers at commit, before the lockfile. Consent: a prompt when stdin is a TTY,
 * otherwise `--yes-capabilities` must equal sha256(JCS(capabilities)), else
 * `REGISTRY_CONSENT_REQUIRED` (exit 1; the message names the value).
 */
import { installFromLockfile, installFromRegistry, installTrusted, type InstallFromRegistryResult } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type CliIo, type Command, EXIT_OK, writeLine } from "../io.js";
import { ask, guarded, homeOf, pathOf, stdinIsTty } from "./plugin-common.js";
import { progressOf, registryOf, splitSpec } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin install <name>[@range] [--registry <url>] [--allow-unsigned] [--prerelease]
                               [--allow-downgrade] [--frozen-lockfile] [--yes-capabilities=<sha256>]... [--json]
       agentgov plugin install --frozen-lockfile [--registry <url>] [--json]
       agentgov plugin install <tgz> <envelope> [--yes-capabilities=<sha256>] [--json]

  <name>[@range]               from a registry: a version, a range (^1.2.0) or a dist-tag (default latest)
  --registry <url>             registry (default AGENTGOV_REGISTRY)
  --allow-unsigned             install npm-published (unsigned) versions: checked only against the
                               registry's SHA-512, safely extracted, EMPTY grant (no capabilities),
                               marked "unsigned": true in agentgov-lock.json; a warning is printed
  --prerelease                 allow an exactly named prerelease
  --allow-downgrade            allow a version below the one in agentgov-lock.json
  --frozen-lockfile            install exactly the versions, bytes, keys and grants agentgov-lock.json
                               records (without a name: every plugin in it); fail, changing nothing,
                               if resolution would change the lockfile; the lockfile is not rewritten
  --yes-capabilities=<sha256>  non-interactive consent to exactly these capabilities
                               (sha256 of their canonical JSON; a refusal names the value);
                               repeat it for dependencies
  --json                       {ok, name, version, dir, created, keyids, capabilitiesSha256, unsigned, …} on stdout

The plugin is installed under $AGENTGOV_HOME/plugins/; agentgov-lock.json is written to the
current folder. Exit codes: 0 installed, 1 rejected (REGISTRY_… code), 2 usage error.`;

/** `agentgov plugin install`. */
export const pluginInstall: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    "yes-capabilities": { type: "string", multiple: true },
    registry: { type: "string" },
    "allow-unsigned": { type: "boolean" },
    prerelease: { type: "boolean" },
    "allow-downgrade": { type: "boolean" },
    "frozen-lockfile": { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const yesList = values["yes-capabilities"] ?? [];
  if (yesList.some((y) => !/^[0-9a-f]{64}$/.test(y))) throw new UsageError("--yes-capabilities takes 64 lowercase hex digits");
  const json = values.json === true;
  const frozen = values["frozen-lockfile"] === true;
  if (frozen && positionals.length === 0) {
    return installLocked(io, json, { registry: registryOf(io, values.registry), allowUnsigned: values["allow-unsigned"] === true });
  }
  if (positionals.length === 1 && positionals[0] !== undefined) {
    if (positionals[0].endsWith(".tgz")) throw new UsageError("a local install needs the tarball and its envelope");
    return installRemote(io, positionals[0], yesList, json, {
      registry: registryOf(io, values.registry), allowUnsigned: values["allow-unsigned"] === true,
      prerelease: values.prerelease === true, allowDowngrade: values["allow-downgrade"] === true, frozenLockfile: frozen,
    });
  }
  if (frozen) throw new UsageError("--frozen-lockfile installs from a registry: give <name>[@range] or nothing");
  const [tgz, envelope, ...extra] = positionals;
  if (tgz === undefined || envelope === undefined || extra.length > 0) throw new UsageError("give <name>[@range], or a tarball and its envelope");
  if (yesList.length > 1) throw new UsageError("a local install takes one --yes-capabilities");
  const yes = yesList[0];
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

async function installRemote(
  io: CliIo, spec: string, yes: string[], json: boolean,
  flags: { registry: string; allowUnsigned: boolean; prerelease: boolean; allowDowngrade: boolean; frozenLockfile: boolean },
): Promise<number> {
  const { name, range } = splitSpec(spec);
  return guarded(io, json, async () => {
    const result: InstallFromRegistryResult = await installFromRegistry(name, range, {
      registry: flags.registry, home: homeOf(io), project: io.cwd, onProgress: progressOf(io),
      allowUnsigned: flags.allowUnsigned, prerelease: flags.prerelease, allowDowngrade: flags.allowDowngrade, frozenLockfile: flags.frozenLockfile,
      onWarning: (message) => { writeLine(io.stderr, `${colours(io.stderr, io.env).yellow("warning")} ${message}`); },
      ...(yes.length > 0 ? { yesCapabilities: yes } : stdinIsTty(io) ? { confirm: (request) => confirm(io, request) } : {}),
    });
    const { grant } = result;
    if (json) {
      writeLine(io.stdout, JSON.stringify({
        ok: true, name: grant.plugin, version: grant.version, dir: result.dir, created: result.created, keyids: grant.keyids,
        capabilitiesSha256: grant.capabilitiesSha256, pinned: result.pinned, unsigned: result.unsigned, logIndex: result.logIndex, registry: result.registry,
        dependencies: result.dependencies.map((d) => ({ name: d.name, version: d.version, dir: d.dir, unsigned: d.unsigned })), warnings: result.warnings,
      }));
    } else {
      const c = colours(io.stdout, io.env);
      const tag = (unsigned: boolean): string => (unsigned ? ` ${c.yellow("UNSIGNED, empty grant")}` : "");
      for (const d of result.dependencies) writeLine(io.stdout, `${c.green(d.created ? "installed" : "already installed")} ${d.name}@${d.version} (dependency)${tag(d.unsigned)} → ${d.dir}`);
      writeLine(io.stdout, `${c.green(result.created ? "installed" : "already installed")} ${grant.plugin}@${grant.version}${tag(result.unsigned)} → ${result.dir} (log index ${String(result.logIndex)})`);
      if (result.pinned) writeLine(io.stdout, `${c.yellow("pinned")} ${grant.keyids.join(", ")} (trust on first use)`);
    }
    return EXIT_OK;
  });
}

/** `install --frozen-lockfile` without a name: every plugin of the lockfile, exactly as locked. */
async function installLocked(io: CliIo, json: boolean, flags: { registry: string; allowUnsigned: boolean }): Promise<number> {
  return guarded(io, json, async () => {
    const result = await installFromLockfile({
      registry: flags.registry, home: homeOf(io), project: io.cwd, onProgress: progressOf(io), allowUnsigned: flags.allowUnsigned,
      onWarning: (message) => { writeLine(io.stderr, `${colours(io.stderr, io.env).yellow("warning")} ${message}`); },
    });
    if (json) {
      writeLine(io.stdout, JSON.stringify({
        ok: true, registry: result.registry, warnings: result.warnings,
        installed: result.installed.map((p) => ({ name: p.name, version: p.version, dir: p.dir, created: p.created, unsigned: p.unsigned, logIndex: p.logIndex })),
      }));
    } else {
      const c = colours(io.stdout, io.env);
      for (const p of result.installed) writeLine(io.stdout, `${c.green(p.created ? "installed" : "already installed")} ${p.name}@${p.version} → ${p.dir}`);
    }
    return EXIT_OK;
  });
}

async function confirm(io: CliIo, request: { capabilities: unknown; capabilitiesSha256: string; previous?: string }): Promise<boolean> {
  const c = colours(io.stderr, io.env);
  writeLine(io.stderr, c.yellow(request.previous === undefined ? "This plugin asks for:" : "This plugin's capabilities changed; it now asks for:"));
  writeLine(io.stderr, JSON.stringify(request.capabilities, null, 2));
  writeLine(io.stderr, c.dim(`capabilities sha256 ${request.capabilitiesSha256}`));
  const answer = await ask(io, "Install with these capabilities? [y/N] ", false);
  return /^y(es)?$/i.test(answer.trim());
}
