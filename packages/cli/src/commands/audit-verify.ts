import type { Command } from "../io.js";
import { EXIT_USAGE } from "../io.js";

/** Placeholder until implemented. */
export const auditVerify: Command = (_argv, io) => { io.stderr.write("not implemented\n"); return Promise.resolve(EXIT_USAGE); };
