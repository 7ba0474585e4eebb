/** Where the server keeps its data: `$AGENTGOV_HOME/server` (`AGENTGOV_HOME` defaults to `~/.agentgov`). */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** The default data directory for an environment. */
export function defaultDataDir(env: Record<string, string | undefined>, cwd: string): string {
  const home = env.AGENTGOV_HOME;
  return home !== undefined && home !== "" ? resolve(cwd, home, "server") : join(homedir(), ".agentgov", "server");
}
