/** Programmatic entry of the agentgov CLI (the `agentgov` binary calls {@link main}). */
export { main, HELP } from "./main.js";
export type { CliIo, Command } from "./io.js";
export { EXIT_OK, EXIT_FAIL, EXIT_USAGE } from "./io.js";
