/** `agentgov rl demo`: the RL guard's deterministic offline training demo (from `@agentgov/rl-guard/demo`). */
import { demoMain } from "@agentgov/rl-guard/demo";
import { type Command, writeLine } from "../io.js";

/** `agentgov rl demo [--profile] [--seeds] [--epochs] [--arms] [--out <dir>]`. */
export const rlDemo: Command = (argv, io) =>
  demoMain(argv, (line) => {
    writeLine(io.stdout, line);
  });
