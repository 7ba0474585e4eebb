/**
 * `agentgov registry log checkpoint [--registry <url>] [--root-sha256 <hex>] [--json]`: fetches
 * the signed checkpoint (C2SP note), verifies it with the `log` key of the verified root
 * chain, its freshness and its consistency with the last checkpoint this client verified, then
 * stores it as the new baseline and prints it.
 */
import { parseCommandArgs, UsageError } from "../args.js";
import { type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { checkpointJson, checkpointLines, LOG_COMMON_HELP, LOG_COMMON_OPTIONS, logTarget } from "../registry/log-options.js";
import { openVerifiedLog, rememberCheckpoint, signedNote } from "../registry/remote-log.js";

const USAGE = `Usage: agentgov registry log checkpoint [--registry <url>] [--root-sha256 <hex>] [--json]

Prints the registry's signed checkpoint after verifying it (log key of the root chain,
age ≤ 24 h, never smaller than and consistent with the last one this client verified).

${LOG_COMMON_HELP}`;

/** `agentgov registry log checkpoint`. */
export const registryLogCheckpoint: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, LOG_COMMON_OPTIONS);
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0] ?? ""}'\n${USAGE}`);
  const json = values.json === true;
  const { url, rootSha256 } = logTarget(io, values);
  return guarded(io, json, async () => {
    const now = Math.floor(Date.now() / 1000);
    const log = await openVerifiedLog({ url, home: homeOf(io), ...(rootSha256 === undefined ? {} : { rootSha256 }) });
    let note: string;
    try {
      note = (await signedNote(log)).note;
    } catch (error) {
      log.session.close();
      throw error;
    }
    await rememberCheckpoint(log);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, ...checkpointJson(log), note }));
    else {
      for (const line of checkpointLines(log, now)) writeLine(io.stdout, line);
      io.stdout.write(`\nsigned note (as served now):\n${note}`);
    }
    return EXIT_OK;
  });
};
