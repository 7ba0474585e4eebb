/**
 * Attacks on the client's network half (REGISTRY.md §11 classes 1, 2, 7, 8, 10): a tampering
 * HTTP proxy on 127.0.0.1 sits between the client and a real registry (it is the attacker)
 * and replays old checkpoints and indexes, forges split views with the registry's own keys,
 * drops inclusion proofs, swaps envelopes and flips tarball bytes. Every rejection carries the
 * spec's code and leaves the installing home and project untouched.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { audit, buildTarball, installFromRegistry } from "@agentgov/registry-client";
import {
  canonicalJson, fromBase64, openCheckpoint, publicKeyOf, sha256, signCheckpoint, signStatement, toBase64, type Envelope,
} from "@agentgov/registry-protocol";
import {
  CONSENT, call, createPublisher, newHome, publishPlugin, rejects, roleSeed, startProxy, startRegistry,
  type Publisher, type Registry, type TamperProxy,
} from "./remote-fixture.js";

let reg: Registry;
let proxy: TamperProxy;
let acme: Publisher;
let home: string;
let project: string;

const opts = (extra: object = {}): Parameters<typeof installFromRegistry>[2] => ({ registry: proxy.url, home, project, yesCapabilities: CONSENT, ...extra });

async function text(path: string): Promise<string> {
  return (await call(reg.url, "GET", path)).text;
}

beforeAll(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg.url);
  acme = await createPublisher(reg, "acme");
  await publishPlugin(reg, acme, "@acme/a", "1.0.0");
});
afterAll(async () => {
  await proxy.close();
  await reg.close();
});
beforeEach(async () => {
  proxy.tamper = undefined;
  home = await newHome();
  project = await newHome();
});

describe("rollback and freeze (§11.7)", () => {
  it("rejects an older checkpoint after a newer one was seen (REGISTRY_ROLLBACK)", async () => {
    const old = await text("/v1/log/checkpoint");
    await publishPlugin(reg, acme, "@acme/a", "1.0.1");
    await installFromRegistry("@acme/a", "^1.0.0", opts());
    proxy.tamper = (path) => (path === "/v1/log/checkpoint" ? Buffer.from(old) : undefined);
    await rejects(() => installFromRegistry("@acme/a", "1.0.0", opts({ allowDowngrade: true })), "REGISTRY_ROLLBACK", [home, project]);
  });

  it("rejects a checkpoint older than 24 h (REGISTRY_STALE)", async () => {
    const later = (): number => Math.floor(Date.now() / 1000) + 25 * 3600;
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts({ now: later })), "REGISTRY_STALE", [home, project]);
  });

  it("rejects an older index after a newer one was seen (REGISTRY_ROLLBACK)", async () => {
    const oldIndex = await text("/v1/packages/@acme/a/index");
    await publishPlugin(reg, acme, "@acme/a", "1.0.2");
    await installFromRegistry("@acme/a", "^1.0.0", opts());
    proxy.tamper = (path) => (path === "/v1/packages/@acme/a/index" ? Buffer.from(oldIndex) : undefined);
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_ROLLBACK", [home, project]);
  });

  it("rejects another index under the same indexVersion (REGISTRY_LOG_FORK)", async () => {
    await installFromRegistry("@acme/a", "^1.0.0", opts());
    const indexSeed = await roleSeed(reg, "index");
    proxy.tamper = (path, body) => {
      if (path !== "/v1/packages/@acme/a/index") return undefined;
      const envelope = JSON.parse(body.toString("utf8")) as Envelope;
      const index = JSON.parse(Buffer.from(fromBase64(envelope.payload) ?? new Uint8Array()).toString("utf8")) as { distTags: Record<string, string> };
      index.distTags = {};
      return Buffer.from(canonicalJson(signStatement("index", index, [indexSeed])));
    };
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_LOG_FORK", [home, project]);
  });

  it("rejects an index signed by a key outside the index role (REGISTRY_UNTRUSTED_KEY)", async () => {
    const logSeed = await roleSeed(reg, "log");
    proxy.tamper = (path, body) => {
      if (path !== "/v1/packages/@acme/a/index") return undefined;
      const envelope = JSON.parse(body.toString("utf8")) as Envelope;
      const index = JSON.parse(Buffer.from(fromBase64(envelope.payload) ?? new Uint8Array()).toString("utf8")) as object;
      return Buffer.from(canonicalJson(signStatement("index", index, [logSeed])));
    };
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_UNTRUSTED_KEY", [home, project]);
  });
});

describe("split view (§11.10)", () => {
  async function forgedCheckpoint(sizeDelta: number): Promise<string> {
    const logSeed = await roleSeed(reg, "log");
    const note = await text("/v1/log/checkpoint");
    const origin = note.split("\n", 1)[0] ?? "";
    const cp = openCheckpoint(note, { origin, publicKey: publicKeyOf(logSeed) });
    return signCheckpoint({ ...cp, size: cp.size + sizeDelta, rootHash: sha256(Buffer.from("another tree")) }, logSeed);
  }

  it("rejects a second root for the tree size this home already verified (REGISTRY_LOG_FORK)", async () => {
    await installFromRegistry("@acme/a", "^1.0.0", opts());
    const forged = await forgedCheckpoint(0);
    proxy.tamper = (path) => (path === "/v1/log/checkpoint" ? Buffer.from(forged) : undefined);
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_LOG_FORK", [home, project]);
  });

  it("rejects a larger checkpoint with no valid consistency proof from the stored one (REGISTRY_LOG_FORK)", async () => {
    await installFromRegistry("@acme/a", "^1.0.0", opts());
    const forged = await forgedCheckpoint(1);
    proxy.tamper = (path) => (path === "/v1/log/checkpoint" ? Buffer.from(forged) : undefined);
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_LOG_FORK", [home, project]);
  });

  it("rejects, on a first use, an index whose tree head differs from the checkpoint (REGISTRY_LOG_FORK)", async () => {
    const forged = await forgedCheckpoint(0);
    proxy.tamper = (path) => (path === "/v1/log/checkpoint" ? Buffer.from(forged) : undefined);
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_LOG_FORK", [home, project]);
  });

  it("rejects a checkpoint not signed by the root's log key (REGISTRY_LOG_PROOF_INVALID)", async () => {
    const note = await text("/v1/log/checkpoint");
    const origin = note.split("\n", 1)[0] ?? "";
    const indexSeed = await roleSeed(reg, "index");
    const cp = openCheckpoint(note, { origin, publicKey: publicKeyOf(await roleSeed(reg, "log")) });
    const forged = signCheckpoint(cp, indexSeed);
    proxy.tamper = (path) => (path === "/v1/log/checkpoint" ? Buffer.from(forged) : undefined);
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_LOG_PROOF_INVALID", [home, project]);
  });
});

describe("log inclusion (§11.10)", () => {
  it("rejects a missing inclusion proof (REGISTRY_LOG_PROOF_INVALID)", async () => {
    proxy.tamper = (path) => (path.startsWith("/v1/log/proof/inclusion") ? Buffer.from('{"error":{"code":"REGISTRY_REQUEST_INVALID","message":"gone"}}') : undefined);
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_LOG_PROOF_INVALID", [home, project]);
  });

  it("rejects a truncated inclusion proof (REGISTRY_LOG_PROOF_INVALID)", async () => {
    proxy.tamper = (path, body) => {
      if (!path.startsWith("/v1/log/proof/inclusion")) return undefined;
      const proof = JSON.parse(body.toString("utf8")) as { hashes: string[] };
      proof.hashes = proof.hashes.slice(1);
      return Buffer.from(JSON.stringify(proof));
    };
    await rejects(() => installFromRegistry("@acme/a", "^1.0.0", opts()), "REGISTRY_LOG_PROOF_INVALID", [home, project]);
  });

  it("rejects a log entry that is not the version's publish (REGISTRY_LOG_PROOF_INVALID)", async () => {
    proxy.tamper = (path, body) => {
      if (!path.startsWith("/v1/log/entries")) return undefined;
      const page = JSON.parse(body.toString("utf8")) as { entries: { kind: string; sha512?: string }[] };
      for (const e of page.entries) if (e.kind === "publish") e.sha512 = "0".repeat(128);
      return Buffer.from(JSON.stringify(page));
    };
    await rejects(() => installFromRegistry("@acme/a", "1.0.0", opts()), "REGISTRY_LOG_PROOF_INVALID", [home, project]);
  });
});

describe("audit (§11.10)", () => {
  it("verifies the whole log and rejects an altered entry (REGISTRY_LOG_PROOF_INVALID)", async () => {
    const report = await audit({ registry: proxy.url, home, publishers: ["acme"] });
    expect(report.treeSize).toBeGreaterThan(0);
    expect(report.newEntries.length).toBeGreaterThan(0);
    const again = await audit({ registry: proxy.url, home, publishers: ["acme"] });
    expect(again.from).toBe(report.treeSize);
    proxy.tamper = (path, body) => {
      if (!path.startsWith("/v1/log/entries")) return undefined;
      const page = JSON.parse(body.toString("utf8")) as { entries: { integratedAt: string }[] };
      const first = page.entries[0];
      if (first !== undefined) first.integratedAt = "2000-01-01T00:00:00Z";
      return Buffer.from(JSON.stringify(page));
    };
    const auditor = await newHome();
    await rejects(() => audit({ registry: proxy.url, home: auditor, publishers: ["acme"] }), "REGISTRY_LOG_PROOF_INVALID", [auditor]);
  });
});

describe("tampered bytes and swapped envelopes (§11.1, §11.2)", () => {
  it("rejects a flipped tarball byte in transit (REGISTRY_DIGEST_MISMATCH)", async () => {
    proxy.tamper = (path, body) => {
      if (!path.startsWith("/v1/blobs/")) return undefined;
      const copy = Buffer.from(body);
      copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 1;
      return copy;
    };
    await rejects(() => installFromRegistry("@acme/a", "1.0.0", opts()), "REGISTRY_DIGEST_MISMATCH", [home, project]);
  });

  it("rejects another version's envelope (REGISTRY_DIGEST_MISMATCH)", async () => {
    await publishPlugin(reg, acme, "@acme/b", "1.0.0");
    await publishPlugin(reg, acme, "@acme/b", "1.1.0");
    const other = await text("/v1/packages/@acme/b/1.1.0/envelope");
    proxy.tamper = (path) => (path === "/v1/packages/@acme/b/1.0.0/envelope" ? Buffer.from(other) : undefined);
    await rejects(() => installFromRegistry("@acme/b", "1.0.0", opts()), "REGISTRY_DIGEST_MISMATCH", [home, project]);
  });
});

describe("unsigned npm publishes (§6.3)", () => {
  it("refuses an unsigned version, by range and exactly (REGISTRY_UNSIGNED)", async () => {
    const tarball = new Uint8Array(await buildTarball([
      { path: "package.json", data: Buffer.from(JSON.stringify({ name: "plain-npm", version: "1.0.0" })), exec: false },
      { path: "index.js", data: Buffer.from("module.exports = 1;\n"), exec: false },
    ]));
    const body = {
      _id: "plain-npm", name: "plain-npm", "dist-tags": { latest: "1.0.0" }, versions: { "1.0.0": { name: "plain-npm", version: "1.0.0" } },
      _attachments: { "plain-npm-1.0.0.tgz": { content_type: "application/octet-stream", data: toBase64(tarball), length: tarball.byteLength } },
    };
    expect((await call(reg.url, "PUT", "/plain-npm", body, acme.token)).status).toBe(201);
    await rejects(() => installFromRegistry("plain-npm", "^1.0.0", opts()), "REGISTRY_UNSIGNED", [home, project]);
    await rejects(() => installFromRegistry("plain-npm", "1.0.0", opts()), "REGISTRY_UNSIGNED", [home, project]);
  });
});
