/** The agentgov home folder (REGISTRY.md §7.4): `$AGENTGOV_HOME`, else `~/.agentgov`. */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** `$AGENTGOV_HOME` when set and non-empty, else `~/.agentgov`; always absolute. */
export function agentgovHome(env: NodeJS.ProcessEnv = process.env): string {
  const home = env.AGENTGOV_HOME;
  return resolve(home !== undefined && home !== "" ? home : join(homedir(), ".agentgov"));
}
