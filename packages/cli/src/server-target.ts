/** Which server a command talks to, and with which token: flags first, then the environment. */
import { UsageError } from "./args.js";
import { DEFAULT_ENDPOINT, HttpFailure, parseEndpoint } from "./http-client.js";
import type { CliIo } from "./io.js";

/** The endpoint of `--endpoint`, else `AGENTGOV_ENDPOINT`, else {@link DEFAULT_ENDPOINT}. Throws a usage error when malformed. */
export function endpointOf(flag: string | undefined, io: CliIo): URL {
  const text = flag ?? nonEmpty(io.env.AGENTGOV_ENDPOINT) ?? DEFAULT_ENDPOINT;
  try {
    return parseEndpoint(text);
  } catch (error) {
    if (error instanceof HttpFailure) throw new UsageError(error.message);
    throw error;
  }
}

/** The token of `--token`, else `AGENTGOV_TOKEN`; a usage error when there is none. */
export function tokenOf(flag: string | undefined, io: CliIo): string {
  const token = flag ?? nonEmpty(io.env.AGENTGOV_TOKEN);
  if (token === undefined) throw new UsageError("no token: set AGENTGOV_TOKEN (or give --token) to an admin token of the server ('agentgov serve --init' prints one)");
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f]/.test(token)) throw new UsageError("the token holds whitespace or control characters");
  return token;
}

/** `value` unless it is undefined or empty. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}
