/**
 * `agentgov registry log prove <index> [--registry <url>] [--json]`: fetches entry `index`
 * and its inclusion proof against the verified checkpoint, recomputes the leaf hash from the
 * entry (RFC 6962, JCS) and verifies the proof (RFC 9162 §2.1.3.2). Exit 1 when it fails.
 */
import { RegistryError } from "@agentgov/registry-protocol";
import { parseCommandArgs, UsageError } from "../args.js";
import { type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { checkpointJson, indexArg, LOG_COMMON_HELP, LOG_COMMON_OPTIONS, logTarget } from "../registry/log-options.js";
import { openVerifiedLog, readEntries, rememberCheckpoint, type LoggedEntry } from "../registry/remote-log.js";

const USAGE = `Usage: agentgov registry log prove <index> [--registry <url>] [--root-sha256 <hex>] [--json]

Verifies that log entry <index> is included in the registry's verified checkpoint.

${LOG_COMMON_HELP}`;

/** `agentgov registry log prove <index>`. */
export const registryLogProve: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, LOG_COMMON_OPTIONS);
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) throw new UsageError(`give exactly one log index\n${USAGE}`);
  const index = indexArg(positionals[0], "<index>");
  const json = values.json === true;
  const { url, rootSha256 } = logTarget(io, values);
  return guarded(io, json, async () => {
    const log = await openVerifiedLog({ url, home: homeOf(io), ...(rootSha256 === undefined ? {} : { rootSha256 }) });
    const size = log.checkpoint.size;
    let found: LoggedEntry | undefined;
    try {
      if (index >= size) throw new RegistryError("REGISTRY_REQUEST_INVALID", `index ${index} is beyond the checkpoint (size ${size})`);
      await readEntries(log, index, index + 1, (e) => { found = e; });
      if (found === undefined) throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `entry ${index} is missing`);
      await log.session.log.assertIncluded(index, found.raw);
    } catch (error) {
      log.session.close();
      throw error;
    }
    await rememberCheckpoint(log);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, index, entry: found.entry, checkpoint: checkpointJson(log) }));
    else {
      writeLine(io.stdout, `entry ${index} is included in checkpoint ${size} of ${log.checkpoint.origin}`);
      writeLine(io.stdout, JSON.stringify(found.entry, null, 2));
    }
    return EXIT_OK;
  });
};
