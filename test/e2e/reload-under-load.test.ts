/**
 * Hot reload under load (issue 7): while `agentgov serve` answers a keep-alive load of
 * `/v1/decide`, the policy file is replaced by broken ones (bad YAML, an unknown action, a
 * file cut short). The server keeps the previous set and says so in `/healthz`; no decision
 * of the whole run allows what the previous set denied, and none is a "no policy" one.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { getJson, LOAD_POLICY, prepareServe, startLoad, startServe, waitFor, type ServeDirs, type Served } from "./serve-load-fixture.js";

let dirs: ServeDirs | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.kill("SIGTERM");
  served = undefined;
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
  dirs = undefined;
});

const BROKEN = [
  { name: "YAML syntax error", text: "apiVersion: agentgov/v1\nname: support-db\nrules: [\n  - name: x\n" },
  { name: "unknown action", text: LOAD_POLICY.replace("    action: deny", "    action: obliterate") },
  { name: "file cut short", text: LOAD_POLICY.slice(0, LOAD_POLICY.indexOf("condition")) + "condition: \"lower(args.query" },
];

interface Health {
  status: string;
  policies: { digest: string; count: number; reload_failures: number; last_error: { message: string } | null };
}

describe("agentgov serve: a broken policy edit during load", () => {
  it("keeps the previous set, reports the failure, and never allows what it denied", { timeout: 120_000 }, async () => {
    dirs = await prepareServe();
    served = await startServe(dirs);
    const { endpoint } = served;
    const health = async (): Promise<Health> => (await getJson(endpoint, "/healthz")).body as unknown as Health;
    const before = await health();
    expect(before).toMatchObject({ status: "ok", policies: { count: 1, last_error: null } });
    const load = startLoad(endpoint, dirs.token, 8);
    await waitFor(() => load.acknowledged.length >= 200, 30_000, "200 decisions before the edit");
    const file = join(dirs.policies, "policy.yaml");
    let failures = before.policies.reload_failures;
    for (const broken of BROKEN) {
      // In place, as an editor that truncates and writes would (the watcher may see it half-written).
      writeFileSync(file, broken.text);
      await waitFor(async () => (await health()).policies.reload_failures > failures, 30_000, `the reload of the ${broken.name} to fail`);
      const now = await health();
      failures = now.policies.reload_failures;
      expect(now.status, broken.name).toBe("degraded");
      expect(now.policies.digest, broken.name).toBe(before.policies.digest);
      expect(now.policies.count, broken.name).toBe(1);
      expect(now.policies.last_error?.message, broken.name).toBeTruthy();
      // Decisions keep flowing under the previous set.
      const seen = load.acknowledged.length;
      await waitFor(() => load.acknowledged.length >= seen + 100, 30_000, `100 decisions after the ${broken.name}`);
    }
    // A good edit (atomically, by rename) is taken again.
    writeFileSync(`${file}.tmp`, LOAD_POLICY.replace("name: allow-selects", "name: allow-selects-v2"));
    renameSync(`${file}.tmp`, file);
    await waitFor(async () => (await health()).status === "ok", 30_000, "the fixed policy to load");
    const seen = load.acknowledged.length;
    await waitFor(() => load.acknowledged.length >= seen + 100, 30_000, "100 decisions after the fix");
    await load.stop();

    const all = load.acknowledged;
    expect(load.failed).toBe(0);
    expect(all.filter((a) => a.code === "no_policy")).toEqual([]);
    expect(all.filter((a) => a.sent === "denied" && a.allowed)).toEqual([]);
    expect(all.filter((a) => a.sent === "denied").every((a) => a.action === "deny" && a.code === "rule")).toBe(true);
    expect(all.filter((a) => a.sent === "allowed").every((a) => a.allowed && a.code === "rule")).toBe(true);
  });
});
