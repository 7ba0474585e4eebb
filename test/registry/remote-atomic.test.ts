/**
 * Atomicity and staging of a registry install (REGISTRY.md §7.2 steps 1, 5–9, §7.4): every
 * plugin of a dependency set is downloaded, verified and extracted into the one staging
 * folder inside `$AGENTGOV_HOME/plugins/` before anything is committed; a failure of a later
 * plugin (download, consent, destination conflict) leaves store and lockfile byte-identical.
 */
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installFromRegistry } from "@agentgov/registry-client";
import { capabilitiesSha256, emptyCapabilities } from "@agentgov/registry-protocol";
import {
  CONSENT, createPublisher, newHome, publishPlugin, rejects, startProxy, startRegistry, type Publisher, type Registry, type TamperProxy,
} from "./remote-fixture.js";

let reg: Registry;
let acme: Publisher;
let proxy: TamperProxy;
/** Consent for the app's capabilities (env AT_TOKEN). */
const APP_CONSENT = capabilitiesSha256({ ...emptyCapabilities(), env: ["AT_TOKEN"] });
let appSha512 = "";

beforeAll(async () => {
  reg = await startRegistry();
  acme = await createPublisher(reg, "acme");
  proxy = await startProxy(reg.url);
  await publishPlugin(reg, acme, "@acme/at-other", "1.0.0");
  await publishPlugin(reg, acme, "@acme/at-util", "1.0.0");
  appSha512 = (await publishPlugin(reg, acme, "@acme/at-app", "1.0.0", { "@acme/at-util": "^1.0.0" }, ["AT_TOKEN"])).sha512;
});
afterAll(async () => {
  await proxy.close();
  await reg.close();
});

/** A home and project that already hold one install (so the lockfile exists and must stay byte-identical). */
async function populated(registry: string): Promise<{ home: string; project: string }> {
  const home = await newHome();
  const project = await newHome();
  await installFromRegistry("@acme/at-other", "1.0.0", { registry, home, project, yesCapabilities: CONSENT });
  return { home, project };
}

describe("a dependency set commits all or nothing (§7.2 steps 6–9)", () => {
  it("a later plugin refused at consent leaves the earlier dependency uninstalled (REGISTRY_CONSENT_REQUIRED)", async () => {
    const { home, project } = await populated(reg.url);
    await rejects(() => installFromRegistry("@acme/at-app", "1.0.0", { registry: reg.url, home, project, yesCapabilities: [CONSENT] }),
      "REGISTRY_CONSENT_REQUIRED", [home, project]);
    expect((await readdir(join(home, "plugins"))).filter((n) => n.includes("at-util"))).toEqual([]);
    const result = await installFromRegistry("@acme/at-app", "1.0.0", { registry: reg.url, home, project, yesCapabilities: [CONSENT, APP_CONSENT] });
    expect([...result.dependencies.map((d) => d.name), result.name]).toEqual(["@acme/at-util", "@acme/at-app"]);
  });

  it("a later plugin's tampered download leaves the earlier dependency uninstalled (REGISTRY_DIGEST_MISMATCH)", async () => {
    const { home, project } = await populated(proxy.url);
    proxy.tamper = (path, body) => (path === `/v1/blobs/sha512/${appSha512}` ? Buffer.from(body.map((b, i) => (i === 100 ? b ^ 1 : b))) : undefined);
    try {
      await rejects(() => installFromRegistry("@acme/at-app", "1.0.0", { registry: proxy.url, home, project, yesCapabilities: [CONSENT, APP_CONSENT] }),
        "REGISTRY_DIGEST_MISMATCH", [home, project]);
    } finally {
      proxy.tamper = undefined;
    }
    expect((await readdir(join(home, "plugins"))).filter((n) => n.includes("at-util"))).toEqual([]);
  });

  it("a later plugin's occupied destination is detected before any rename (REGISTRY_STORE_CORRUPT)", async () => {
    const { home, project } = await populated(reg.url);
    await mkdir(join(home, "plugins", "@acme+at-app@1.0.0", ".agentgov"), { recursive: true });
    await writeFile(join(home, "plugins", "@acme+at-app@1.0.0", ".agentgov", "manifest.json"), "{}");
    await rejects(() => installFromRegistry("@acme/at-app", "1.0.0", { registry: reg.url, home, project, yesCapabilities: [CONSENT, APP_CONSENT] }),
      "REGISTRY_STORE_CORRUPT", [home, project]);
    expect((await readdir(join(home, "plugins"))).filter((n) => n.includes("at-util"))).toEqual([]);
  });
});

describe("a failure after the renames (§7.2 step 9)", () => {
  it("a lockfile that cannot be written removes the folders this commit created", async () => {
    const { home, project } = await populated(reg.url);
    const before = await readdir(join(home, "plugins"));
    const lockBefore = await readFile(join(project, "agentgov-lock.json"));
    // The atomic write's temp path is taken by a folder: the final step fails after both renames.
    await mkdir(join(project, `agentgov-lock.json.tmp-${String(process.pid)}`));
    const error = await installFromRegistry("@acme/at-app", "1.0.0", { registry: reg.url, home, project, yesCapabilities: [CONSENT, APP_CONSENT] })
      .then(() => undefined, (e: unknown) => e);
    expect((error as { code?: string } | undefined)?.code).toBe("EISDIR");
    expect((await readdir(join(home, "plugins"))).sort()).toEqual(before.sort());
    expect(await readFile(join(project, "agentgov-lock.json"))).toEqual(lockBefore);
  });
});

describe("staging inside $AGENTGOV_HOME/plugins (§7.2 steps 1, 5, 10)", () => {
  it("downloads without the OS temp folder and removes staging at the end", async () => {
    const home = await newHome();
    const project = await newHome();
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(home, "no-such-tmp");
    try {
      await installFromRegistry("@acme/at-app", "1.0.0", { registry: reg.url, home, project, yesCapabilities: [CONSENT, APP_CONSENT] });
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
    const left = await readdir(join(home, "plugins"));
    expect(left.filter((n) => n.startsWith(".staging-") || n === ".lock")).toEqual([]);
    expect(left.sort()).toEqual(["@acme+at-app@1.0.0", "@acme+at-util@1.0.0"]);
  });
});

describe("lockfile of a registry install (§7.4)", () => {
  it("records the registry and each plugin's publish log index", async () => {
    const home = await newHome();
    const project = await newHome();
    const result = await installFromRegistry("@acme/at-app", "1.0.0", { registry: reg.url, home, project, yesCapabilities: [CONSENT, APP_CONSENT] });
    const lock = JSON.parse(await readFile(join(project, "agentgov-lock.json"), "utf8")) as { registry?: string; plugins: Record<string, { logIndex?: number }> };
    expect(lock.registry).toBe(reg.url);
    expect(lock.plugins["@acme/at-app"]?.logIndex).toBe(result.logIndex);
    expect(lock.plugins["@acme/at-util"]?.logIndex).toBe(result.dependencies[0]?.logIndex);
  });
});
