/**
 * `--frozen-lockfile` (REGISTRY.md §8, §7.4) against a real registry: installs exactly what
 * `agentgov-lock.json` records (by name, or every locked plugin as one set), never rewrites
 * it, and fails without writing anything when resolution would change it.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installFromLockfile, installFromRegistry } from "@agentgov/registry-client";
import { CONSENT, createPublisher, newHome, publishPlugin, rejects, startRegistry, type Publisher, type Registry } from "./remote-fixture.js";

let reg: Registry;
let acme: Publisher;
let lockText = "";

beforeAll(async () => {
  reg = await startRegistry();
  acme = await createPublisher(reg, "acme");
  await publishPlugin(reg, acme, "@acme/fz-util", "1.0.0");
  await publishPlugin(reg, acme, "@acme/fz-app", "1.0.0", { "@acme/fz-util": "^1.0.0" });
  const project = await newHome();
  await installFromRegistry("@acme/fz-app", "^1.0.0", { registry: reg.url, home: await newHome(), project, yesCapabilities: CONSENT });
  lockText = await readFile(join(project, "agentgov-lock.json"), "utf8");
  // Newer versions appear after the lockfile was written.
  await publishPlugin(reg, acme, "@acme/fz-util", "1.1.0");
  await publishPlugin(reg, acme, "@acme/fz-app", "1.1.0", { "@acme/fz-util": "^1.0.0" });
});
afterAll(async () => { await reg.close(); });

/** A fresh home and a project holding `text` as its lockfile. */
async function lockedProject(text = lockText): Promise<{ home: string; project: string }> {
  const project = await newHome();
  await writeFile(join(project, "agentgov-lock.json"), text);
  return { home: await newHome(), project };
}

describe("--frozen-lockfile", () => {
  it("installs every locked plugin at its locked version and leaves the lockfile byte-identical", async () => {
    const { home, project } = await lockedProject();
    const result = await installFromLockfile({ registry: reg.url, home, project });
    expect(result.installed.map((p) => `${p.name}@${p.version}`).sort()).toEqual(["@acme/fz-app@1.0.0", "@acme/fz-util@1.0.0"]);
    expect(await readFile(join(project, "agentgov-lock.json"), "utf8")).toBe(lockText);
  });

  it("pins a named install and its dependencies to the lockfile, not to the newest match", async () => {
    const { home, project } = await lockedProject();
    const result = await installFromRegistry("@acme/fz-app", "^1.0.0", { registry: reg.url, home, project, frozenLockfile: true });
    expect(result.version).toBe("1.0.0");
    expect(result.dependencies.map((d) => d.version)).toEqual(["1.0.0"]);
    expect(await readFile(join(project, "agentgov-lock.json"), "utf8")).toBe(lockText);
  });

  it("refuses a plugin the lockfile does not name, a range the locked version misses, another registry (REGISTRY_VERSION_UNAVAILABLE)", async () => {
    const { home, project } = await lockedProject();
    await rejects(() => installFromRegistry("@acme/other", "^1.0.0", { registry: reg.url, home, project, frozenLockfile: true }), "REGISTRY_VERSION_UNAVAILABLE", [home, project]);
    await rejects(() => installFromRegistry("@acme/fz-app", "1.1.0", { registry: reg.url, home, project, frozenLockfile: true }), "REGISTRY_VERSION_UNAVAILABLE", [home, project]);
    const foreign = JSON.stringify({ ...(JSON.parse(lockText) as object), registry: "http://127.0.0.1:1" });
    const other = await lockedProject(foreign);
    await rejects(() => installFromLockfile({ registry: reg.url, ...other }), "REGISTRY_VERSION_UNAVAILABLE", [other.home, other.project]);
  });

  it("refuses when the registry's version differs from the locked record (REGISTRY_DIGEST_MISMATCH)", async () => {
    for (const field of ["sha512", "capabilitiesSha256", "logIndex"] as const) {
      const lock = JSON.parse(lockText) as { plugins: Record<string, Record<string, unknown>> };
      const util = lock.plugins["@acme/fz-util"] ?? {};
      util[field] = field === "logIndex" ? 9999 : "0".repeat(field === "sha512" ? 128 : 64);
      const { home, project } = await lockedProject(JSON.stringify(lock));
      await rejects(() => installFromLockfile({ registry: reg.url, home, project }), "REGISTRY_DIGEST_MISMATCH", [home, project]);
    }
  });
});
