/**
 * `agentgov plugin audit [--publisher <id>]... [--name <pkg>]... [--own-key <keyid>]... [--monitor]`
 * (REGISTRY.md §8, §11.10): verifies the registry's root chain, checkpoint consistency and
 * the whole log (entries recomputed to the signed root), re-checks the plugins in this
 * folder's `agentgov-lock.json` (yanked, blocked, revoked as compromised), and reports log
 * entries since the last audit for the watched publishers, names and keys. A `rebind`, or a
 * publish/attest/bind/rotate involving a key not given with `--own-key`, is a finding: exit 1.
 * `--monitor` polls every `--interval` seconds (until a finding, or `--polls` passes).
 */
import { audit, monitor, type AuditReport } from "@agentgov/registry-client";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type CliIo, type Command, EXIT_FAIL, EXIT_OK, writeLine } from "../io.js";
import { guarded, homeOf } from "./plugin-common.js";
import { REMOTE_OPTIONS, registryOf, isKeyIdText } from "./plugin-remote.js";

const USAGE = `Usage: agentgov plugin audit [--publisher <id>]... [--name <pkg>]... [--own-key <keyid>]...
                             [--monitor [--interval <seconds>] [--polls <n>]] [--registry <url>] [--json]

  --publisher, --name  what to watch in the log
  --own-key <keyid>    your keys: entries signed only by them are expected
  --monitor            keep polling (default every 60 s) until a finding
  --json               one report object per pass on stdout

Exit codes: 0 clean, 1 a finding or a verification failure (REGISTRY_… code), 2 usage error.`;

function print(io: CliIo, json: boolean, report: AuditReport): void {
  if (json) {
    writeLine(io.stdout, JSON.stringify({ ok: report.findings.length === 0, ...report }));
    return;
  }
  const c = colours(io.stdout, io.env);
  writeLine(io.stdout, `${c.green("verified")} log of ${report.registry}: ${String(report.treeSize)} entries; ${String(report.newEntries.length)} new for you since ${String(report.from)}`);
  for (const { logIndex, entry } of report.newEntries) {
    writeLine(io.stdout, `  ${String(logIndex)} ${entry.kind} ${entry.name === undefined ? entry.publisher : `${entry.name}@${entry.version ?? ""}`}`);
  }
  for (const f of report.findings) writeLine(io.stdout, `${c.red(f.kind)} ${f.message}`);
}

/** `agentgov plugin audit`. */
export const pluginAudit: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    ...REMOTE_OPTIONS,
    publisher: { type: "string", multiple: true }, name: { type: "string", multiple: true }, "own-key": { type: "string", multiple: true },
    monitor: { type: "boolean" }, interval: { type: "string" }, polls: { type: "string" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError("audit takes options only");
  const own = values["own-key"] ?? [];
  if (own.some((k) => !isKeyIdText(k))) throw new UsageError("--own-key takes key ids");
  const interval = values.interval === undefined ? 60 : Number(values.interval);
  const polls = values.polls === undefined ? undefined : Number(values.polls);
  if (!Number.isSafeInteger(interval) || interval < 1 || (polls !== undefined && (!Number.isSafeInteger(polls) || polls < 1))) {
    throw new UsageError("--interval and --polls take positive integers");
  }
  const registry = registryOf(io, values.registry);
  const json = values.json === true;
  const options = {
    registry, home: homeOf(io), project: io.cwd, publishers: values.publisher ?? [], names: values.name ?? [], ownKeyids: own as NonNullable<Parameters<typeof audit>[0]["ownKeyids"]>,
  };
  return guarded(io, json, async () => {
    if (values.monitor !== true) {
      const report = await audit(options);
      print(io, json, report);
      return report.findings.length === 0 ? EXIT_OK : EXIT_FAIL;
    }
    const state = { found: false };
    await monitor({
      ...options, intervalMs: interval * 1000, ...(polls === undefined ? {} : { maxPolls: polls }),
      onReport: (report) => {
        print(io, json, report);
        state.found = report.findings.length > 0;
        return state.found;
      },
    });
    return state.found ? EXIT_FAIL : EXIT_OK;
  });
};
