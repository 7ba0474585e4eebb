/**
 * `agentgov doctor [--policies dir] [--audit file] [--endpoint URL] [--json]`: real checks,
 * one pass/fail/skip line each — Node.js version, policies load, audit chain verifies,
 * server reachable, installed framework versions inside the adapters' tested ranges.
 * Exit 0 when no check failed, 1 otherwise, 2 on a usage error.
 */
import { parseCommandArgs, UsageError } from "../args.js";
import { checkAudit } from "../doctor/audit.js";
import type { CheckResult } from "../doctor/check.js";
import { checkFrameworks } from "../doctor/frameworks.js";
import { checkNodeVersion } from "../doctor/node-version.js";
import { checkPolicies } from "../doctor/policies.js";
import { checkServer } from "../doctor/server.js";
import { colours, type CliIo, type Command, EXIT_FAIL, EXIT_OK, writeLine } from "../io.js";
import { nonEmpty } from "../server-target.js";

const USAGE = `Usage: agentgov doctor [--policies <dir>] [--audit <file>] [--endpoint <url>] [--json]

  --policies <dir>   policy directory to load (default ./policies when it exists)
  --audit <file>     audit log to verify: a SQLite audit.db or a JSONL file (default: every server log,
                     audit.db or audit.jsonl, in $AGENTGOV_HOME/server, or without AGENTGOV_HOME in
                     ~/.agentgov/server and ./.agentgov/server)
  --endpoint <url>   server whose /healthz must answer ok (default $AGENTGOV_ENDPOINT; none: skipped)
  --json             { ok, checks: [{ check, status, message, details? }] } on stdout

Exit codes: 0 no check failed, 1 a check failed, 2 usage error.`;

/** `agentgov doctor`. */
export const doctor: Command = async (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, {
    policies: { type: "string" },
    audit: { type: "string" },
    endpoint: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help === true) {
    writeLine(io.stdout, USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0] ?? ""}'\n${USAGE}`);
  const checks: CheckResult[] = [
    checkNodeVersion(process.versions.node),
    ...checkPolicies(values.policies, io.cwd),
    ...(await checkAudit(values.audit, io.env, io.cwd)),
    await checkServer(values.endpoint ?? nonEmpty(io.env.AGENTGOV_ENDPOINT)),
    ...checkFrameworks(io.cwd),
  ];
  const ok = checks.every((c) => c.status !== "fail");
  if (values.json === true) writeLine(io.stdout, JSON.stringify({ ok, checks }));
  else printReport(io, checks);
  return ok ? EXIT_OK : EXIT_FAIL;
};

function printReport(io: CliIo, checks: readonly CheckResult[]): void {
  const c = colours(io.stdout, io.env);
  const paint = { pass: c.green, fail: c.red, skip: c.dim } as const;
  for (const check of checks) {
    writeLine(io.stdout, `${paint[check.status](check.status.padEnd(4))}  ${check.check.padEnd(9)}  ${check.message}`);
    for (const detail of check.details ?? []) writeLine(io.stdout, `                 ${detail}`);
  }
  const count = (s: CheckResult["status"]): number => checks.filter((x) => x.status === s).length;
  writeLine(io.stdout, `${count("fail")} failed, ${count("pass")} passed, ${count("skip")} skipped`);
}
