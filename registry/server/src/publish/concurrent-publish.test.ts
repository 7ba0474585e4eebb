/**
 * Class 18 (REGISTRY.md §11): racing publishes. 20 parallel publishes of one version with
 * different bytes → exactly one 201, the rest 409, one log entry, and the served blob is the
 * one the committed row names; republish after yank or block → 409 forever; parallel
 * publishes of different versions → all succeed with unique, contiguous log indices, strictly
 * increasing index versions and receipts valid against the final checkpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertConsistency, assertInclusion, entryLeafHash, formatRfc3339Seconds, fromBase64, openCheckpoint, parseEnvelope, sha512,
  signStatement, toHex, type PackageIndex,
} from "@agentgov/registry-protocol";
import { call, createPublisher, errorCode, packPlugin, publishPlugin, snapshot, startRegistry, type TestKey, type TestRegistry } from "../testing/harness.js";
import type { Receipt } from "./receipt.js";

let reg: TestRegistry;
let acme: { key: TestKey; token: string };
let logKey: Uint8Array;

function b64(text: string): Uint8Array {
  return fromBase64(text) ?? new Uint8Array();
}

function indexOf(text: string): PackageIndex {
  return JSON.parse(Buffer.from(b64(parseEnvelope(text).payload)).toString("utf8")) as PackageIndex;
}

beforeAll(async () => {
  reg = await startRegistry();
  acme = await createPublisher(reg, "acme");
  logKey = reg.server.context.signers.log.publicKey;
});
afterAll(async () => { await reg.close(); });

describe("concurrent publishes", () => {
  it("20 racing publishes of one version: exactly one wins, every round", async () => {
    for (let round = 0; round < 10; round++) {
      const version = `1.0.${round}`;
      const plugins = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        packPlugin({ name: "@acme/race", version, publisher: "acme", salt: `${round}-${i}` }, [acme.key])));
      expect(new Set(plugins.map((p) => toHex(sha512(p.tarball)))).size).toBe(20);
      const before = await snapshot(reg);
      const results = await Promise.all(plugins.map((p) => publishPlugin(reg, p, acme.token)));
      const winners = results.filter((r) => r.status === 201);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 409 && errorCode(r) === "REGISTRY_VERSION_EXISTS")).toHaveLength(19);
      const after = await snapshot(reg);
      expect(after.rows.log_leaves).toBe((before.rows.log_leaves ?? 0) + 1);
      expect(after.rows.versions).toBe((before.rows.versions ?? 0) + 1);
      expect(after.blobFiles).toHaveLength(before.blobFiles.length + 1);
      const receipt = winners[0]?.json() as Receipt;
      const committedSha = (receipt.entry as { sha512: string }).sha512;
      const index = indexOf((await call(reg, "GET", "/v1/packages/@acme/race/index")).text);
      expect(index.versions[version]?.sha512).toBe(committedSha);
      const blob = await fetch(`${reg.url}/v1/blobs/sha512/${committedSha}`);
      expect(toHex(sha512(new Uint8Array(await blob.arrayBuffer())))).toBe(committedSha);
    }
  });

  it("parallel publishes of different versions all succeed with contiguous indices and valid receipts", async () => {
    const start = (await snapshot(reg)).rows.log_leaves ?? 0;
    const first = openCheckpoint((await call(reg, "GET", "/v1/log/checkpoint")).text, { origin: reg.origin, publicKey: logKey });
    const plugins = await Promise.all(Array.from({ length: 10 }, (_, i) => packPlugin({ name: "@acme/many", version: `2.0.${i}`, publisher: "acme" }, [acme.key])));
    const results = await Promise.all(plugins.map((p) => publishPlugin(reg, p, acme.token)));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    const receipts = results.map((r) => r.json() as Receipt);
    expect(receipts.map((r) => r.logIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => start + i));
    const final = openCheckpoint((await call(reg, "GET", "/v1/log/checkpoint")).text, { origin: reg.origin, publicKey: logKey });
    for (const receipt of receipts) {
      const cp = openCheckpoint(receipt.checkpoint, { origin: reg.origin, publicKey: logKey });
      assertInclusion(entryLeafHash(receipt.entry), { ...receipt.inclusionProof, hashes: receipt.inclusionProof.hashes.map(b64) }, cp.rootHash);
      const proof = (await call(reg, "GET", `/v1/log/proof/inclusion?index=${receipt.logIndex}&size=${final.size}`)).json() as { leafIndex: number; treeSize: number; hashes: string[] };
      assertInclusion(entryLeafHash(receipt.entry), { ...proof, hashes: proof.hashes.map(b64) }, final.rootHash);
    }
    const consistency = (await call(reg, "GET", `/v1/log/proof/consistency?from=${first.size}&to=${final.size}`)).json() as { firstSize: number; secondSize: number; hashes: string[] };
    assertConsistency({ ...consistency, hashes: consistency.hashes.map(b64) }, first.rootHash, final.rootHash);
    const index = indexOf((await call(reg, "GET", "/v1/packages/@acme/many/index")).text);
    expect(index.indexVersion).toBe(10);
    expect(Object.keys(index.versions)).toHaveLength(10);
  });

  it("republish after yank or block is 409 forever", async () => {
    const yanked = await packPlugin({ name: "@acme/gone", version: "1.0.0", publisher: "acme" }, [acme.key]);
    const blocked = await packPlugin({ name: "@acme/gone", version: "1.0.1", publisher: "acme" }, [acme.key]);
    expect((await publishPlugin(reg, yanked, acme.token)).status).toBe(201);
    expect((await publishPlugin(reg, blocked, acme.token)).status).toBe(201);
    const issuedAt = formatRfc3339Seconds(reg.clock.now());
    const yank = signStatement("yank", { _type: "agentgov/yank/v1", registry: reg.origin, publisher: "acme", name: "@acme/gone", version: "1.0.0", issuedAt }, [acme.key.secretKey]);
    expect((await call(reg, "POST", "/v1/statements", yank, acme.token)).status).toBe(201);
    const block = signStatement("block", { _type: "agentgov/block/v1", registry: reg.origin, name: "@acme/gone", version: "1.0.1", reason: "malware", purge: true, issuedAt }, [reg.adminSeed]);
    expect((await call(reg, "POST", "/v1/statements", block, reg.adminToken)).status).toBe(201);
    for (const version of ["1.0.0", "1.0.1"]) {
      const again = await packPlugin({ name: "@acme/gone", version, publisher: "acme", salt: "again" }, [acme.key]);
      const before = await snapshot(reg);
      const res = await publishPlugin(reg, again, acme.token);
      expect(res.status).toBe(409);
      expect(await snapshot(reg)).toEqual(before);
    }
  });
});
