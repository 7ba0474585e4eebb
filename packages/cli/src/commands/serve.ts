/** `agentgov serve`: the governance engine, from `@agentgov/server`. */
import { serveCommand } from "@agentgov/server";
import type { Command } from "../io.js";

/** `agentgov serve [--port] [--host] [--policies <dir>] [--data <dir>] [--init]`. */
export const serve: Command = (argv, io) => serveCommand(argv, io);
