/**
 * `agentgov registry log checkpoint|entries|prove|verify`: inspect and verify a registry's
 * transparency log (REGISTRY.md §4.8, §8). Dispatches to one module per sub-command.
 */
import { UsageError } from "../args.js";
import { type Command, EXIT_OK, writeLine } from "../io.js";
import { registryLogCheckpoint } from "./registry-log-checkpoint.js";
import { registryLogEntries } from "./registry-log-entries.js";
import { registryLogProve } from "./registry-log-prove.js";
import { registryLogVerify } from "./registry-log-verify.js";

const SUBCOMMANDS: Readonly<Record<string, Command>> = {
  checkpoint: registryLogCheckpoint,
  entries: registryLogEntries,
  prove: registryLogProve,
  verify: registryLogVerify,
};

const USAGE = `Usage: agentgov registry log checkpoint|entries|prove <index>|verify [--registry <url>] [--json]

  checkpoint   print and verify the signed checkpoint
  entries      list log entries (--start, --limit)
  prove <i>    verify the inclusion proof of entry i
  verify       recompute the whole tree; check it against the checkpoint and the last one seen

Run 'agentgov registry log <sub-command> --help' for its options.`;

/** `agentgov registry log <sub-command> …`. */
export const registryLog: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === "-h" || sub === "--help") {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  const command = sub !== undefined && Object.hasOwn(SUBCOMMANDS, sub) ? SUBCOMMANDS[sub] : undefined;
  if (command === undefined) throw new UsageError(`${sub === undefined ? "missing sub-command" : `unknown sub-command '${sub}'`}\n${USAGE}`);
  return command(rest, io);
};
