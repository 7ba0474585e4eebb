/**
 * The registry round trip (REGISTRY.md §6–§7, issue 5), on the library API only:
 *
 * 1. start a registry (initRegistry in a temp folder + createRegistryServer on 127.0.0.1);
 * 2. onboard publisher `acme` (admin API), bind its key, pack + sign + publish
 *    `@acme/hello` 1.0.0 and 1.1.0 (each receipt verified against the log);
 * 3. install `@acme/hello@^1.0.0` in another home: root chain, checkpoint, signed index,
 *    inclusion proof, trust on first use, digest, safe extraction, consent, lockfile;
 * 4. revoke the key with `compromisedSince` = the log index of 1.1.0 (the key leaked then);
 * 5. show that 1.1.0 is now refused with REGISTRY_KEY_REVOKED while 1.0.0 still installs.
 *
 * Exits non-zero if any step behaves otherwise. CI runs it.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bindKey, installFromRegistry, pack, publish, revoke, sign } from "@agentgov/registry-client";
import { capabilitiesSha256, emptyCapabilities, generateKeyPair, isRegistryError } from "@agentgov/registry-protocol";
import { createRegistryServer, initRegistry } from "@agentgov/registry-server";

function step(text: string): void {
  process.stdout.write(`• ${text}\n`);
}

function fail(text: string): never {
  throw new Error(`unexpected: ${text}`);
}

async function admin(url: string, token: string, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${url}${path}`, {
    method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 201) fail(`${path} answered ${String(res.status)}: ${text}`);
  return JSON.parse(text) as unknown;
}

async function packSigned(root: string, version: string, secretKey: Uint8Array): Promise<{ tarball: string; envelope: string }> {
  const src = join(root, `src-${version}`);
  await mkdir(join(src, "lib"), { recursive: true });
  await writeFile(join(src, "agentgov-plugin.yaml"), [
    'name: "@acme/hello"', `version: "${version}"`, "publisher: acme", "description: says hello", "license: MIT",
    "entry:", "  kind: tool", "  main: lib/index.js",
    "capabilities:", "  network:", "    hosts: []", "  fs:", "    read: []", "    write: []", "  exec: []", "  env: []", "  tools: []", "",
  ].join("\n"));
  await writeFile(join(src, "lib", "index.js"), `export const hello = () => "hello from ${version}";\n`);
  const packed = await pack(src, { outDir: join(root, "dist") });
  const signed = await sign(packed.tarballPath, [secretKey]);
  return { tarball: packed.tarballPath, envelope: signed.envelopePath };
}

/** Installed plugins are read only (0555 folders): make the temp tree removable again. */
async function removeTree(root: string): Promise<void> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) if (e.isDirectory()) await chmod(join(e.parentPath, e.name), 0o700).catch(() => undefined);
  await rm(root, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "agentgov-roundtrip-"));
  const init = await initRegistry(join(root, "registry"));
  const server = await createRegistryServer({ dir: init.dir, port: 0 });
  try {
    const registry = server.url;
    step(`registry on ${registry} (root 1 sha256 ${init.rootSha256.slice(0, 16)}…)`);
    const adminToken = (await readFile(init.adminTokenPath, "utf8")).trim();
    await admin(registry, adminToken, "/v1/admin/publishers", { id: "acme" });
    const { token } = await admin(registry, adminToken, "/v1/admin/tokens", { publisher: "acme", scopes: ["keys", "publish:@acme/*"], ttlSeconds: 3600 }) as { token: string };
    const key = generateKeyPair();
    const publisherHome = join(root, "publisher-home");
    await bindKey({ registry, token, home: publisherHome, publisher: "acme", signingKey: key.secretKey });
    step(`publisher acme bound key ${key.keyid.slice(0, 24)}…`);

    const v100 = await packSigned(root, "1.0.0", key.secretKey);
    const first = await publish(v100.tarball, v100.envelope, { registry, token, home: publisherHome });
    const v110 = await packSigned(root, "1.1.0", key.secretKey);
    const second = await publish(v110.tarball, v110.envelope, { registry, token, home: publisherHome });
    step(`published @acme/hello 1.0.0 (log ${String(first.logIndex)}) and 1.1.0 (log ${String(second.logIndex)}), receipts verified`);

    const userHome = join(root, "user-home");
    const project = join(root, "project");
    await mkdir(project, { recursive: true });
    const consent = capabilitiesSha256(emptyCapabilities());
    const installed = await installFromRegistry("@acme/hello", "^1.0.0", { registry, home: userHome, project, yesCapabilities: consent });
    if (installed.version !== "1.1.0") fail(`^1.0.0 resolved to ${installed.version}, expected 1.1.0`);
    step(`installed @acme/hello@${installed.version} by range ^1.0.0 into another home → ${installed.dir}`);

    await revoke({
      registry, token, home: publisherHome, signingKeys: [key.secretKey], publisher: "acme", keyid: key.keyid,
      reason: "key leaked", compromisedSince: second.logIndex,
    });
    step(`revoked the key with compromisedSince = ${String(second.logIndex)}`);

    const laterHome = join(root, "later-home");
    const laterProject = join(root, "later-project");
    await mkdir(laterProject, { recursive: true });
    const refused = await installFromRegistry("@acme/hello", "1.1.0", { registry, home: laterHome, project: laterProject, yesCapabilities: consent })
      .then(() => undefined, (error: unknown) => error);
    if (!isRegistryError(refused) || refused.code !== "REGISTRY_KEY_REVOKED") fail(`1.1.0 was not refused with REGISTRY_KEY_REVOKED: ${String(refused)}`);
    step(`1.1.0 refused: ${refused.code}`);
    const earlier = await installFromRegistry("@acme/hello", "1.0.0", { registry, home: laterHome, project: laterProject, yesCapabilities: consent });
    if (earlier.version !== "1.0.0") fail("1.0.0 did not install");
    step("1.0.0 (logged before the boundary) still installs");
    process.stdout.write("registry round trip: ok\n");
  } finally {
    await server.close();
    await removeTree(root);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`registry round trip FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
