/**
 * Class 7 at the registry (REGISTRY.md §4.8, §4.9, §11): every change and every re-sign gives
 * a strictly higher `indexVersion` that the client's rollback rules accept; an index is never
 * served expired or valid for more than 7 days; the version set never shrinks (yank and block
 * keep versions, with their status); checkpoints are re-signed on the schedule; the root is
 * renewed (version + 1) before it expires.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkCheckpointFreshness, checkIndexUpdate, fromBase64, openCheckpoint, parseEnvelope, parseRfc3339Seconds, sha256,
  signStatement, formatRfc3339Seconds, utf8, verifyEnvelope, type IndexState, type PackageIndex,
} from "@agentgov/registry-protocol";
import { createRegistryServer } from "../server.js";
import {
  ManualClock, call, createPublisher, packPlugin, publishPlugin, snapshot, startRegistry, type TestKey, type TestRegistry,
} from "../testing/harness.js";

let reg: TestRegistry;
let acme: { key: TestKey; token: string };
const ticks: (() => void)[] = [];

beforeAll(async () => {
  reg = await startRegistry({ every: (_ms, fn) => { ticks.push(fn); return () => undefined; } });
  acme = await createPublisher(reg, "acme");
});
afterAll(async () => { await reg.close(); });

async function fetchIndex(name: string): Promise<{ index: PackageIndex; digest: Uint8Array }> {
  const text = (await call(reg, "GET", `/v1/packages/${name}/index`)).text;
  const verified = verifyEnvelope<PackageIndex>(text, { kind: "index", trustedKeys: [reg.server.context.signers.index.publicKey], threshold: 1 });
  if (!verified.ok) throw verified.error;
  return { index: verified.statement, digest: sha256(verified.payload) };
}

function state(index: PackageIndex, digest: Uint8Array): IndexState {
  return { indexVersion: index.indexVersion, digest, versions: Object.keys(index.versions) };
}

describe("package index freshness and monotonicity", () => {
  it("each change bumps indexVersion and passes the client's rollback rules; nothing disappears", async () => {
    let previous: IndexState | undefined;
    const accept = async (): Promise<PackageIndex> => {
      const { index, digest } = await fetchIndex("@acme/p");
      checkIndexUpdate(index, digest, reg.clock.now(), previous);
      if (previous !== undefined) expect(index.indexVersion).toBeGreaterThan(previous.indexVersion);
      previous = state(index, digest);
      return index;
    };
    for (const version of ["1.0.0", "1.1.0"]) {
      expect((await publishPlugin(reg, await packPlugin({ name: "@acme/p", version, publisher: "acme" }, [acme.key]), acme.token)).status).toBe(201);
      await accept();
    }
    const issuedAt = formatRfc3339Seconds(reg.clock.now());
    const yank = signStatement("yank", { _type: "agentgov/yank/v1", registry: reg.origin, publisher: "acme", name: "@acme/p", version: "1.1.0", issuedAt }, [acme.key.secretKey]);
    expect((await call(reg, "POST", "/v1/statements", yank, acme.token)).status).toBe(201);
    const afterYank = await accept();
    expect(afterYank.versions["1.1.0"]?.status).toBe("yanked");
    expect(afterYank.distTags.latest).toBe("1.0.0");
    const block = signStatement("block", { _type: "agentgov/block/v1", registry: reg.origin, name: "@acme/p", version: "1.0.0", reason: "malware", purge: true, issuedAt }, [reg.adminSeed]);
    expect((await call(reg, "POST", "/v1/statements", block, reg.adminToken)).status).toBe(201);
    const afterBlock = await accept();
    expect(afterBlock.versions["1.0.0"]?.status).toBe("blocked");
    expect(afterBlock.distTags).toEqual({});
    expect((await call(reg, "GET", `/v1/blobs/sha512/${afterBlock.versions["1.0.0"]?.sha512 ?? ""}`)).status).toBe(410);
    // The same indexVersion is always the same bytes.
    const again = await fetchIndex("@acme/p");
    checkIndexUpdate(again.index, again.digest, reg.clock.now(), previous);
    // A day later the index is re-signed with a higher version instead of going stale.
    reg.clock.advance(25 * 3600);
    const resigned = await accept();
    expect(resigned.issuedAt).toBe(formatRfc3339Seconds(reg.clock.now()));
    const validity = (parseRfc3339Seconds(resigned.expires) ?? 0) - (parseRfc3339Seconds(resigned.issuedAt) ?? 0);
    expect(validity).toBeLessThanOrEqual(7 * 24 * 3600);
    expect(Object.keys(resigned.versions).sort()).toEqual(["1.0.0", "1.1.0"]);
  });

  it("yank and block need the right signers and write nothing otherwise", async () => {
    expect((await publishPlugin(reg, await packPlugin({ name: "@acme/q", version: "1.0.0", publisher: "acme" }, [acme.key]), acme.token)).status).toBe(201);
    const issuedAt = formatRfc3339Seconds(reg.clock.now());
    const before = await snapshot(reg);
    const outsider = await import("@agentgov/registry-protocol").then((p) => p.generateKeyPair());
    const badYank = signStatement("yank", { _type: "agentgov/yank/v1", registry: reg.origin, publisher: "acme", name: "@acme/q", version: "1.0.0", issuedAt }, [outsider.secretKey]);
    expect((await call(reg, "POST", "/v1/statements", badYank, acme.token)).status).toBe(422);
    const badBlock = signStatement("block", { _type: "agentgov/block/v1", registry: reg.origin, name: "@acme/q", version: "1.0.0", reason: "x", issuedAt }, [acme.key.secretKey]);
    expect((await call(reg, "POST", "/v1/statements", badBlock, reg.adminToken)).status).toBe(422);
    const adminBlock = signStatement("block", { _type: "agentgov/block/v1", registry: reg.origin, name: "@acme/q", version: "1.0.0", reason: "x", issuedAt }, [reg.adminSeed]);
    expect((await call(reg, "POST", "/v1/statements", adminBlock, acme.token)).status).toBe(403);
    expect(await snapshot(reg)).toEqual(before);
  });
});

describe("checkpoint schedule", () => {
  it("re-signs the checkpoint on each tick, with a fresh timestamp and the same tree", async () => {
    const logKey = reg.server.context.signers.log.publicKey;
    const first = openCheckpoint((await call(reg, "GET", "/v1/log/checkpoint")).text, { origin: reg.origin, publicKey: logKey });
    reg.clock.advance(3600);
    expect(ticks).toHaveLength(1);
    ticks[0]?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = openCheckpoint((await call(reg, "GET", "/v1/log/checkpoint")).text, { origin: reg.origin, publicKey: logKey });
    expect(second.timestamp).toBe(reg.clock.now());
    expect(second.size).toBe(first.size);
    checkCheckpointFreshness(second, { now: reg.clock.now(), previous: first });
    expect(() => { checkCheckpointFreshness(first, { now: reg.clock.now() + 24 * 3600 }); }).toThrow(expect.objectContaining({ code: "REGISTRY_STALE" }) as Error);
  });
});

describe("root", () => {
  it("is renewed as version 2, signed by the root role, before it expires", async () => {
    const dir = reg.dir;
    await reg.close();
    const clock = new ManualClock(reg.clock.now() + 340 * 24 * 3600);
    const server = await createRegistryServer({ dir, port: 0, clock, every: () => () => undefined });
    try {
      const v1 = await fetch(`${server.url}/v1/root/1.json`);
      const latest = await fetch(`${server.url}/v1/root.json`);
      const v2 = await fetch(`${server.url}/v1/root/2.json`);
      expect([v1.status, latest.status, v2.status]).toEqual([200, 200, 200]);
      const text = await v2.text();
      expect(await latest.text()).toBe(text);
      const envelope = parseEnvelope(text);
      const root = JSON.parse(Buffer.from(fromBase64(envelope.payload) ?? utf8("")).toString("utf8")) as { version: number; expires: string };
      expect(root.version).toBe(2);
      expect(parseRfc3339Seconds(root.expires)).toBeGreaterThan(clock.now() + 300 * 24 * 3600);
      expect(verifyEnvelope(text, { kind: "root", trustedKeys: [server.context.signers.root.publicKey], threshold: 1 }).ok).toBe(true);
      expect((await fetch(`${server.url}/v1/root/3.json`)).status).toBe(404);
    } finally {
      await server.close();
      reg = await startRegistry();
    }
  });
});
