/**
 * The npm-compatible subset with the real npm client (REGISTRY.md §6.3): stock `npm publish`
 * of unscoped and scoped packages (stored as `unsigned`, logged as `publish-unsigned`),
 * republish → E403, `npm install` with a caret range, `npm view`, a tampered stored blob →
 * EINTEGRITY, and `dist.signatures` that verify with the key from `/-/npm/v1/keys`.
 */
import { execFile } from "node:child_process";
import { createVerify } from "node:crypto";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FsBlobStore } from "../storage/fs-blob-store.js";
import { registryPaths } from "../registry-config.js";
import { createPublisher, snapshot, startRegistry, type TestRegistry } from "../testing/harness.js";

let reg: TestRegistry;
let npmrc: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => { resolve(typeof address === "object" && address !== null ? address.port : 0); });
    });
  });
}

function npm(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("npm", [...args, "--userconfig", npmrc, "--cache", join(cwd, ".npm-cache"), "--no-audit", "--no-fund", "--no-update-notifier"], {
      cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd }, timeout: 120_000,
    }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

async function packageDir(name: string, version: string, extra: object = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "agentgov-npm-pkg-"));
  await writeFile(join(dir, "package.json"), JSON.stringify({ name, version, main: "index.js", license: "MIT", ...extra }));
  await writeFile(join(dir, "index.js"), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
  return dir;
}

beforeAll(async () => {
  const port = await freePort();
  reg = await startRegistry({ port, publicUrl: `http://127.0.0.1:${port}` });
  const { token } = await createPublisher(reg, "acme", ["keys", "publish:*"]);
  npmrc = join(await mkdtemp(join(tmpdir(), "agentgov-npmrc-")), ".npmrc");
  await writeFile(npmrc, `registry=${reg.url}/\n//127.0.0.1:${port}/:_authToken=${token}\n`);
});
afterAll(async () => { await reg.close(); });

describe("npm client against the registry", () => {
  it("publishes unscoped and scoped packages as unsigned, logged publish-unsigned", async () => {
    for (const [name, version] of [["hello-agentgov", "1.0.0"], ["hello-agentgov", "1.2.0"], ["@acme/npm-thing", "2.0.0"]] as const) {
      const res = await npm(["publish"], await packageDir(name, version));
      expect(res.code, res.stderr).toBe(0);
    }
    const entries = (await (await fetch(`${reg.url}/v1/log/entries?start=0&end=4`)).json()) as { entries: { kind: string; keyids: string[] }[] };
    expect(entries.entries.slice(1).map((e) => e.kind)).toEqual(["publish-unsigned", "publish-unsigned", "publish-unsigned"]);
    const packument = (await (await fetch(`${reg.url}/@acme%2fnpm-thing`)).json()) as { versions: Record<string, { dist: { tarball: string; agentgov: { status: string } } }> };
    expect(packument.versions["2.0.0"]?.dist.agentgov.status).toBe("unsigned");
    expect(packument.versions["2.0.0"]?.dist.tarball).toBe(`${reg.url}/@acme/npm-thing/-/npm-thing-2.0.0.tgz`);
  });

  it("republishing a version fails with E403 and writes nothing", async () => {
    const before = await snapshot(reg);
    const res = await npm(["publish", "--force"], await packageDir("hello-agentgov", "1.0.0", { description: "other bytes" }));
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("403");
    expect(await snapshot(reg)).toEqual(before);
  });

  it("refuses lifecycle scripts and bin, writing nothing", async () => {
    const before = await snapshot(reg);
    for (const extra of [{ scripts: { postinstall: "node -e 1" } }, { bin: { x: "index.js" } }]) {
      const res = await npm(["publish", "--ignore-scripts"], await packageDir("evil-agentgov", "1.0.0", extra));
      expect(res.code).not.toBe(0);
      expect(res.stderr).toContain("REGISTRY_SCRIPTS_FORBIDDEN");
    }
    expect(await snapshot(reg)).toEqual(before);
  });

  it("installs with a caret range and shows the package with npm view", async () => {
    const project = await mkdtemp(join(tmpdir(), "agentgov-npm-proj-"));
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "proj", version: "0.0.0", private: true }));
    const res = await npm(["install", "hello-agentgov@^1.0.0", "@acme/npm-thing@^2.0.0", "--ignore-scripts"], project);
    expect(res.code, res.stderr).toBe(0);
    expect(await readFile(join(project, "node_modules/hello-agentgov/index.js"), "utf8")).toContain("hello-agentgov@1.2.0");
    expect(await readFile(join(project, "node_modules/@acme/npm-thing/index.js"), "utf8")).toContain("@acme/npm-thing@2.0.0");
    const view = await npm(["view", "hello-agentgov", "version"], project);
    expect(view.stdout.trim()).toBe("1.2.0");
  });

  it("signs dist with the npm role key served at /-/npm/v1/keys", async () => {
    const keys = (await (await fetch(`${reg.url}/-/npm/v1/keys`)).json()) as { keys: { keyid: string; key: string }[] };
    const packument = (await (await fetch(`${reg.url}/hello-agentgov`)).json()) as { versions: Record<string, { dist: { integrity: string; signatures: { keyid: string; sig: string }[] } }> };
    const dist = packument.versions["1.2.0"]?.dist;
    const key = keys.keys.find((k) => k.keyid === dist?.signatures[0]?.keyid);
    expect(key).toBeDefined();
    const pem = `-----BEGIN PUBLIC KEY-----\n${key?.key ?? ""}\n-----END PUBLIC KEY-----`;
    const verifier = createVerify("SHA256");
    verifier.update(`hello-agentgov@1.2.0:${dist?.integrity ?? ""}`);
    expect(verifier.verify(pem, dist?.signatures[0]?.sig ?? "", "base64")).toBe(true);
    const forged = createVerify("SHA256");
    forged.update(`hello-agentgov@1.0.0:${dist?.integrity ?? ""}`);
    expect(forged.verify(pem, dist?.signatures[0]?.sig ?? "", "base64")).toBe(false);
  });

  it("a tampered stored blob makes npm fail with EINTEGRITY", async () => {
    const packument = (await (await fetch(`${reg.url}/hello-agentgov`)).json()) as { versions: Record<string, { dist: { integrity: string } }> };
    const hex = Buffer.from((packument.versions["1.0.0"]?.dist.integrity ?? "").slice("sha512-".length), "base64").toString("hex");
    const blobs = new FsBlobStore(registryPaths(reg.dir).blobs);
    const file = blobs.pathOf(hex).file;
    const bytes = await readFile(file);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    const project = await mkdtemp(join(tmpdir(), "agentgov-npm-proj-"));
    await writeFile(join(project, "package.json"), JSON.stringify({ name: "proj", version: "0.0.0", private: true }));
    const res = await npm(["install", "hello-agentgov@1.0.0", "--ignore-scripts", "--fetch-retries", "0"], project);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain("EINTEGRITY");
  }, 120_000);

  it("answers ping and whoami, 404 for advisories and /npm, 405 for unpublish and login", async () => {
    expect((await fetch(`${reg.url}/-/ping`)).status).toBe(200);
    expect((await fetch(`${reg.url}/-/npm/v1/security/advisories/bulk`, { method: "POST", body: "{}" })).status).toBe(404);
    expect((await fetch(`${reg.url}/npm`)).status).toBe(404);
    expect((await fetch(`${reg.url}/hello-agentgov`, { method: "DELETE" })).status).toBe(405);
    expect((await fetch(`${reg.url}/-/user/org.couchdb.user:bob`, { method: "PUT", body: "{}" })).status).toBe(405);
    const project = await mkdtemp(join(tmpdir(), "agentgov-npm-proj-"));
    const who = await npm(["whoami"], project);
    expect(who.stdout.trim()).toBe("acme");
  });

  it("refuses encodings other than npm's %2f in package paths", async () => {
    for (const path of ["/@acme%2Fnpm-thing", "/%40acme%2fnpm-thing", "/@acme%252fnpm-thing", "/hello-agentgov/..%2f..", "/@acme%2f..%2fx"]) {
      expect((await fetch(`${reg.url}${path}`)).status, path).toBe(400);
    }
  });
});
