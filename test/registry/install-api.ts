/** The install API under test, from the package's public surface. */
import { installLocal, installTrusted, loadInstalledPlugin, scanArchive } from "@agentgov/registry-client";

export type { InstallLocalOptions } from "@agentgov/registry-client";

/** The slice of the install API the attack suite drives. */
export const api = { installLocal, installTrusted, loadInstalledPlugin, scanArchive };
