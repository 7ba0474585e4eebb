/**
 * The `agentgov plugin` CLI contract (REGISTRY.md §8, issue 4), through the real built binary.
 * Every run sets `AGENTGOV_HOME` to a temp folder, so the real home is never touched, and
 * stdin is not a TTY, so the passphrase comes from `AGENTGOV_KEY_PASSPHRASE`.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { keyIdOf, toBase64 } from "@agentgov/registry-protocol";
import { parseMinisignPublicKey } from "@agentgov/registry-client";
import { runCli, type CliResult } from "../support/cli.js";

const PASSPHRASE = "correct horse battery staple";
const TGZ1 = "@acme+web-search-1.0.0.tgz";
const TGZ2 = "@acme+web-search-1.0.1.tgz";
const ENV1 = "@acme+web-search-1.0.0.agentsig.json";
const ENV2 = "@acme+web-search-1.0.1.agentsig.json";

let root = "";
/** The publisher's home (its key, and a trust store pinning it). */
let home = "";
let out = "";
let keyid = "";
let pubFile = "";

function plugin(dir: string, version: string): void {
  mkdirSync(join(dir, "lib"), { recursive: true });
  mkdirSync(join(dir, "tools"), { recursive: true });
  writeFileSync(join(dir, "agentgov-plugin.yaml"), `name: "@acme/web-search"
version: "${version}"
publisher: acme
description: Web search tool
license: MIT
entry:
  kind: tool
  main: lib/index.js
capabilities:
  network:
    hosts: [api.example.com]
  fs:
    read: []
    write: []
  exec: []
  env: [EXAMPLE_API_KEY]
  tools:
    - name: web_search
      definition: tools/web_search.json
`, { mode: 0o644 });
  writeFileSync(join(dir, "lib/index.js"), `export async function webSearch(query) {\n  return { query, results: [], v: "${version}" };\n}\n`, { mode: 0o644 });
  writeFileSync(join(dir, "tools/web_search.json"), JSON.stringify({
    name: "web_search", description: "Search the web", inputSchema: { type: "object", properties: { query: { type: "string" } }, required: ["query"] },
  }), { mode: 0o644 });
}

function temp(prefix: string): string {
  return mkdtempSync(join(root, prefix));
}

/** Runs `agentgov plugin …` with its own home and cwd. */
function cli(args: readonly string[], options: { home: string; cwd?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return runCli(["plugin", ...args], {
    cwd: options.cwd ?? root,
    env: { AGENTGOV_HOME: options.home, AGENTGOV_KEY_PASSPHRASE: PASSPHRASE, AGENTGOV_SIGNING_KEY: "", ...options.env },
    timeoutMs: 20_000,
  });
}

function json(r: CliResult): Record<string, unknown> {
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

async function expectRejected(r: Promise<CliResult>, code: string): Promise<void> {
  const result = await r;
  expect(result.code, result.stderr).toBe(1);
  const body = json(result);
  expect(body).toMatchObject({ ok: false, code });
  expect(Object.keys(body).sort()).toEqual(["code", "message", "ok"]);
  expect(typeof body.message).toBe("string");
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "agentgov-plugin-cli-"));
  home = join(root, "home");
  out = join(root, "out");
  plugin(join(root, "plug-1.0.0"), "1.0.0");
  plugin(join(root, "plug-1.0.1"), "1.0.1");

  const k = await cli(["keygen", "--json", "--out", "pub"], { home });
  expect(k.code, k.stderr).toBe(0);
  const key = json(k);
  keyid = String(key.keyid);
  expect(keyid).toMatch(/^ed25519:[0-9a-f]{64}$/);
  expect(key.path).toBe(join(home, "keys", "default.key.json"));
  expect(k.stdout).not.toContain(PASSPHRASE);
  pubFile = join(root, "pub", `${keyid.slice("ed25519:".length)}.pub.json`);
  expect(JSON.parse(readFileSync(pubFile, "utf8"))).toEqual({ keyid, publicKey: key.publicKey });

  for (const [dir, tgz] of [["plug-1.0.0", TGZ1], ["plug-1.0.1", TGZ2]] as const) {
    const p = await cli(["pack", dir, "--out", "out", "--json"], { home });
    expect(p.code, p.stderr).toBe(0);
    expect(json(p)).toMatchObject({ ok: true, name: "@acme/web-search", tarball: join(out, tgz) });
    const s = await cli(["sign", join("out", tgz), "--json"], { home });
    expect(s.code, s.stderr).toBe(0);
    expect(json(s)).toMatchObject({ ok: true, keyid });
  }
  expect(readdirSync(out).sort()).toEqual([ENV1, "@acme+web-search-1.0.0.manifest.json", TGZ1, ENV2, "@acme+web-search-1.0.1.manifest.json", TGZ2].sort());
});

describe("agentgov plugin: keygen → pack → sign → verify → install → trust list", () => {
  it("runs the whole offline flow with --json", async () => {
    // Before the key is trusted, verify rejects it.
    await expectRejected(cli(["verify", join(out, TGZ1), "--json"], { home }), "REGISTRY_UNTRUSTED_KEY");

    const add = await cli(["trust", "add", "@acme/*", pubFile, "--json"], { home });
    expect(add.code, add.stderr).toBe(0);
    expect(json(add)).toMatchObject({ ok: true, keyid, policy: { match: "@acme/*", mode: "pinned", keyids: [keyid], threshold: 1 } });

    const v = await cli(["verify", join(out, TGZ1), join(out, ENV1), "--json"], { home });
    expect(v.code, v.stderr).toBe(0);
    expect(json(v)).toMatchObject({ ok: true, name: "@acme/web-search", version: "1.0.0", publisher: "acme", keyids: [keyid], mode: "pinned" });
    // The envelope defaults to the one beside the tarball; human output, no colours off a TTY.
    const human = await cli(["verify", join(out, TGZ1)], { home });
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^verified @acme\/web-search@1\.0\.0 by acme/);
    expect(human.stdout).not.toContain("\u001b[");

    const project = temp("project-");
    const refused = await cli(["install", join(out, TGZ1), join(out, ENV1), "--json"], { home, cwd: project });
    expect(refused.code).toBe(1);
    expect(json(refused)).toMatchObject({ ok: false, code: "REGISTRY_CONSENT_REQUIRED" });
    const sha = /--yes-capabilities=([0-9a-f]{64})/.exec(String(json(refused).message))?.[1] ?? "";
    expect(sha).toHaveLength(64);
    expect(existsSync(join(project, "agentgov-lock.json"))).toBe(false);

    const i = await cli(["install", join(out, TGZ1), join(out, ENV1), `--yes-capabilities=${sha}`, "--json"], { home, cwd: project });
    expect(i.code, i.stderr).toBe(0);
    const dir = join(home, "plugins", "@acme+web-search@1.0.0");
    expect(json(i)).toMatchObject({ ok: true, name: "@acme/web-search", version: "1.0.0", dir, created: true, keyids: [keyid], capabilitiesSha256: sha });
    expect(readFileSync(join(dir, "package", "lib", "index.js"), "utf8")).toContain('v: "1.0.0"');
    const lock = JSON.parse(readFileSync(join(project, "agentgov-lock.json"), "utf8")) as { plugins: Record<string, { version: string }> };
    expect(lock.plugins["@acme/web-search"]?.version).toBe("1.0.0");

    const list = await cli(["trust", "list", "--json"], { home });
    expect(list.code).toBe(0);
    expect(json(list)).toMatchObject({
      ok: true, version: 1,
      keys: { [keyid]: { publisher: "acme" } },
      policies: [{ match: "@acme/*", mode: "pinned", keyids: [keyid] }, { match: "*", mode: "tofu" }],
    });
    const listHuman = await cli(["trust", "list"], { home });
    expect(listHuman.stdout).toContain("@acme/*");
  });

  it("trust add --mode tofu pins the signer on first install; trust accept forgets the pin; trust rm drops the policy", async () => {
    const tofuHome = temp("home-tofu-");
    expect((await cli(["trust", "add", "@acme/*", pubFile, "--mode", "tofu", "--json"], { home: tofuHome })).code).toBe(0);
    const project = temp("project-");
    const refused = await cli(["install", join(out, TGZ2), join(out, ENV2), "--json"], { home: tofuHome, cwd: project });
    const sha = /--yes-capabilities=([0-9a-f]{64})/.exec(String(json(refused).message))?.[1] ?? "";
    const i = await cli(["install", join(out, TGZ2), join(out, ENV2), `--yes-capabilities=${sha}`, "--json"], { home: tofuHome, cwd: project });
    expect(i.code, i.stderr).toBe(0);
    expect(json(i)).toMatchObject({ ok: true, version: "1.0.1", pinned: true });
    expect(json(await cli(["trust", "list", "--json"], { home: tofuHome }))).toMatchObject({ tofu: { acme: { keyids: [keyid] } } });

    const accept = await cli(["trust", "accept", "acme", "--json"], { home: tofuHome });
    expect(accept.code).toBe(0);
    expect(json(await cli(["trust", "list", "--json"], { home: tofuHome })).tofu).toEqual({});
    await expectRejected(cli(["trust", "accept", "acme", "--json"], { home: tofuHome }), "REGISTRY_REQUEST_INVALID");

    expect((await cli(["trust", "rm", "@acme/*", "--json"], { home: tofuHome })).code).toBe(0);
    expect(json(await cli(["trust", "list", "--json"], { home: tofuHome })).policies).toEqual([{ match: "*", mode: "tofu" }]);
    await expectRejected(cli(["trust", "rm", "@acme/*", "--json"], { home: tofuHome }), "REGISTRY_REQUEST_INVALID");
  });

  it("signs with AGENTGOV_SIGNING_KEY and no passphrase (CI)", async () => {
    const seed = Buffer.alloc(32, 7).toString("base64");
    const ciOut = temp("ci-");
    expect((await cli(["pack", "plug-1.0.0", "--out", ciOut], { home })).code).toBe(0);
    const s = await cli(["sign", join(ciOut, TGZ1), "--json"], { home: temp("home-ci-"), env: { AGENTGOV_SIGNING_KEY: `agentgov-ed25519-sk:${seed}`, AGENTGOV_KEY_PASSPHRASE: "" } });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).not.toContain(seed);
    expect(existsSync(join(ciOut, ENV1))).toBe(true);
  });
});

describe("agentgov plugin verify rejects (exit 1, REGISTRY_ code in --json)", () => {
  beforeAll(async () => {
    const r = await cli(["trust", "add", "@acme/*", pubFile], { home });
    expect(r.code, r.stderr).toBe(0);
  });

  it("a flipped byte", async () => {
    const bytes = readFileSync(join(out, TGZ1));
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] ?? 0) ^ 0x01;
    const flipped = join(temp("flip-"), TGZ1);
    writeFileSync(flipped, bytes);
    await expectRejected(cli(["verify", flipped, join(out, ENV1), "--json"], { home }), "REGISTRY_DIGEST_MISMATCH");
    const human = await cli(["verify", flipped, join(out, ENV1)], { home });
    expect(human.code).toBe(1);
    expect(human.stderr).toMatch(/^REGISTRY_DIGEST_MISMATCH: /);
  });

  it("a swapped envelope (another version's)", async () => {
    await expectRejected(cli(["verify", join(out, TGZ1), join(out, ENV2), "--json"], { home }), "REGISTRY_DIGEST_MISMATCH");
  });

  it("an untrusted key (another key pinned, or a fresh home)", async () => {
    const other = temp("home-other-");
    const k = await cli(["keygen", "--json"], { home: other });
    expect(k.code, k.stderr).toBe(0);
    expect((await cli(["trust", "add", "@acme/*", join(other, "keys", "default.pub.json")], { home: other })).code).toBe(0);
    await expectRejected(cli(["verify", join(out, TGZ1), "--json"], { home: other }), "REGISTRY_UNTRUSTED_KEY");
    await expectRejected(cli(["verify", join(out, TGZ1), "--json"], { home: temp("home-fresh-") }), "REGISTRY_UNTRUSTED_KEY");
  });

  it("a small-order key (in the trust store, and at trust add)", async () => {
    const identity = new Uint8Array(32);
    identity[0] = 1; // the neutral point: order 1
    const weak = { keyid: keyIdOf(identity), publicKey: toBase64(identity) };
    const weakHome = temp("home-weak-");
    const trusted = JSON.parse(readFileSync(join(home, "trust.json"), "utf8")) as {
      keys: Record<string, unknown>; policies: { match: string; mode: string; keyids?: string[] }[];
    };
    trusted.keys[weak.keyid] = { publicKey: weak.publicKey, publisher: "acme" };
    trusted.policies[0] = { ...trusted.policies[0], match: "@acme/*", mode: "pinned", keyids: [keyid, weak.keyid] };
    writeFileSync(join(weakHome, "trust.json"), JSON.stringify(trusted));
    await expectRejected(cli(["verify", join(out, TGZ1), join(out, ENV1), "--json"], { home: weakHome }), "REGISTRY_WEAK_KEY");

    const weakFile = join(temp("weak-"), "weak.pub.json");
    writeFileSync(weakFile, JSON.stringify(weak));
    const addHome = temp("home-add-");
    await expectRejected(cli(["trust", "add", "@acme/*", weakFile, "--json"], { home: addHome }), "REGISTRY_WEAK_KEY");
    expect(existsSync(join(addHome, "trust.json"))).toBe(false);
  });
});

describe("agentgov plugin usage errors exit 2", () => {
  const cases: [string, string[], NodeJS.ProcessEnv?][] = [
    ["verify without a tarball", ["verify", "--json"]],
    ["verify with too many arguments", ["verify", "a.tgz", "a.json", "b.json"]],
    ["an unknown option", ["verify", "a.tgz", "--bogus"]],
    ["pack with two folders", ["pack", "a", "b"]],
    ["sign without a tarball", ["sign"]],
    ["install without an envelope", ["install", "a.tgz"]],
    ["a malformed --yes-capabilities", ["install", "a.tgz", "a.json", "--yes-capabilities=yes"]],
    ["trust without a subcommand", ["trust"]],
    ["an unknown trust subcommand", ["trust", "frob"]],
    ["trust add with a bad mode", ["trust", "add", "@acme/*", "k.json", "--mode", "nope"]],
    ["trust add with an unreadable key file", ["trust", "add", "@acme/*", "missing.pub.json"]],
    ["an unknown plugin verb", ["frob"]],
    ["keygen with no passphrase off a TTY", ["keygen", "--json"], { AGENTGOV_KEY_PASSPHRASE: "" }],
    ["sign with no passphrase off a TTY", ["sign", "a.tgz"], { AGENTGOV_KEY_PASSPHRASE: "" }],
    ["keygen with an unknown --export format", ["keygen", "--export", "pem"]],
    ["verify --installed with a tarball too", ["verify", "a.tgz", "--installed", "@acme/x"]],
    ["verify --installed without a name", ["verify", "--installed"]],
  ];
  it.each(cases)("%s", async (_label, args, env) => {
    const usageHome = temp("home-usage-");
    const r = await cli(args, { home: usageHome, ...(env === undefined ? {} : { env }) });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).not.toBe("");
    expect(readdirSync(usageHome)).toEqual([]);
  });
});

/** Consent digest: the value a non-interactive install's refusal names. */
async function consentFor(tgz: string, envelope: string, options: { home: string; cwd: string }): Promise<string> {
  const refused = await cli(["install", tgz, envelope, "--json"], options);
  expect(json(refused)).toMatchObject({ ok: false, code: "REGISTRY_CONSENT_REQUIRED" });
  return /--yes-capabilities=([0-9a-f]{64})/.exec(String(json(refused).message))?.[1] ?? "";
}

describe("agentgov plugin keygen --export minisign", () => {
  it("writes and prints the public key in minisign format (--json and human)", async () => {
    const msHome = temp("home-minisign-");
    const k = await cli(["keygen", "--export", "minisign", "--out", "ms-out", "--json"], { home: msHome, cwd: temp("cwd-") });
    expect(k.code, k.stderr).toBe(0);
    const body = json(k) as { keyid: string; publicKey: string; exportPath: string; minisign: { publicKey: string; path: string } };
    expect(body.minisign.path).toBe(join(msHome, "keys", "default.minisign.pub"));
    expect(body.minisign.publicKey).toMatch(/^untrusted comment: minisign public key [0-9A-F]{16}\nRW[A-Za-z0-9+/]{54}\n$/);
    expect(readFileSync(body.minisign.path, "utf8")).toBe(body.minisign.publicKey);
    expect(body.exportPath).toMatch(/ms-out\/[0-9a-f]{64}\.minisign\.pub$/);
    expect(readFileSync(body.exportPath, "utf8")).toBe(body.minisign.publicKey);
    const parsed = parseMinisignPublicKey(body.minisign.publicKey);
    expect(parsed.keyid).toBe(body.keyid);
    expect(toBase64(parsed.publicKey)).toBe(body.publicKey);

    const human = await cli(["keygen", "--export", "minisign", "--name", "second"], { home: msHome });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/untrusted comment: minisign public key [0-9A-F]{16}\nRW/);
    expect(existsSync(join(msHome, "keys", "second.minisign.pub"))).toBe(true);
  });
});

describe("agentgov plugin sign --threshold-cosign", () => {
  it("adds a second signature so a pinned threshold-2 policy verifies; a key signs once", async () => {
    const coHome = temp("home-cosigner-");
    const co = await cli(["keygen", "--json"], { home: coHome });
    expect(co.code, co.stderr).toBe(0);
    const coKeyid = String(json(co).keyid);
    const dir = temp("cosign-");
    for (const f of [TGZ1, ENV1, "@acme+web-search-1.0.0.manifest.json"]) copyFileSync(join(out, f), join(dir, f));
    const trustHome = temp("home-threshold-");
    expect((await cli(["trust", "add", "@acme/*", pubFile], { home: trustHome })).code).toBe(0);
    const add2 = await cli(["trust", "add", "@acme/*", join(coHome, "keys", "default.pub.json"), "--threshold", "2", "--json"], { home: trustHome });
    expect(json(add2)).toMatchObject({ ok: true, policy: { mode: "pinned", keyids: [keyid, coKeyid], threshold: 2 } });

    await expectRejected(cli(["verify", join(dir, TGZ1), "--json"], { home: trustHome }), "REGISTRY_THRESHOLD");
    const s = await cli(["sign", join(dir, TGZ1), "--threshold-cosign", "--key", join(coHome, "keys", "default.key.json"), "--json"], { home: coHome });
    expect(s.code, s.stderr).toBe(0);
    expect(json(s)).toMatchObject({ ok: true, cosigned: true, keyid: coKeyid, keyids: [keyid, coKeyid], envelope: join(dir, ENV1) });
    const v = await cli(["verify", join(dir, TGZ1), "--json"], { home: trustHome });
    expect(v.code, v.stderr).toBe(0);
    expect(json(v)).toMatchObject({ ok: true, keyids: [keyid, coKeyid], mode: "pinned" });

    await expectRejected(cli(["sign", join(dir, TGZ1), "--threshold-cosign", "--key", join(coHome, "keys", "default.key.json"), "--json"], { home: coHome }), "REGISTRY_REQUEST_INVALID");
    const noEnvelope = temp("cosign-none-");
    copyFileSync(join(out, TGZ1), join(noEnvelope, TGZ1));
    await expectRejected(cli(["sign", join(noEnvelope, TGZ1), "--threshold-cosign", "--key", join(coHome, "keys", "default.key.json"), "--json"], { home: coHome }), "REGISTRY_REQUEST_INVALID");
  });
});

describe("agentgov plugin verify --installed", () => {
  it("re-verifies an installed plugin from its folder and lockfile; tampering and unknown names exit 1", async () => {
    const instHome = temp("home-installed-");
    expect((await cli(["trust", "add", "@acme/*", pubFile], { home: instHome })).code).toBe(0);
    const project = temp("project-");
    const sha = await consentFor(join(out, TGZ1), join(out, ENV1), { home: instHome, cwd: project });
    expect((await cli(["install", join(out, TGZ1), join(out, ENV1), `--yes-capabilities=${sha}`], { home: instHome, cwd: project })).code).toBe(0);
    const dir = join(instHome, "plugins", "@acme+web-search@1.0.0");

    const v = await cli(["verify", "--installed", "@acme/web-search", "--json"], { home: instHome, cwd: project });
    expect(v.code, v.stderr).toBe(0);
    expect(json(v)).toEqual({ ok: true, name: "@acme/web-search", version: "1.0.0", dir, keyids: [keyid], capabilitiesSha256: sha, mode: "pinned" });
    const human = await cli(["verify", "--installed", "@acme/web-search"], { home: instHome, cwd: project });
    expect(human.stdout).toMatch(/^verified installed @acme\/web-search@1\.0\.0 in /);

    await expectRejected(cli(["verify", "--installed", "@acme/other", "--json"], { home: instHome, cwd: project }), "REGISTRY_VERSION_UNAVAILABLE");
    await expectRejected(cli(["verify", "--installed", "@acme/web-search", "--json"], { home: temp("home-fresh-"), cwd: project }), "REGISTRY_STORE_CORRUPT");

    const file = join(dir, "package", "lib", "index.js");
    for (const d of [dir, join(dir, "package"), join(dir, "package", "lib")]) chmodSync(d, 0o755);
    chmodSync(file, 0o644);
    writeFileSync(file, "export const evil = 1;\n");
    await expectRejected(cli(["verify", "--installed", "@acme/web-search", "--json"], { home: instHome, cwd: project }), "REGISTRY_TREE_MISMATCH");
    const humanReject = await cli(["verify", "--installed", "@acme/web-search"], { home: instHome, cwd: project });
    expect(humanReject.code).toBe(1);
    expect(humanReject.stderr).toMatch(/^REGISTRY_TREE_MISMATCH: /);
  });
});
