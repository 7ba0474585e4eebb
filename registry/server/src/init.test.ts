import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnvelope, sha256, toHex, utf8 } from "@agentgov/registry-protocol";
import { initRegistry } from "./init.js";
import { createRegistryServer } from "./server.js";
import { originFor, registryPaths } from "./registry-config.js";

async function freshDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), "agentgov-init-")), "registry");
}

describe("initRegistry", () => {
  it("creates 0600 keys in a 0700 folder, root 1, an admin token file and the config", async () => {
    const dir = await freshDir();
    const result = await initRegistry(dir, { publicUrl: "http://127.0.0.1:4873/" });
    expect(result.origin).toBe("127.0.0.1:4873/log");
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, "keys"))).mode & 0o777).toBe(0o700);
    for (const file of ["keys/root.key", "keys/log.key", "keys/index.key", "keys/admin.key", "keys/npm.pem", "admin-token", "registry.json"]) {
      expect((await stat(join(dir, file))).mode & 0o777, file).toBe(0o600);
    }
    expect((await readFile(result.adminTokenPath, "utf8")).trim()).toMatch(/^agr_[A-Za-z0-9_-]{43}$/);
    const server = await createRegistryServer({ dir, port: 0 });
    try {
      const root = await (await fetch(`${server.url}/v1/root/1.json`)).text();
      expect(toHex(sha256(utf8(root)))).toBe(result.rootSha256);
      expect(parseEnvelope(root).payloadType).toBe("application/vnd.agentgov.root.v1+json");
    } finally {
      await server.close();
    }
  });

  it("refuses to initialise an existing registry", async () => {
    const dir = await freshDir();
    await initRegistry(dir);
    await expect(initRegistry(dir)).rejects.toMatchObject({ code: "REGISTRY_REQUEST_INVALID" });
  });

  it("refuses a public URL that is not plain http(s)", () => {
    for (const url of ["ftp://x", "http://u:p@x", "http://x/?q", "http://x/#f"]) {
      expect(() => originFor(url)).toThrow(expect.objectContaining({ code: "REGISTRY_REQUEST_INVALID" }) as Error);
    }
  });
});

describe("createRegistryServer", () => {
  it("allows one server per data directory", async () => {
    const dir = await freshDir();
    await initRegistry(dir);
    const first = await createRegistryServer({ dir, port: 0 });
    try {
      await expect(createRegistryServer({ dir, port: 0 })).rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
    } finally {
      await first.close();
    }
    await expect(stat(registryPaths(dir).lock)).rejects.toMatchObject({ code: "ENOENT" });
    const second = await createRegistryServer({ dir, port: 0 });
    await second.close();
  });

  it("refuses role keys readable by others", async () => {
    const dir = await freshDir();
    await initRegistry(dir);
    const { chmod } = await import("node:fs/promises");
    await chmod(join(dir, "keys", "log.key"), 0o644);
    await expect(createRegistryServer({ dir, port: 0 })).rejects.toMatchObject({ code: "REGISTRY_STORE_CORRUPT" });
    await expect(stat(registryPaths(dir).lock)).rejects.toMatchObject({ code: "ENOENT" });
  });
});
