/**
 * `agentgov rl kill|resume|status` over the durable kill switch (`createRlKillSwitch`,
 * RL-GUARD.md §8): the state file is written atomically (temp file, fsync, rename) and every
 * guard watching it stops within its poll interval (1 s by default), across processes.
 *
 * The state file: `--state <file>`, else `AGENTGOV_RL_STATE_FILE`, else `kill_switch.state_file`
 * of `--config` (default `AGENTGOV_RL_CONFIG`, else `./agentgov-rl.yaml` when it exists).
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadRlGuardConfig } from "../config/load.js";
import { createRlKillSwitch, type KillState } from "../run/kill-switch.js";
import { EXIT_OK, EXIT_REJECTED, parseCommandArgs, RlUsageError, withUsage, writeLine, type RlCliIo, type RlCommand } from "./common.js";

const STATE_HELP = `  --state <file>    the kill-switch state file (default: AGENTGOV_RL_STATE_FILE, else
                    kill_switch.state_file of the config)
  --config <file>   agentgov-rl.yaml to take the state file from (default: AGENTGOV_RL_CONFIG,
                    else ./agentgov-rl.yaml when it exists)
  --json            one JSON object on stdout`;

const KILL_USAGE = `Usage: agentgov rl kill [--state <file>] [--config <file>] [--reason <text>] [--operator <name>] [--pause] [--json]

Engages the kill switch: every guard watching the file denies every call (kill_switch),
aborts its in-flight episodes and signs only the integrity floor, until 'agentgov rl resume'.
  --reason <text>   why (default "operator kill")
  --operator <name> who (default: AGENTGOV_OPERATOR, USER or LOGNAME); recorded in the reason
  --pause           pause instead of kill (same effect on guards; 'resume' releases both)
${STATE_HELP}

Exit codes: 0 engaged, 1 the state file could not be written, 2 usage error.`;

const RESUME_USAGE = `Usage: agentgov rl resume [--state <file>] [--config <file>] [--reason <text>] [--operator <name>] [--json]

Leaves 'killed' or 'paused' (an operator reset, recorded in the state file).
  --reason <text>   why (default "operator resume")
  --operator <name> who (default: AGENTGOV_OPERATOR, USER or LOGNAME; required)
${STATE_HELP}

Exit codes: 0 running, 1 the state file could not be written, 2 usage error.`;

const STATUS_USAGE = `Usage: agentgov rl status [--state <file>] [--config <file>] [--json]

Prints the kill-switch state. An unreadable or corrupt state file reads as killed.
${STATE_HELP}

Exit codes: 0 running, 1 paused or killed, 2 usage error.`;

const COMMON = {
  state: { type: "string" },
  config: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Resolves the state file (see the module comment). @throws RlUsageError when none is configured. */
async function stateFileOf(values: { state?: string | undefined; config?: string | undefined }, io: RlCliIo): Promise<string> {
  if (values.state !== undefined) return resolve(io.cwd, values.state);
  const env = io.env.AGENTGOV_RL_STATE_FILE;
  if (env !== undefined && env !== "") return resolve(io.cwd, env);
  const explicit = values.config ?? (io.env.AGENTGOV_RL_CONFIG === "" ? undefined : io.env.AGENTGOV_RL_CONFIG);
  const configPath = resolve(io.cwd, explicit ?? "agentgov-rl.yaml");
  if (explicit === undefined && !existsSync(configPath)) throw new RlUsageError("no state file: give --state <file>, set AGENTGOV_RL_STATE_FILE, or run where agentgov-rl.yaml is");
  let stateFile: string | null;
  try {
    stateFile = (await loadRlGuardConfig(configPath)).killSwitch.stateFile;
  } catch (error) {
    throw new RlUsageError(`configuration ${configPath}: ${(error as Error).message}`);
  }
  if (stateFile === null) throw new RlUsageError(`${configPath} sets no kill_switch.state_file (its kill switch lives in memory): give --state <file>`);
  return stateFile;
}

function operatorOf(given: string | undefined, io: RlCliIo): string | undefined {
  for (const v of [given, io.env.AGENTGOV_OPERATOR, io.env.USER, io.env.LOGNAME]) if (v !== undefined && v.trim() !== "") return v.trim();
  return undefined;
}

function report(io: RlCliIo, json: boolean, file: string, previous: KillState, state: KillState, text: string): void {
  if (json) writeLine(io.stdout, JSON.stringify({ ok: true, file, previous, state }));
  else writeLine(io.stdout, text);
}

function describe(s: KillState): string {
  const who = s.operator === null ? "" : ` by ${s.operator}`;
  return `${s.state}${s.reason === "" ? "" : ` (${s.reason})`}${who}${s.at === "" ? "" : ` since ${s.at}`}`;
}

/** Applies `change` to the switch of `file`; exit 1 when the durable write fails. */
function apply(verb: string, io: RlCliIo, json: boolean, file: string, change: (sw: ReturnType<typeof createRlKillSwitch>) => void, done: (s: KillState) => string): number {
  const sw = createRlKillSwitch({ stateFile: file, pollMs: 0 });
  try {
    const previous = sw.state();
    try {
      change(sw);
    } catch (error) {
      writeLine(io.stderr, `agentgov rl ${verb}: cannot write ${file}: ${(error as Error).message}`);
      return EXIT_REJECTED;
    }
    const state = sw.state();
    report(io, json, file, previous, state, `${done(state)}: ${file}`);
    return EXIT_OK;
  } finally {
    sw.close();
  }
}

/** `agentgov rl kill`. */
export const rlKill: RlCommand = (argv, io) => withUsage("kill", io, KILL_USAGE, async () => {
  const { values, positionals } = parseCommandArgs(argv, { ...COMMON, reason: { type: "string" }, operator: { type: "string" }, pause: { type: "boolean" } });
  if (values.help === true) {
    writeLine(io.stdout, KILL_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new RlUsageError(`unexpected argument '${positionals[0] ?? ""}'`);
  const file = await stateFileOf(values, io);
  const operator = operatorOf(values.operator, io);
  const reason = `${values.reason ?? "operator kill"}${operator === undefined ? "" : ` (by ${operator})`}`;
  return apply("kill", io, values.json === true, file, (sw) => {
    if (values.pause === true) {
      if (sw.state().state === "killed") return; // already stronger than a pause
      sw.pause(reason);
    } else sw.engage(reason);
  }, (s) => `kill switch ${describe(s)}`);
});

/** `agentgov rl resume`: an operator reset of a killed or paused switch. */
export const rlResume: RlCommand = (argv, io) => withUsage("resume", io, RESUME_USAGE, async () => {
  const { values, positionals } = parseCommandArgs(argv, { ...COMMON, reason: { type: "string" }, operator: { type: "string" } });
  if (values.help === true) {
    writeLine(io.stdout, RESUME_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new RlUsageError(`unexpected argument '${positionals[0] ?? ""}'`);
  const operator = operatorOf(values.operator, io);
  if (operator === undefined) throw new RlUsageError("who resumes? give --operator <name> (or set AGENTGOV_OPERATOR)");
  const file = await stateFileOf(values, io);
  const reason = values.reason ?? "operator resume";
  return apply("resume", io, values.json === true, file, (sw) => {
    if (sw.state().state !== "running") sw.reset(reason, operator);
  }, (s) => `kill switch ${describe(s)}`);
});

/** `agentgov rl status`: 0 running, 1 engaged. */
export const rlStatus: RlCommand = (argv, io) => withUsage("status", io, STATUS_USAGE, async () => {
  const { values, positionals } = parseCommandArgs(argv, COMMON);
  if (values.help === true) {
    writeLine(io.stdout, STATUS_USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new RlUsageError(`unexpected argument '${positionals[0] ?? ""}'`);
  const file = await stateFileOf(values, io);
  const sw = createRlKillSwitch({ stateFile: file, pollMs: 0 });
  const state = sw.state();
  sw.close();
  if (values.json === true) writeLine(io.stdout, JSON.stringify({ ok: state.state === "running", file, state }));
  else writeLine(io.stdout, `kill switch ${describe(state)}: ${file}`);
  return state.state === "running" ? EXIT_OK : EXIT_REJECTED;
});
