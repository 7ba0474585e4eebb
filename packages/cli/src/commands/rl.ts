/** `agentgov rl verify | kill | resume | status`: the RL guard's operator verbs (from `@agentgov/rl-guard/cli`). */
import { rlKill, rlResume, rlStatus, rlVerify } from "@agentgov/rl-guard/cli";
import type { Command } from "../io.js";

/** `agentgov rl verify <events.jsonl> --key <pub.pem>`: checks signed reward records against their episode logs. */
export const rlVerifyCommand: Command = (argv, io) => rlVerify(argv, io);
/** `agentgov rl kill [--state <file>] [--reason <text>] [--pause]`: engages the persisted kill switch. */
export const rlKillCommand: Command = (argv, io) => rlKill(argv, io);
/** `agentgov rl resume [--state <file>] [--operator <name>]`: releases it. */
export const rlResumeCommand: Command = (argv, io) => rlResume(argv, io);
/** `agentgov rl status [--state <file>]`: exit 0 running, 1 engaged. */
export const rlStatusCommand: Command = (argv, io) => rlStatus(argv, io);
