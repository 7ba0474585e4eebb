/** `agentgov rl demo` as a function: parses arguments, runs, prints, writes `--out`, returns the exit code. */
import { parseArgs } from "node:util";
import { CI_ARMS, type ArmName } from "./arms.js";
import { writeDemoOutputs } from "./outputs.js";
import { CI_PROFILE, runDemo, type DemoOptions } from "./run-demo.js";

/** Runs the demo CLI; returns 0 when every acceptance check passed, 1 otherwise, 2 on bad arguments. */
export async function demoMain(argv: readonly string[], out: (line: string) => void = (l) => {
  process.stdout.write(`${l}\n`);
}): Promise<number> {
  let values: { profile?: string | undefined; seeds?: string | undefined; epochs?: string | undefined; arms?: string | undefined; out?: string | undefined };
  try {
    ({ values } = parseArgs({ args: [...argv], options: { profile: { type: "string" }, seeds: { type: "string" }, epochs: { type: "string" }, arms: { type: "string" }, out: { type: "string" } }, strict: true }));
  } catch (error) {
    out(`agentgov rl demo: ${(error as Error).message}`);
    return 2;
  }
  if (values.profile !== undefined && values.profile !== "ci") {
    out(`agentgov rl demo: unknown profile '${values.profile}' (only ci is implemented)`);
    return 2;
  }
  const options: DemoOptions = { ...CI_PROFILE };
  if (values.seeds !== undefined) options.seeds = values.seeds.split(",").map(Number);
  if (values.epochs !== undefined) options.defaultEpochs = Number(values.epochs);
  if (values.arms !== undefined) {
    const arms = values.arms.split(",");
    const unknown = arms.filter((a) => !(CI_ARMS as readonly string[]).includes(a));
    if (unknown.length > 0) {
      out(`agentgov rl demo: unknown arms ${unknown.join(", ")}`);
      return 2;
    }
    options.arms = arms as ArmName[];
  }
  if (!options.seeds.every((s) => Number.isSafeInteger(s)) || !Number.isSafeInteger(options.defaultEpochs) || options.defaultEpochs < 1) {
    out("agentgov rl demo: --seeds must be integers and --epochs a positive integer");
    return 2;
  }
  const result = await runDemo(options);
  for (const line of [...result.lines, ...result.timing]) out(line);
  if (values.out !== undefined) await writeDemoOutputs(values.out, result);
  return result.acceptance.every((a) => a.pass) ? 0 : 1;
}
