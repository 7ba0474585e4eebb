/** `agentgov serve`: the governance engine, from `@agentgov/server`. */
import { serveCommand } from "@agentgov/server";
import type { Command } from "../io.js";

/**
 * `agentgov serve [--port <n>] [--host <host>] [--policies <dir>] [--data <dir>]
 * [--audit sqlite|jsonl] [--audit-sync normal|full] [--ack durable|appended] [--init] [--dev]`
 * (`--help` lists them all).
 */
export const serve: Command = (argv, io) => serveCommand(argv, io);
