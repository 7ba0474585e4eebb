/**
 * `agentgov registry log verify [--registry <url>] [--json]`: the monitor's full check. Reads
 * every entry up to the verified checkpoint, validates each strictly, recomputes the RFC 6962
 * root and requires it to equal the signed checkpoint's; recomputes the root of the prefix the
 * last verified checkpoint covered and requires it to equal that one (no rewritten history);
 * then stores the checkpoint as the new baseline. Exit 1 on any mismatch.
 */
import { RegistryError, bytesEqual, entryLeafHash, toBase64 } from "@agentgov/registry-protocol";
import { parseCommandArgs, UsageError } from "../args.js";
import { type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { checkpointJson, checkpointLines, LOG_COMMON_HELP, LOG_COMMON_OPTIONS, logTarget } from "../registry/log-options.js";
import { openVerifiedLog, readEntries, rememberCheckpoint } from "../registry/remote-log.js";
import { TreeHasher } from "../registry/tree-hasher.js";

const USAGE = `Usage: agentgov registry log verify [--registry <url>] [--root-sha256 <hex>] [--json]

Walks the whole log, recomputes the tree and checks it against the signed checkpoint and
against the last checkpoint this client verified (kept in $AGENTGOV_HOME/registries/).

${LOG_COMMON_HELP}`;

/** `agentgov registry log verify`. */
export const registryLogVerify: Command = async (argv, io) => {
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
    const previous = log.previous;
    const tree = new TreeHasher();
    const kinds: Record<string, number> = {};
    const checkPrefix = (): void => {
      if (previous !== undefined && tree.size === previous.size && !bytesEqual(tree.root(), previous.rootHash)) {
        throw new RegistryError("REGISTRY_LOG_FORK", `the first ${previous.size} entries no longer hash to the checkpoint verified before`);
      }
    };
    try {
      checkPrefix();
      await readEntries(log, 0, log.checkpoint.size, (e) => {
        tree.append(entryLeafHash(e.raw));
        kinds[e.entry.kind] = (kinds[e.entry.kind] ?? 0) + 1;
        checkPrefix();
      });
      if (!bytesEqual(tree.root(), log.checkpoint.rootHash)) {
        throw new RegistryError("REGISTRY_LOG_PROOF_INVALID", `the ${tree.size} entries hash to ${toBase64(tree.root())}, the checkpoint says ${toBase64(log.checkpoint.rootHash)}`);
      }
    } catch (error) {
      log.session.close();
      throw error;
    }
    await rememberCheckpoint(log);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, ...checkpointJson(log), entries: tree.size, kinds }));
    else {
      for (const line of checkpointLines(log, now)) writeLine(io.stdout, line);
      const summary = Object.entries(kinds).map(([k, n]) => `${k} ${n}`).join(", ");
      writeLine(io.stdout, `log verified: ${tree.size} entries recomputed to the signed root${summary === "" ? "" : ` (${summary})`}`);
    }
    return EXIT_OK;
  });
};
