/**
 * `@agentgov/rl-guard/cli`: the `agentgov rl …` verbs as functions the `agentgov` CLI mounts.
 * Each takes its own argv and an io surface and resolves to the exit code (0 ok, 1 rejected,
 * 2 usage); each accepts `--json` and `--help`.
 *
 * @example
 * process.exitCode = await rlVerify(["events.jsonl", "--key", "reward.pub.pem"], { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() });
 */
export { rlVerify, MAX_RECORDS_PER_ATTEMPT, type RecordVerdict, type VerifyReport } from "./verify.js";
export { rlKill, rlResume, rlStatus } from "./kill.js";
export { episodeEvents, eventLines, EVENT_TYPES, MAX_CHAIN_SLICE, VERIFIER_SOURCE, type RlEvent, type EpisodeEventsInput } from "./events.js";
export { EXIT_OK, EXIT_REJECTED, EXIT_USAGE, type RlCliIo, type RlCommand } from "./common.js";
