/**
 * `agentgov` entry point: dispatches `<group> <command>` to the command modules.
 */
import { type CliIo, type Command, EXIT_OK, EXIT_USAGE, writeLine } from "./io.js";
import { COMMANDS, SINGLE_COMMANDS } from "./commands/index.js";

/** Top-level help text. */
export const HELP = `agentgov — deterministic governance for AI agents

Usage:
  agentgov policy lint <files...>                 validate policy files (exit 0 valid, 1 invalid)
  agentgov policy eval [--policy <file>...] [--strategy <s>] [--explain] [--fail-on-deny]
                       (--input <file.json|-> | --request '<json>')
                                                  decide requests; decisions as JSON on stdout
  agentgov policy test <files...>                 run policy test files (cases + expectations)
  agentgov audit verify <file> [--key <pub>]      verify an audit log (0 intact, 1 tampered, 2 unreadable)
  agentgov serve [--port 8080] [--host 127.0.0.1] [--policies ./policies] [--data <dir>] [--init | --dev] [--audit sqlite|jsonl] [--audit-sync full|normal] [--ack durable|appended]
                                                  run the governance engine (HTTP decision point)
  agentgov rl demo [--seeds 1,2,3] [--epochs N] [--arms a,b] [--out <dir>]
                                                  the RL guard's offline training demo (figures + SVG chart)
  agentgov rl verify <events.jsonl> --key <pub.pem>
                                                  verify signed reward records against their episode logs
  agentgov rl kill|resume|status [--state <file>] the RL guard's persisted kill switch
  agentgov plugin keygen [--out <dir>] [--name <n>] [--passphrase-file <f>] [--export minisign] [--register <url>]
                                                  new Ed25519 publisher key (encrypted, 0600); prints its keyid
  agentgov plugin pack [dir] [--out <dir>]        agentgov-plugin.yaml → manifest + deterministic .tgz
  agentgov plugin sign <tgz> [--key <file>] [--passphrase-file <f>] [--threshold-cosign]
                                                  DSSE envelope <file>.agentsig.json beside the tarball
  agentgov plugin verify <tgz> [envelope] | --installed <name>
                                                  offline: signature, JCS, schema, digest, tree, trust policy
  agentgov plugin install <tgz> <envelope> [--yes-capabilities=<sha256>]
                                                  safe local install into $AGENTGOV_HOME/plugins/
  agentgov plugin install <name>[@range] [--registry <url>] [--frozen-lockfile] [--allow-downgrade]
                       [--allow-unsigned] [--prerelease] [--yes-capabilities=<sha256>]...
                                                  install from a registry through every check of the pipeline
  agentgov plugin publish <tgz> [envelope] [--registry <url>] [--token <t>]
                                                  upload a signed plugin; the receipt and its log proof are verified
  agentgov plugin revoke <keyid> --publisher <p> [--compromised-since <index>] | rotate --publisher <p> --add <pub>
                       --remove <keyid> | yank <name@version> [--block [--purge]]
                                                  signed key and version statements, recorded in the registry's log
  agentgov plugin audit [--publisher <p>] [--name <n>] [--own-key <keyid>] [--monitor [--interval <ms>]]
                                                  re-verify installs and watch the log for foreign publishes and keys
  agentgov plugin trust list|add|rm|accept|registry trust store: add <match> <pub.json> [--mode pinned|tofu|registry]
                                                  [--threshold N] [--publisher <p>]; rm <match>; accept <publisher>;
                                                  registry <url> --root-sha256 <hex> (pins a registry's root 1)
  agentgov registry serve [--init] [--dir <d>] [--port 4873] [--host 127.0.0.1] [--public-url <u>]
                                                  the plugin registry; --init creates keys, root and an admin token
                                                  (0600) in $AGENTGOV_HOME/registry (an existing registry is kept)
  agentgov registry log checkpoint|entries|prove <i>|verify [--registry <url>] [--root-sha256 <hex>]
                                                  verify the registry's signed checkpoint, list entries, prove
                                                  inclusion, or recompute the whole log against the checkpoint
  agentgov agents kill|quarantine|release <id> [--endpoint <url>] [--token <t>] [--reason <text>]
                                                  the server's per-agent controls (admin token)
  agentgov doctor [--policies <dir>] [--audit <file>] [--endpoint <url>]
                                                  check policies, audit log and server health
  agentgov verify [--policies <p>] [--agent <id>] [--out <evidence.json>] [--key <private.pem>]
  agentgov verify --check <evidence.json> [--key <public.pem>]
                                                  run the attack catalogue and write signed evidence, or check it

Options:
  --json        machine-readable output (every command)
  -h, --help    this help

Environment: AGENTGOV_HOME (default ~/.agentgov), AGENTGOV_REGISTRY, AGENTGOV_KEY_PASSPHRASE,
AGENTGOV_SIGNING_KEY (agentgov-ed25519-sk:<base64 seed>, CI signing without a key file).

Exit codes: 0 ok, 1 check failed or rejected (plugin: REGISTRY_… code), 2 usage error or unreadable input.`;

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [group, name, ...rest] = argv;
  if (group === undefined || group === "-h" || group === "--help" || group === "help") {
    writeLine(io.stdout, HELP);
    return group === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (group === "--version" || group === "-v") {
    writeLine(io.stdout, "0.1.0");
    return EXIT_OK;
  }
  // Own properties only: `agentgov constructor` must be an unknown command, not Object's constructor.
  const single = Object.hasOwn(SINGLE_COMMANDS, group) ? SINGLE_COMMANDS[group] : undefined;
  if (single !== undefined) return runCommand(single, argv.slice(1), io, group);
  const key = `${group} ${name ?? ""}`;
  const command: Command | undefined = name === undefined || !Object.hasOwn(COMMANDS, key) ? undefined : COMMANDS[key];
  if (command === undefined) {
    writeLine(io.stderr, `agentgov: unknown command '${argv.slice(0, 2).join(" ")}'. Run 'agentgov --help'.`);
    return EXIT_USAGE;
  }
  return runCommand(command, rest, io, `${group} ${name ?? ""}`);
}

/** Runs a command, turning a usage error or an unexpected throw into a message and exit 2. */
async function runCommand(command: Command, argv: string[], io: CliIo, label: string): Promise<number> {
  try {
    return await command(argv, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    writeLine(io.stderr, `agentgov ${label}: ${message}`);
    return EXIT_USAGE;
  }
}
