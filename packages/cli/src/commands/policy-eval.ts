/**
 * `agentgov policy eval` (POLICY.md §6): decides one request, an array or JSON Lines, in
 * order against one engine. Decisions are JSON on stdout; exit 0 when every request was
 * evaluated (1 with --fail-on-deny and a deny), 2 when a policy does not load or the input
 * is malformed (message on stderr, nothing on stdout).
 */
import { type ConflictStrategy, CONFLICT_STRATEGIES, createPolicyEngine, type DecisionRequest, PolicyLoadError, validateRequest } from "@agentgov/core/policy";
import { parseCommandArgs, UsageError } from "../args.js";
import { type Command, EXIT_FAIL, EXIT_OK, EXIT_USAGE, writeLine } from "../io.js";
import { InputError, parseRequests, readText } from "../read-input.js";

/** `agentgov policy eval`. */
export const policyEval: Command = async (argv, io) => {
  const { values } = parseCommandArgs(argv, {
    policy: { type: "string", multiple: true },
    strategy: { type: "string" },
    explain: { type: "boolean" },
    input: { type: "string" },
    request: { type: "string" },
    "fail-on-deny": { type: "boolean" },
    json: { type: "boolean" },
  });
  if ((values.input === undefined) === (values.request === undefined)) throw new UsageError("give exactly one of --input <file.json|-> and --request '<json>'");
  const strategy = values.strategy;
  if (strategy !== undefined && !(CONFLICT_STRATEGIES as readonly string[]).includes(strategy)) {
    throw new UsageError(`unknown strategy '${strategy}' (one of ${CONFLICT_STRATEGIES.join(", ")})`);
  }
  let engine;
  try {
    engine = createPolicyEngine({ policies: values.policy ?? [], cwd: io.cwd, ...(strategy === undefined ? {} : { strategy: strategy as ConflictStrategy }) });
  } catch (error) {
    if (error instanceof PolicyLoadError) {
      writeLine(io.stderr, `agentgov policy eval: policy does not load:\n${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
  let batch;
  try {
    const text = values.request ?? (await readText(values.input ?? "-", io));
    batch = parseRequests(text, values.request === undefined ? (values.input ?? "-") : "--request");
  } catch (error) {
    if (error instanceof InputError) {
      writeLine(io.stderr, `agentgov policy eval: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
  for (const [i, request] of batch.requests.entries()) {
    const problem = validateRequest(request);
    if (problem !== null) {
      writeLine(io.stderr, `agentgov policy eval: request ${i + 1} is malformed: ${problem}`);
      return EXIT_USAGE;
    }
  }
  const explain = values.explain === true;
  const decisions = batch.requests.map((request) => engine.decide(request as DecisionRequest, { explain }));
  const output = batch.form === "one" ? decisions[0] : decisions;
  writeLine(io.stdout, JSON.stringify(output, null, 2));
  return values["fail-on-deny"] === true && decisions.some((d) => !d.allowed) ? EXIT_FAIL : EXIT_OK;
};
