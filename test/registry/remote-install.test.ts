/**
 * The client's network half against a real registry on 127.0.0.1 (REGISTRY.md §7.2): publish,
 * install by range in another home, yank, revocation boundaries, dependencies, unsigned
 * versions. Every rejection is checked to leave the installing home and project untouched.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installFromRegistry, loadInstalledPlugin, publish, revoke, rotate, yank } from "@agentgov/registry-client";
import { generateKeyPair } from "@agentgov/registry-protocol";
import { CONSENT } from "./remote-fixture.js";
import { createPublisher, newHome, packPlugin, publishPlugin, rejects, startRegistry, type Publisher, type Registry } from "./remote-fixture.js";

let reg: Registry;
let acme: Publisher;

beforeAll(async () => {
  reg = await startRegistry();
  acme = await createPublisher(reg, "acme");
});
afterAll(async () => { await reg.close(); });

describe("publish and install by range", () => {
  it("installs the highest matching version in another home and locks it", async () => {
    const first = await publishPlugin(reg, acme, "@acme/search", "1.0.0");
    expect(first.entry.kind).toBe("publish");
    await publishPlugin(reg, acme, "@acme/search", "1.2.0");
    await publishPlugin(reg, acme, "@acme/search", "2.0.0");
    const home = await newHome();
    const project = await newHome();
    const result = await installFromRegistry("@acme/search", "^1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT });
    expect(result.version).toBe("1.2.0");
    expect(result.pinned).toBe(true);
    const grant = await loadInstalledPlugin("@acme/search", { home, projectDir: project, trustedKeys: [acme.publicKey] });
    expect(grant.version).toBe("1.2.0");
    // An implicit downgrade is refused.
    await rejects(() => installFromRegistry("@acme/search", "1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_ROLLBACK", [home, project]);
  });

  it("skips a yanked version in a range but installs it when pinned exactly", async () => {
    await publishPlugin(reg, acme, "@acme/yanky", "1.0.0");
    await publishPlugin(reg, acme, "@acme/yanky", "1.1.0");
    await yank({ registry: reg.url, token: acme.token, home: acme.home, signingKeys: [acme.secretKey], publisher: "acme", name: "@acme/yanky", version: "1.1.0" });
    const home = await newHome();
    const project = await newHome();
    expect((await installFromRegistry("@acme/yanky", "^1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT })).version).toBe("1.0.0");
    const warnings: string[] = [];
    const pinned = await installFromRegistry("@acme/yanky", "1.1.0", { registry: reg.url, home, project, yesCapabilities: CONSENT, onWarning: (w) => warnings.push(w) });
    expect(pinned.version).toBe("1.1.0");
    expect(warnings.join()).toMatch(/yanked/);
  });

  it("refuses a missing range match and a prerelease without opting in", async () => {
    await publishPlugin(reg, acme, "@acme/pre", "1.0.0");
    await publishPlugin(reg, acme, "@acme/pre", "1.1.0-rc.1");
    const home = await newHome();
    const project = await newHome();
    await rejects(() => installFromRegistry("@acme/pre", "^3.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_VERSION_UNAVAILABLE", [home, project]);
    await rejects(() => installFromRegistry("@acme/pre", "1.1.0-rc.1", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_VERSION_UNAVAILABLE", [home, project]);
    expect((await installFromRegistry("@acme/pre", "^1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT })).version).toBe("1.0.0");
    expect((await installFromRegistry("@acme/pre", "1.1.0-rc.1", { registry: reg.url, home, project, yesCapabilities: CONSENT, prerelease: true })).version).toBe("1.1.0-rc.1");
  });

  it("installs dependencies first, from the same registry", async () => {
    await publishPlugin(reg, acme, "@acme/util", "1.3.0");
    await publishPlugin(reg, acme, "@acme/app", "1.0.0", { "@acme/util": "^1.2.0" });
    const home = await newHome();
    const project = await newHome();
    const result = await installFromRegistry("@acme/app", "1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT });
    expect(result.dependencies.map((d) => `${d.name}@${d.version}`)).toEqual(["@acme/util@1.3.0"]);
  });
});

describe("dependency attacks (§11.21)", () => {
  it("rejects a cycle and writes nothing (REGISTRY_DEPENDENCY)", async () => {
    await publishPlugin(reg, acme, "@acme/cyc-b", "1.0.0");
    await publishPlugin(reg, acme, "@acme/cyc-a", "1.0.0", { "@acme/cyc-b": "^1.0.0" });
    await publishPlugin(reg, acme, "@acme/cyc-b", "1.1.0", { "@acme/cyc-a": "^1.0.0" });
    const home = await newHome();
    const project = await newHome();
    await rejects(() => installFromRegistry("@acme/cyc-a", "1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_DEPENDENCY", [home, project]);
  });

  it("fails the whole install when a dependency's key was revoked as compromised (REGISTRY_KEY_REVOKED)", async () => {
    const dep = await createPublisher(reg, "depco");
    const late = await publishPlugin(reg, dep, "@depco/lib", "1.0.0");
    await publishPlugin(reg, acme, "@acme/uses-lib", "1.0.0", { "@depco/lib": "^1.0.0" });
    await revoke({ registry: reg.url, token: dep.token, home: dep.home, signingKeys: [dep.secretKey], publisher: "depco", keyid: dep.keyid, reason: "stolen", compromisedSince: late.logIndex });
    const home = await newHome();
    const project = await newHome();
    await rejects(() => installFromRegistry("@acme/uses-lib", "1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_KEY_REVOKED", [home, project]);
  });

  it("needs consent for every plugin of the set (REGISTRY_CONSENT_REQUIRED)", async () => {
    const home = await newHome();
    const project = await newHome();
    await rejects(() => installFromRegistry("@acme/app", "1.0.0", { registry: reg.url, home, project }), "REGISTRY_CONSENT_REQUIRED", [home, project]);
  });
});

describe("revocation with compromisedSince", () => {
  it("refuses versions logged at or after the boundary and installs earlier ones", async () => {
    const mallory = await createPublisher(reg, "mallory");
    const early = await publishPlugin(reg, mallory, "@mallory/tool", "1.0.0");
    const late = await publishPlugin(reg, mallory, "@mallory/tool", "1.1.0");
    await revoke({
      registry: reg.url, token: mallory.token, home: mallory.home, signingKeys: [mallory.secretKey], publisher: "mallory",
      keyid: mallory.keyid, reason: "key stolen", compromisedSince: late.logIndex,
    });
    expect(early.logIndex).toBeLessThan(late.logIndex);
    const home = await newHome();
    const project = await newHome();
    await rejects(() => installFromRegistry("@mallory/tool", "1.1.0", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_KEY_REVOKED", [home, project]);
    await rejects(() => installFromRegistry("@mallory/tool", "^1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_KEY_REVOKED", [home, project]);
    expect((await installFromRegistry("@mallory/tool", "1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT })).version).toBe("1.0.0");
  });
});

describe("rotation", () => {
  it("adds a key signed by the current and the new key; a TOFU pin still refuses the new key", async () => {
    const rot = await createPublisher(reg, "rot");
    await publishPlugin(reg, rot, "@rot/tool", "1.0.0");
    const pinnedHome = await newHome();
    const pinnedProject = await newHome();
    await installFromRegistry("@rot/tool", "1.0.0", { registry: reg.url, home: pinnedHome, project: pinnedProject, yesCapabilities: CONSENT });
    const next = generateKeyPair();
    // The added key must sign too (proof of possession).
    await expect(rotate({ registry: reg.url, token: rot.token, home: rot.home, signingKeys: [rot.secretKey], publisher: "rot", add: [next.publicKey], remove: [] }))
      .rejects.toMatchObject({ code: "REGISTRY_THRESHOLD" });
    await rotate({ registry: reg.url, token: rot.token, home: rot.home, signingKeys: [rot.secretKey, next.secretKey], publisher: "rot", add: [next.publicKey], remove: [rot.keyid] });
    const files = await packPlugin("@rot/tool", "1.1.0", "rot", [next.secretKey]);
    await publish(files.tarball, files.envelope, { registry: reg.url, token: rot.token, home: rot.home });
    const fresh = await newHome();
    const freshProject = await newHome();
    const installed = await installFromRegistry("@rot/tool", "^1.0.0", { registry: reg.url, home: fresh, project: freshProject, yesCapabilities: CONSENT });
    expect(installed.grant.keyids).toEqual([next.keyid]);
    await rejects(() => installFromRegistry("@rot/tool", "^1.0.0", { registry: reg.url, home: pinnedHome, project: pinnedProject, yesCapabilities: CONSENT }),
      "REGISTRY_KEY_CHANGED", [pinnedHome, pinnedProject]);
  });
});

describe("root pinning", () => {
  it("refuses a registry whose root 1 is not the pinned one (REGISTRY_UNTRUSTED_KEY)", async () => {
    const home = await newHome();
    const project = await newHome();
    const { saveTrustStore, defaultTrustStore } = await import("@agentgov/registry-client");
    await saveTrustStore({ ...defaultTrustStore(), registries: { [reg.url]: { rootSha256: "0".repeat(64) } } }, home);
    await rejects(() => installFromRegistry("@acme/search", "^1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT }), "REGISTRY_UNTRUSTED_KEY", [home, project]);
  });

  it("pins root 1 on first use in the trust store", async () => {
    const home = await newHome();
    const project = await newHome();
    await installFromRegistry("@acme/search", "^1.0.0", { registry: reg.url, home, project, yesCapabilities: CONSENT });
    const { loadTrustStore } = await import("@agentgov/registry-client");
    expect((await loadTrustStore(home)).registries[reg.url]?.rootSha256).toMatch(/^[0-9a-f]{64}$/);
  });
});
