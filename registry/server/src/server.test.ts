import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertConsistency, assertInclusion, canonicalJson, entryLeafHash, fromBase64, fromHex, keyIdOf, openCheckpoint,
  parseEnvelope, sha256, sha512, toHex, utf8, validatePackageIndex, verifyEnvelope, verifyManifestEnvelope,
  type PackageIndex,
} from "@agentgov/registry-protocol";
import { call, createPublisher, packPlugin, publishPlugin, startRegistry, type TestKey, type TestRegistry } from "./testing/harness.js";
import type { Receipt } from "./publish/receipt.js";
import type { RootStatement } from "./keys/root.js";

let reg: TestRegistry;
let key: TestKey;
let token: string;
let root: RootStatement;

function b64(text: string): Uint8Array {
  return fromBase64(text) ?? new Uint8Array();
}

function roleKey(role: keyof RootStatement["roles"]): Uint8Array {
  const keyid = root.roles[role].keyids[0] ?? "";
  return b64(root.keys[keyid]?.publicKey ?? "");
}

beforeAll(async () => {
  reg = await startRegistry();
  ({ key, token } = await createPublisher(reg, "acme"));
  const rootText = (await call(reg, "GET", "/v1/root.json")).text;
  const envelope = parseEnvelope(rootText);
  root = JSON.parse(Buffer.from(b64(envelope.payload)).toString("utf8")) as RootStatement;
  const rootKey = b64(root.keys[root.roles.root.keyids[0] ?? ""]?.publicKey ?? "");
  expect(verifyEnvelope(envelope, { kind: "root", trustedKeys: [rootKey], threshold: 1 }).ok).toBe(true);
});
afterAll(async () => { await reg.close(); });

describe("publish and fetch", () => {
  it("publishes a signed plugin and answers a receipt that verifies against the signed checkpoint", async () => {
    const plugin = await packPlugin({ name: "@acme/web-search", version: "1.4.2", publisher: "acme" }, [key]);
    const res = await publishPlugin(reg, plugin, token);
    expect(res.status, res.text).toBe(201);
    const receipt = res.json() as Receipt;
    const cp = openCheckpoint(receipt.checkpoint, { origin: reg.origin, publicKey: roleKey("log") });
    expect(cp.size).toBe(receipt.inclusionProof.treeSize);
    const entry = receipt.entry as Record<string, unknown>;
    expect(entry).toMatchObject({ kind: "publish", name: "@acme/web-search", version: "1.4.2", publisher: "acme", keyids: [key.keyid] });
    expect(entry.sha512).toBe(toHex(sha512(plugin.tarball)));
    expect(entry.envelopeSha256).toBe(toHex(sha256(utf8(canonicalJson(plugin.envelope)))));
    assertInclusion(entryLeafHash(entry), { ...receipt.inclusionProof, hashes: receipt.inclusionProof.hashes.map(b64) }, cp.rootHash);
  });

  it("serves the blob, the envelope, the receipt and a signed index", async () => {
    const plugin = await packPlugin({ name: "@acme/web-search", version: "1.4.2", publisher: "acme" }, [key]);
    const hex = toHex(sha512(plugin.tarball));
    const blob = await fetch(`${reg.url}/v1/blobs/sha512/${hex}`);
    expect(blob.status).toBe(200);
    expect(blob.headers.get("cache-control")).toContain("immutable");
    expect(toHex(sha512(new Uint8Array(await blob.arrayBuffer())))).toBe(hex);
    const envelope = await call(reg, "GET", "/v1/packages/@acme/web-search/1.4.2/envelope");
    const verified = verifyManifestEnvelope(envelope.text, { trustedKeys: [key.publicKey], threshold: 1, expect: { name: "@acme/web-search", version: "1.4.2" } });
    expect(verified.ok).toBe(true);
    const indexRes = await call(reg, "GET", "/v1/packages/@acme/web-search/index");
    const index = verifyEnvelope<PackageIndex>(indexRes.text, { kind: "index", trustedKeys: [roleKey("index")], threshold: 1, validate: validatePackageIndex });
    if (!index.ok) throw index.error;
    expect(index.statement.distTags).toEqual({ latest: "1.4.2" });
    expect(index.statement.versions["1.4.2"]).toMatchObject({ sha512: hex, status: "active", keyids: [key.keyid] });
    expect(index.statement.keys).toEqual([{ keyid: key.keyid, boundAt: 0 }]);
    const receipt = (await call(reg, "GET", "/v1/packages/@acme/web-search/1.4.2/receipt")).json() as Receipt;
    expect(receipt.logIndex).toBe(1);
  });

  it("serves log entries whose hashes rebuild the checkpoint root, and consistency proofs between checkpoints", async () => {
    const first = openCheckpoint((await call(reg, "GET", "/v1/log/checkpoint")).text, { origin: reg.origin, publicKey: roleKey("log") });
    for (const version of ["1.5.0", "1.6.0", "2.0.0-rc.1"]) {
      const plugin = await packPlugin({ name: "@acme/web-search", version, publisher: "acme" }, [key]);
      expect((await publishPlugin(reg, plugin, token)).status).toBe(201);
    }
    const cpRes = await call(reg, "GET", "/v1/log/checkpoint");
    expect(cpRes.headers.get("content-type")).toContain("text/plain");
    const second = openCheckpoint(cpRes.text, { origin: reg.origin, publicKey: roleKey("log") });
    expect(second.size).toBe(first.size + 3);
    const entries = (await call(reg, "GET", `/v1/log/entries?start=0&end=${second.size}`)).json() as { entries: unknown[] };
    expect(entries.entries).toHaveLength(second.size);
    for (let i = 0; i < second.size; i++) {
      const proof = (await call(reg, "GET", `/v1/log/proof/inclusion?index=${i}&size=${second.size}`)).json() as { leafIndex: number; treeSize: number; hashes: string[] };
      assertInclusion(entryLeafHash(entries.entries[i]), { ...proof, hashes: proof.hashes.map(b64) }, second.rootHash);
    }
    const consistency = (await call(reg, "GET", `/v1/log/proof/consistency?from=${first.size}&to=${second.size}`)).json() as { firstSize: number; secondSize: number; hashes: string[] };
    assertConsistency({ ...consistency, hashes: consistency.hashes.map(b64) }, first.rootHash, second.rootHash);
    const index = JSON.parse(Buffer.from(b64(parseEnvelope((await call(reg, "GET", "/v1/packages/@acme/web-search/index")).text).payload)).toString()) as PackageIndex;
    expect(index.distTags.latest).toBe("1.6.0");
    expect(index.checkpoint.size).toBe(second.size);
  });

  it("roots name distinct keys per role and the log key signs checkpoints", () => {
    const ids = Object.values(root.roles).flatMap((r) => r.keyids);
    expect(new Set(ids).size).toBe(5);
    expect(keyIdOf(roleKey("log"))).toBe(root.roles.log.keyids[0]);
    expect(fromHex(toHex(roleKey("admin")))).toEqual(roleKey("admin"));
  });

  it("finds packages by name and serves accepted statements by digest", async () => {
    const found = (await call(reg, "GET", "/v1/search?q=web")).json() as { results: { name: string }[] };
    expect(found.results.map((r) => r.name)).toEqual(["@acme/web-search"]);
    expect(((await call(reg, "GET", "/v1/search?q=nothing-like-this")).json() as { results: unknown[] }).results).toEqual([]);
    expect((await call(reg, "GET", "/v1/search")).status).toBe(400);
    const bind = (await call(reg, "GET", "/v1/log/entries?start=0&end=1")).json() as { entries: { envelopeSha256: string }[] };
    expect(bind.entries[0]?.envelopeSha256).toMatch(/^[0-9a-f]{64}$/);
    const leaves = await call(reg, "GET", `/v1/statements/${"0".repeat(64)}`);
    expect(leaves.status).toBe(404);
  });
});
