/**
 * The blob cache `$AGENTGOV_HOME/cache/sha512/<hex>` (REGISTRY.md §7.2 steps 5 and 9): filled at
 * commit with the verified tarball, used instead of a download, and never trusted: a tampered
 * cache file is discarded and the blob downloaded again.
 */
import { readFile, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installFromRegistry, publish } from "@agentgov/registry-client";
import { isRegistryError } from "@agentgov/registry-protocol";
import { CONSENT, createPublisher, newHome, packPlugin, startProxy, startRegistry, type Registry, type TamperProxy } from "./remote-fixture.js";

let reg: Registry;
let proxy: TamperProxy;
let sha512 = "";
let tarball: Buffer;
let home: string;
let blobRequests = 0;

const install = async (): Promise<unknown> => installFromRegistry("@cache/tool", "1.0.0", { registry: proxy.url, home, project: await newHome(), yesCapabilities: CONSENT });
const cached = (): string => join(home, "cache", "sha512", sha512);

beforeAll(async () => {
  reg = await startRegistry();
  proxy = await startProxy(reg.url);
  const pub = await createPublisher(reg, "cache");
  const files = await packPlugin("@cache/tool", "1.0.0", "cache", [pub.secretKey]);
  tarball = await readFile(files.tarball);
  sha512 = (await publish(files.tarball, files.envelope, { registry: reg.url, token: pub.token, home: pub.home })).sha512;
});
afterAll(async () => {
  await proxy.close();
  await reg.close();
});
beforeEach(async () => {
  home = await newHome();
  blobRequests = 0;
  proxy.tamper = (path) => {
    if (path.startsWith("/v1/blobs/")) blobRequests += 1;
    return undefined;
  };
  await install();
  expect(blobRequests).toBe(1);
});

describe("blob cache (§7.2 steps 5, 9)", () => {
  it("stores the verified tarball at commit and installs from it without downloading", async () => {
    expect(await readFile(cached())).toEqual(tarball);
    await install();
    expect(blobRequests).toBe(1);
    expect((await readdir(join(home, "plugins"))).filter((n) => n.startsWith(".staging-"))).toEqual([]);
  });

  it("discards a tampered cache file, downloads again and re-caches the verified bytes", async () => {
    const bad = Buffer.from(tarball);
    bad[bad.length - 20] = (bad[bad.length - 20] ?? 0) ^ 0xff;
    await rm(cached());
    await writeFile(cached(), bad);
    await install();
    expect(blobRequests).toBe(2);
    expect(await readFile(cached())).toEqual(tarball);
  });

  it("discards a truncated or oversized cache file", async () => {
    for (const bad of [tarball.subarray(0, 100), Buffer.concat([tarball, Buffer.from("x")])]) {
      await rm(cached());
      await writeFile(cached(), bad);
      const before = blobRequests;
      await install();
      expect(blobRequests).toBe(before + 1);
      expect(await readFile(cached())).toEqual(tarball);
    }
  });

  it("never trusts a tampered cache when the network is tampered too (REGISTRY_DIGEST_MISMATCH)", async () => {
    await rm(cached());
    await writeFile(cached(), Buffer.from(tarball).fill(0, 200, 210));
    proxy.tamper = (path, body) => (path.startsWith("/v1/blobs/") ? Buffer.from(body).fill(1, 200, 210) : undefined);
    const error = await install().then(() => undefined, (e: unknown) => e);
    expect(isRegistryError(error) ? error.code : error).toBe("REGISTRY_DIGEST_MISMATCH");
  });
});
