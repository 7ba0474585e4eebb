/**
 * The real npm client against a test registry (REGISTRY.md §6.3, §12): a throw-away
 * `.npmrc` holding the registry URL and a publish token, and `npm publish` of a tiny package
 * written on the fly. npm runs with its own cache and HOME in temp folders, no audit/fund.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** One npm run. */
export interface NpmRun { code: number; stdout: string; stderr: string }

/** An npm client configured for one registry and token. */
export interface NpmClient {
  /** Writes a package (`package.json` + `files`) and runs `npm publish` in it. */
  publish(name: string, version: string, files?: Record<string, string>): Promise<NpmRun>;
}

function run(args: readonly string[], cwd: string, npmrc: string): Promise<NpmRun> {
  return new Promise((resolve) => {
    execFile("npm", [...args, "--userconfig", npmrc, "--cache", join(cwd, ".npm-cache"), "--no-audit", "--no-fund", "--no-update-notifier"], {
      cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd }, timeout: 120_000,
    }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : 1, stdout, stderr });
    });
  });
}

/** An npm client publishing to `registryUrl` with `token`. */
export async function npmClient(registryUrl: string, token: string): Promise<NpmClient> {
  const npmrc = join(await mkdtemp(join(tmpdir(), "agentgov-npmrc-")), ".npmrc");
  const host = new URL(registryUrl).host;
  await writeFile(npmrc, `registry=${registryUrl}/\n//${host}/:_authToken=${token}\n`);
  return {
    async publish(name, version, files = { "index.js": `module.exports = ${JSON.stringify(`${name}@${version}`)};\n` }) {
      const dir = await mkdtemp(join(tmpdir(), "agentgov-npm-pkg-"));
      await writeFile(join(dir, "package.json"), JSON.stringify({ name, version, main: "index.js", license: "MIT" }));
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      return run(["publish"], dir, npmrc);
    },
  };
}
