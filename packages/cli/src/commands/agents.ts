/**
 * `agentgov agents kill|quarantine|release <id>`: the server's per-agent controls
 * (`POST /v1/agents/:id/<op>`). Prints what the server reports was actually stopped — and
 * what was not. Exit 0 when the change is in effect, persisted and audited; 1 with the
 * error code when the server refused it, could not record it or could not be reached; 2
 * on a usage error.
 */
import { parseCommandArgs, UsageError } from "../args.js";
import { endpointUrl, HttpFailure, requestJson, type JsonAnswer } from "../http-client.js";
import { colours, type CliIo, type Command, EXIT_FAIL, EXIT_OK, writeLine } from "../io.js";
import { endpointOf, tokenOf } from "../server-target.js";

/** The operations of `agentgov agents`. */
export const AGENT_OPERATIONS = ["kill", "quarantine", "release"] as const;
/** One operation. */
export type AgentOperation = (typeof AGENT_OPERATIONS)[number];

const MAX_REASON = 1024;

const usage = (op: AgentOperation): string => `Usage: agentgov agents ${op} <agent-id> [--endpoint URL] [--token T] [--reason text] [--json]

  --endpoint <url>  the server (default $AGENTGOV_ENDPOINT, else http://127.0.0.1:8080)
  --token <t>       an admin token (default $AGENTGOV_TOKEN; prefer the variable: flags show in ps)
  --reason <text>   why (recorded in the audit log and the agent's hold)
  --json            the server's answer as one JSON object on stdout

Exit codes: 0 done (in effect, persisted, audited), 1 refused or failed (code on stderr), 2 usage error.`;

/** The command for one operation. */
export function agentsCommand(op: AgentOperation): Command {
  return async (argv, io) => {
    const { values, positionals } = parseCommandArgs(argv, {
      endpoint: { type: "string" },
      token: { type: "string" },
      reason: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help === true) {
      writeLine(io.stdout, usage(op));
      return EXIT_OK;
    }
    const [agent, ...extra] = positionals;
    if (agent === undefined || agent === "" || extra.length > 0) throw new UsageError(`give exactly one agent id\n${usage(op)}`);
    if (values.reason !== undefined && values.reason.length > MAX_REASON) throw new UsageError(`--reason is longer than ${MAX_REASON} characters`);
    const endpoint = endpointOf(values.endpoint, io);
    const token = tokenOf(values.token, io);
    const json = values.json === true;
    const url = endpointUrl(endpoint, `/v1/agents/${encodeURIComponent(agent)}/${op}`);
    let answer: JsonAnswer;
    try {
      answer = await requestJson(url, { method: "POST", token, ...(values.reason === undefined ? {} : { body: { reason: values.reason } }) });
    } catch (error) {
      if (error instanceof HttpFailure) return failed(io, json, error.code, error.message, undefined);
      throw error;
    }
    return report(io, json, op, agent, answer);
  };
}

/** The fields of the server's answer the CLI reads (agent-routes.ts). */
interface ControlAnswer {
  target: string;
  previous: string;
  state: string;
  changed: boolean;
  persisted: boolean;
  audited: boolean;
  stops: string;
  not_stopped: { in_flight_calls: number; note: string };
}

function report(io: CliIo, json: boolean, op: AgentOperation, agent: string, answer: JsonAnswer): number {
  const body = answer.body as Record<string, unknown> | null;
  if (answer.status === 200) {
    if (!isControlAnswer(body)) return failed(io, json, "BAD_RESPONSE", `the server answered 200 without a control result`, undefined);
    if (json) writeLine(io.stdout, JSON.stringify({ ok: true, op, ...body }));
    else writeLine(io.stdout, describe(io, body));
    return EXIT_OK;
  }
  const code = typeof body?.code === "string" ? body.code : `HTTP_${answer.status}`;
  const message = typeof body?.message === "string" ? body.message : `the server answered HTTP ${answer.status} to ${op} '${agent}'`;
  const result = isControlAnswer(body?.result) ? body.result : undefined;
  return failed(io, json, code, message, result);
}

function failed(io: CliIo, json: boolean, code: string, message: string, result: ControlAnswer | undefined): number {
  if (json) writeLine(io.stdout, JSON.stringify({ ok: false, code, message, ...(result === undefined ? {} : { result }) }));
  else {
    writeLine(io.stderr, `${colours(io.stderr, io.env).red(code)}: ${message}`);
    // The change may be in effect although it could not be recorded: say so.
    if (result !== undefined) writeLine(io.stderr, describe(io, result));
  }
  return EXIT_FAIL;
}

function describe(io: CliIo, a: ControlAnswer): string {
  const c = colours(io.stdout, io.env);
  const who = a.target === "*" ? "every agent" : `agent '${a.target}'`;
  const change = a.changed ? `${a.previous} → ${a.state}` : `${a.state} (unchanged)`;
  const recorded = [a.persisted ? "persisted" : c.red("NOT persisted (a restart loses it)"), a.audited ? "audited" : c.red("NOT audited")].join(", ");
  const inFlight = a.not_stopped.in_flight_calls;
  return [
    `${who}: ${change}; ${recorded}`,
    `stopped:     ${a.stops}`,
    `not stopped: ${inFlight} allowed call${inFlight === 1 ? "" : "s"} still running — ${a.not_stopped.note}`,
  ].join("\n");
}

function isControlAnswer(value: unknown): value is ControlAnswer {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  const notStopped = v.not_stopped as Record<string, unknown> | null | undefined;
  return typeof v.target === "string" && typeof v.previous === "string" && typeof v.state === "string" && typeof v.changed === "boolean" &&
    typeof v.persisted === "boolean" && typeof v.audited === "boolean" && typeof v.stops === "string" &&
    typeof notStopped === "object" && notStopped !== null && typeof notStopped.in_flight_calls === "number" && typeof notStopped.note === "string";
}

/** `agentgov agents kill|quarantine|release`, by command words. */
export const agentsCommands: Readonly<Record<string, Command>> = Object.fromEntries(AGENT_OPERATIONS.map((op) => [`agents ${op}`, agentsCommand(op)]));
