/**
 * Signed plugin, end to end and offline, in a throwaway AGENTGOV_HOME:
 * keygen → pack → sign → verify → install (non-interactive consent) → load the grant →
 * a kernel with an allow policy: one request inside the grant allowed, one outside it
 * denied `capability_exceeded`. Exits 1 when any step is not as expected.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createKernel, GovernanceDenied, type Decision } from "@agentgov/core";
import {
  addTrustedKey, installLocal, keygen, loadInstalledPlugin, loadSigningKey, loadTrustStore, pack, saveTrustStore,
  setPolicy, sign, verify,
} from "@agentgov/registry-client";
import { capabilitiesSha256, toolDefinitionSha256, type ToolDefinition } from "@agentgov/registry-protocol";

const here = dirname(fileURLToPath(import.meta.url));
const pluginSource = join(here, "..", "plugin");
const work = mkdtempSync(join(tmpdir(), "agentgov-signed-plugin-"));
// Everything (keys, trust.json, installed plugins) lives in a throwaway home folder.
process.env.AGENTGOV_HOME = join(work, "home");
const projectDir = mkdtempSync(join(work, "project-"));
// An example may take its passphrase from code; real publishers get a prompt, or use
// AGENTGOV_KEY_PASSPHRASE / a passphrase file, or AGENTGOV_SIGNING_KEY in CI (docs/plugins.md).
const passphrase = process.env.AGENTGOV_KEY_PASSPHRASE ?? "correct horse battery staple (example only)";

let failures = 0;
function expect(ok: boolean, what: string): void {
  if (!ok) {
    failures++;
    console.log(`UNEXPECTED: ${what}`);
  }
}

// 1. Publisher: a key pair, the secret sealed with scrypt + AES-256-GCM (0600).
const generated = await keygen({ passphrase });
console.log(`keygen   ${generated.keyid} -> ${generated.path}`);
// --key, then AGENTGOV_SIGNING_KEY (CI), then the default key just generated.
const key = await loadSigningKey({ passphrase });
console.log(`key      ${key.keyid} (source: ${key.source})`);

// 2. Pack: strict YAML → canonical manifest, deterministic tarball.
const packed = await pack(pluginSource, { outDir: join(work, "out"), createdAt: "2026-11-21T00:00:00Z" });
const { manifest } = packed;
console.log(`pack     ${manifest.name}@${manifest.version}: ${packed.tarballPath} (${manifest.artifact.size} bytes, ${manifest.files.length} files)`);

// 3. Sign: the DSSE envelope beside the tarball.
const signed = await sign(packed.tarballPath, [key.secretKey]);
key.secretKey.fill(0);
console.log(`sign     ${signed.envelopePath}`);

// 4. Consumer: trust the publisher's key for @example/* (pinned), then verify offline.
const trusted = addTrustedKey(await loadTrustStore(), key.publicKey, manifest.publisher);
await saveTrustStore(setPolicy(trusted.store, "@example/*", { mode: "pinned", keyids: [trusted.keyid] }));
const verified = await verify(packed.tarballPath, signed.envelopePath, { store: await loadTrustStore() });
if (!verified.ok) throw verified.error;
const trustedKeys = verified.trust?.trustedKeys ?? [];
console.log(`verify   ok: signed by ${verified.keyids.join(", ")} (trust: ${verified.trust?.mode ?? "explicit keys"} ${verified.trust?.match ?? ""})`);

// 5. Install: non-interactive consent names the exact capabilities digest (--yes-capabilities=<sha256>).
const consent = capabilitiesSha256(manifest.capabilities);
console.log(`consent  capabilities ${JSON.stringify(manifest.capabilities)}`);
console.log(`         sha256 ${consent}`);
const installed = await installLocal(packed.tarballPath, signed.envelopePath, {
  trustedKeys, projectDir, yesCapabilities: consent, expect: { name: manifest.name, version: manifest.version },
});
console.log(`install  ${installed.dir} (lockfile: ${join(projectDir, "agentgov-lock.json")})`);

// 6. Load: re-verify the stored envelope, lockfile digest and file tree; get the grant.
const grant = await loadInstalledPlugin(manifest.name, { trustedKeys, projectDir });
console.log(`load     grant ${grant.plugin}@${grant.version} capabilitiesSha256=${grant.capabilitiesSha256}`);
expect(grant.capabilitiesSha256 === consent, "the loaded grant is not what was consented to");

// 7. The host imports the plugin (only now, after verification) and pins its tool definition.
interface PluginModule {
  definition: ToolDefinition;
  forecast: (args: { city: string }) => Promise<string>;
}
const plugin = (await import(pathToFileURL(join(installed.dir, "package", "index.js")).href)) as PluginModule;
const definitionSha256 = toolDefinitionSha256(plugin.definition);
const declared = grant.capabilities.tools.find((t) => t.name === plugin.definition.name);
console.log(`tool     ${plugin.definition.name} definitionSha256=${definitionSha256} (signed: ${declared?.definitionSha256 ?? "none"})`);
expect(declared?.definitionSha256 === definitionSha256, "the runtime tool definition differs from the signed one");

// 8. The kernel: the grant is checked before the policy; the policy allows the forecast tool.
const kernel = createKernel({ policies: [join(here, "..", "policy.yaml")], pluginRoots: { WORKSPACE: projectDir, PLUGIN_DIR: installed.dir } });
let runs = 0;
async function call(label: string, host: string, city: string): Promise<Decision> {
  const request = {
    agent: "assistant",
    context: {
      plugin: grant, // set by the host from loadInstalledPlugin(), never by the plugin
      tool: { name: plugin.definition.name, definitionSha256 },
      resources: [{ kind: "network", host }, { kind: "env", name: "WEATHER_API_KEY" }],
      args: { city },
    },
  };
  const decision = kernel.decide(request);
  try {
    const output = await kernel.enforce(request, (args) => {
      runs++;
      return plugin.forecast(args as { city: string });
    });
    console.log(`${label} ALLOWED (${decision.code}, rule ${String(decision.matched_rule)}): ${output}`);
  } catch (error) {
    if (!(error instanceof GovernanceDenied)) throw error;
    console.log(`${label} DENIED (${error.decision.code}): ${error.decision.reason}`);
  }
  return decision;
}

const inside = await call("inside   network api.weather.example, env WEATHER_API_KEY ->", "api.weather.example", "Lisbon");
expect(inside.allowed && inside.code === "rule" && inside.matched_rule === "allow-forecast", "the call inside the grant was not allowed by allow-forecast");
const before = runs;
const outside = await call("outside  network exfil.attacker.example ->", "exfil.attacker.example", "Lisbon");
expect(!outside.allowed && outside.code === "capability_exceeded", "the call outside the grant was not denied capability_exceeded");
expect(runs === before, "the plugin ran although its call was denied");

await kernel.close();
if (failures > 0) {
  console.log(`FAILED: ${failures} step(s) not as expected`);
  process.exitCode = 1;
} else {
  console.log("ok: signed, verified, installed with consent; the grant allowed the declared host and denied the other one");
}
