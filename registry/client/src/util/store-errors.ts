/**
 * Local filesystem failures of the install store (disk full, quota, I/O, read-only, too many
 * open files). They say nothing about the plugin, so they surface as `REGISTRY_STORE_CORRUPT`
 * ("the local store cannot take this install") rather than as an archive or signature code.
 */
import { RegistryError, isRegistryError } from "@agentgov/registry-protocol";

const STORE_ERRNO: ReadonlySet<string> = new Set(["ENOSPC", "EDQUOT", "EIO", "EROFS", "EFBIG", "EMFILE", "ENFILE", "ENOMEM"]);

/** True when `error` is a Node filesystem error of the kinds above. */
export function isStoreFailure(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return !isRegistryError(error) && typeof code === "string" && STORE_ERRNO.has(code);
}

/** `REGISTRY_STORE_CORRUPT` naming the errno and what was being done, with the cause attached. */
export function storeFailure(error: NodeJS.ErrnoException, doing: string): RegistryError {
  return new RegistryError("REGISTRY_STORE_CORRUPT", `cannot ${doing}: ${error.code ?? "I/O error"}`, { cause: error });
}
