/**
 * `agentgov registry log entries [--start N] [--limit N] [--registry <url>] [--json]`: lists
 * log entries (one line each: index, kind, package, publisher, keys, time), read in pages of
 * 1000 and strictly validated, within the verified checkpoint. Listing proves nothing about
 * inclusion; `prove` and `verify` do.
 */
import { parseCommandArgs, UsageError } from "../args.js";
import { type Command, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { indexArg, LOG_COMMON_HELP, LOG_COMMON_OPTIONS, logTarget } from "../registry/log-options.js";
import { openVerifiedLog, readEntries, rememberCheckpoint, type LoggedEntry } from "../registry/remote-log.js";

/** Most entries one `entries` call lists. */
export const MAX_LIST = 100_000;

const USAGE = `Usage: agentgov registry log entries [--start <n>] [--limit <n>] [--registry <url>] [--root-sha256 <hex>] [--json]

Lists log entries [start, start+limit) of the verified checkpoint (default start 0, limit 100,
at most ${MAX_LIST}); a --start at or beyond the tree size lists nothing.

${LOG_COMMON_HELP}`;

function line(e: LoggedEntry): string {
  const what = e.entry.name === undefined ? "" : ` ${e.entry.name}@${e.entry.version ?? "?"}`;
  const keys = e.entry.keyids.length === 0 ? "" : ` keys ${e.entry.keyids.join(",")}`;
  return `${e.index}\t${e.entry.integratedAt}\t${e.entry.kind}${what} publisher ${e.entry.publisher}${keys}`;
}

/** `agentgov registry log entries`. */
export const registryLogEntries: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { ...LOG_COMMON_OPTIONS, start: { type: "string" }, limit: { type: "string" } });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0] ?? ""}'\n${USAGE}`);
  const start = indexArg(values.start ?? "0", "--start");
  const limit = indexArg(values.limit ?? "100", "--limit");
  if (limit < 1 || limit > MAX_LIST) throw new UsageError(`--limit must be from 1 to ${MAX_LIST}`);
  const json = values.json === true;
  const { url, rootSha256 } = logTarget(io, values);
  return guarded(io, json, async () => {
    const log = await openVerifiedLog({ url, home: homeOf(io), ...(rootSha256 === undefined ? {} : { rootSha256 }) });
    const end = Math.min(log.checkpoint.size, start + limit);
    const entries: LoggedEntry[] = [];
    try {
      if (start < end) await readEntries(log, start, end, (e) => { if (json) entries.push(e); else writeLine(io.stdout, line(e)); });
    } catch (error) {
      log.session.close();
      throw error;
    }
    await rememberCheckpoint(log);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, size: log.checkpoint.size, start, entries: entries.map((e) => ({ index: e.index, ...e.entry })) }));
    else if (start >= end) writeLine(io.stderr, `no entries from ${start} (the log has ${log.checkpoint.size})`);
    return EXIT_OK;
  });
};
