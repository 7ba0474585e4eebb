/**
 * `agentgov policy lint <files...>`: loads the files together (as an engine would) and
 * reports every problem as `file:line:col: message`. Exit 0 valid, 1 invalid, 2 usage.
 */
import { createPolicyEngine, formatPolicyIssue, PolicyLoadError } from "@agentgov/core/policy";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_FAIL, EXIT_OK, writeLine } from "../io.js";

/** `agentgov policy lint`. */
export const policyLint: Command = (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } });
  if (positionals.length === 0) throw new UsageError("give one or more policy files");
  const c = colours(io.stdout, io.env);
  try {
    const engine = createPolicyEngine({ policies: positionals, cwd: io.cwd });
    if (values.json === true) writeLine(io.stdout, JSON.stringify({ ok: true, files: positionals, policies: engine.policyNames, policy_digest: engine.digest }));
    else writeLine(io.stdout, `${c.green("ok")} ${positionals.length} file(s), ${engine.policyNames.length} polic${engine.policyNames.length === 1 ? "y" : "ies"}: ${engine.policyNames.join(", ") || "(none)"}`);
    return Promise.resolve(EXIT_OK);
  } catch (error) {
    if (!(error instanceof PolicyLoadError)) throw error;
    if (values.json === true) writeLine(io.stdout, JSON.stringify({ ok: false, files: positionals, issues: error.issues }));
    else {
      const e = colours(io.stderr, io.env);
      for (const issue of error.issues) writeLine(io.stderr, `${e.red("error")} ${formatPolicyIssue(issue)}`);
      writeLine(io.stderr, `${error.issues.length} problem(s)`);
    }
    return Promise.resolve(EXIT_FAIL);
  }
};
