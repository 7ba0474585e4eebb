/**
 * Options shared by the `agentgov registry log …` commands: `--registry <url>` (default
 * `$AGENTGOV_REGISTRY`, else http://127.0.0.1:4873), `--root-sha256 <hex>` (root 1 must hash
 * to it), `--json`; and the rendering of a verified checkpoint.
 */
import { formatRfc3339Seconds, toBase64 } from "@agentgov/registry-protocol";
import { UsageError } from "../args.js";
import type { CliIo } from "../io.js";
import type { VerifiedLog } from "./remote-log.js";

/** The default registry when neither `--registry` nor `AGENTGOV_REGISTRY` is given. */
export const DEFAULT_REGISTRY_URL = "http://127.0.0.1:4873";

/** The `parseArgs` options every log command takes. */
export const LOG_COMMON_OPTIONS = {
  registry: { type: "string" },
  "root-sha256": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Help lines of the shared options. */
export const LOG_COMMON_HELP = `  --registry <url>     the registry (default $AGENTGOV_REGISTRY, else ${DEFAULT_REGISTRY_URL})
  --root-sha256 <hex>  require root 1 to hash to this (default: the pin in trust.json; with none,
                       root 1 is trusted on first use and pinned there)
  --json               one JSON object on stdout

State: the verified root and checkpoint in $AGENTGOV_HOME/registries/<sha256 of URL>/ (shared
with plugin install and audit). Exit codes: 0 verified, 1 rejected (REGISTRY_… code on stderr),
2 usage error.`;

/** The registry URL and root pin from the flags and the environment. */
export function logTarget(io: CliIo, values: { registry?: string | undefined; "root-sha256"?: string | undefined }): { url: string; rootSha256: string | undefined } {
  const text = values.registry ?? io.env.AGENTGOV_REGISTRY ?? DEFAULT_REGISTRY_URL;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--registry: '${text}' is not a URL (expected e.g. ${DEFAULT_REGISTRY_URL})`);
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw new UsageError(`--registry: '${text}' must be a plain http:// or https:// URL`);
  }
  const pin = values["root-sha256"];
  if (pin !== undefined && !/^[0-9a-f]{64}$/.test(pin)) throw new UsageError("--root-sha256 must be 64 lowercase hex digits");
  return { url: text, rootSha256: pin };
}

/** A non-negative integer argument, else a usage error. */
export function indexArg(text: string | undefined, what: string): number {
  if (text === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`${what} must be a non-negative integer, got '${text ?? ""}'`);
  }
  return Number(text);
}

/** The JSON summary of a verified checkpoint. */
export function checkpointJson(log: VerifiedLog): Record<string, unknown> {
  return {
    registry: log.url, origin: log.checkpoint.origin, size: log.checkpoint.size, rootHash: toBase64(log.checkpoint.rootHash),
    timestamp: log.checkpoint.timestamp, rootVersion: log.rootVersion, root1Sha256: log.root1Sha256, firstUse: log.firstUse,
    previousSize: log.previous?.size ?? null,
  };
}

/** Human lines describing a verified checkpoint. */
export function checkpointLines(log: VerifiedLog, now: number): string[] {
  const cp = log.checkpoint;
  const previous = log.previous === undefined
    ? "first checkpoint this home has verified from this registry"
    : log.previous.size === cp.size ? `same tree as the last verified checkpoint (size ${cp.size})` : `consistent with the last verified checkpoint (size ${log.previous.size})`;
  return [
    `checkpoint of ${cp.origin}: size ${cp.size}, root ${toBase64(cp.rootHash)}`,
    `signed ${formatRfc3339Seconds(cp.timestamp)} (${Math.max(0, now - cp.timestamp)} s ago) by the log key of root ${log.rootVersion}`,
    `root 1 sha256 ${log.root1Sha256}${log.firstUse ? " (trusted on first use; now pinned in trust.json)" : " (pinned)"}`,
    previous,
  ];
}
