/**
 * The registry directory (REGISTRY.md §8 `registry serve --init`): `registry.json` (origin and
 * public URL), `keys/` (role keys, 0700/0600), `registry.sqlite`, `blobs/`, `admin-token`
 * (0600) and the `server.lock` of the running process.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { RegistryError, parseJsonBounded } from "@agentgov/registry-protocol";

/** Paths inside a registry directory. */
export function registryPaths(dir: string): { config: string; database: string; blobs: string; adminToken: string; lock: string } {
  return {
    config: join(dir, "registry.json"), database: join(dir, "registry.sqlite"), blobs: join(dir, "blobs"),
    adminToken: join(dir, "admin-token"), lock: join(dir, "server.lock"),
  };
}

/** `registry.json`. */
export interface RegistryConfig {
  version: 1;
  origin: string;
  publicUrl: string;
}

const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;

/** The log origin for a public URL: host, port and path without the scheme, plus `/log`. */
export function originFor(publicUrl: string): string {
  const url = new URL(publicUrl);
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.search !== "" || url.hash !== "" || url.username !== "") {
    throw new RegistryError("REGISTRY_REQUEST_INVALID", "publicUrl must be a plain http(s) URL");
  }
  const origin = `${url.host}${url.pathname.replace(/\/+$/, "")}/log`;
  if (!ORIGIN.test(origin)) throw new RegistryError("REGISTRY_REQUEST_INVALID", "publicUrl gives an invalid log origin");
  return origin;
}

/** Reads and checks `registry.json`. */
export async function readConfig(dir: string): Promise<RegistryConfig> {
  const value = parseJsonBounded(await readFile(registryPaths(dir).config), { maxBytes: 16 * 1024, maxDepth: 4 });
  const config = value as Partial<RegistryConfig>;
  if (config.version !== 1 || typeof config.origin !== "string" || !ORIGIN.test(config.origin) || typeof config.publicUrl !== "string") {
    throw new RegistryError("REGISTRY_STORE_CORRUPT", "registry.json is invalid");
  }
  return { version: 1, origin: config.origin, publicUrl: config.publicUrl };
}
