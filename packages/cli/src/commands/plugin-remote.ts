/**
 * Shared pieces of the registry-facing `agentgov plugin …` commands (REGISTRY.md §8): the
 * registry URL (`--registry` or `AGENTGOV_REGISTRY`), the token (`--token` or
 * `AGENTGOV_REGISTRY_TOKEN`), the publisher signing key, and progress lines on stderr for
 * transfers of 1 MiB or more.
 */
import { loadSigningKey, type SigningKey, type TransferProgress } from "@agentgov/registry-client";
import { UsageError } from "../args.js";
import { type CliIo, writeLine } from "../io.js";
import { homeOf, passphraseOf, pathOf } from "./plugin-common.js";

/** Options every registry command takes. */
export const REMOTE_OPTIONS = {
  registry: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Options of commands that sign a statement. */
export const SIGNING_OPTIONS = {
  key: { type: "string" },
  "passphrase-file": { type: "string" },
} as const;

/** `--registry`, else `AGENTGOV_REGISTRY`; a usage error when neither is set. */
export function registryOf(io: CliIo, value: string | undefined): string {
  const url = value ?? io.env.AGENTGOV_REGISTRY;
  if (url === undefined || url === "") throw new UsageError("no registry: pass --registry <url> or set AGENTGOV_REGISTRY");
  return url;
}

/** `--token`, else `AGENTGOV_REGISTRY_TOKEN`; a usage error when neither is set. */
export function tokenOf(io: CliIo, value: string | undefined): string {
  const token = value ?? io.env.AGENTGOV_REGISTRY_TOKEN;
  if (token === undefined || token === "") throw new UsageError("no token: pass --token <token> or set AGENTGOV_REGISTRY_TOKEN");
  return token;
}

/** A progress callback printing one stderr line per 10 % (or per 5 MiB when the size is unknown). */
export function progressOf(io: CliIo): (progress: TransferProgress) => void {
  const last = new Map<string, number>();
  return ({ label, bytes, total }) => {
    const step = total === undefined ? 5 * 1024 * 1024 : Math.max(1, Math.floor(total / 10));
    const bucket = Math.floor(bytes / step);
    if (last.get(label) === bucket && bytes !== total) return;
    last.set(label, bucket);
    const mib = (n: number): string => (n / (1024 * 1024)).toFixed(1);
    writeLine(io.stderr, `${label}: ${mib(bytes)}${total === undefined ? "" : `/${mib(total)}`} MiB`);
  };
}

/** The signing key (§5.1 precedence: `--key`, then `AGENTGOV_SIGNING_KEY`, then the home's default key). */
export async function signingKeyOf(io: CliIo, keyPath: string | undefined, passphraseFile: string | undefined): Promise<SigningKey> {
  const fromEnv = io.env.AGENTGOV_SIGNING_KEY;
  const needsPassphrase = keyPath !== undefined || fromEnv === undefined || fromEnv === "";
  const passphrase = needsPassphrase ? await passphraseOf(io, passphraseFile, false) : undefined;
  return loadSigningKey({
    env: io.env, home: homeOf(io),
    ...(keyPath === undefined ? {} : { keyPath: pathOf(io, keyPath) }),
    ...(passphrase === undefined ? {} : { passphrase }),
  });
}

/** Splits `name[@range]`, scoped names included (`@acme/x@^1.2.0`). */
export function splitSpec(spec: string): { name: string; range?: string } {
  const at = spec.lastIndexOf("@");
  if (at <= 0) return { name: spec };
  const range = spec.slice(at + 1);
  if (range === "") throw new UsageError(`empty version or range in ${spec}`);
  return { name: spec.slice(0, at), range };
}

/** The publisher: `--publisher`, else the scope of a scoped name. */
export function publisherOf(value: string | undefined, name?: string): string {
  if (value !== undefined) return value;
  const scope = name?.startsWith("@") === true ? name.slice(1, name.indexOf("/")) : undefined;
  if (scope === undefined || scope === "") throw new UsageError("pass --publisher <id>");
  return scope;
}

/** True for an `ed25519:<64 hex>` key id (checked again, strictly, by the client). */
export function isKeyIdText(value: string): boolean {
  return /^ed25519:[0-9a-f]{64}$/.test(value);
}
