/**
 * Issue 5 acceptance against the CLI-started registry: 20 parallel publishes of one version
 * (different bytes each) → exactly one 201 and 19 × 409 `REGISTRY_VERSION_EXISTS`, in every
 * round; each round adds exactly one log leaf, the index names the winner's bytes, and
 * `agentgov registry log verify` passes after every round (consistency with the previous one).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha512, toHex } from "@agentgov/registry-protocol";
import {
  call, createPublisher, packPlugin, publish, registryLog, startRegistryProcess, tempHome, type Publisher, type RegistryProcess,
} from "./registry-process.js";

const ROUNDS = 5;
const RACERS = 20;

let home: string;
let proc: RegistryProcess;
let acme: Publisher;

beforeAll(async () => {
  home = await tempHome();
  proc = await startRegistryProcess(home, ["--init", "--port", "0"]);
  acme = await createPublisher(proc.info, "acme");
}, 60_000);
afterAll(async () => {
  proc.child.kill("SIGTERM");
  await proc.exited;
});

async function logSize(): Promise<number> {
  const res = await registryLog(home, proc.info.url, ["verify", "--json"]);
  expect(res.code, res.stderr).toBe(0);
  return (JSON.parse(res.stdout) as { entries: number }).entries;
}

describe("registry serve: racing publishes of one version", { timeout: 180_000 }, () => {
  it(`${RACERS} parallel publishes: exactly one success in each of ${ROUNDS} rounds; the log stays consistent`, async () => {
    const { url } = proc.info;
    let size = await logSize();
    for (let round = 0; round < ROUNDS; round++) {
      const version = `3.0.${round}`;
      const plugins = await Promise.all(Array.from({ length: RACERS }, (_, i) => packPlugin("@acme/race", version, acme, `${round}-${i}`)));
      expect(new Set(plugins.map((p) => toHex(sha512(p.tarball)))).size).toBe(RACERS);
      const results = await Promise.all(plugins.map((p) => publish(url, p, acme.token)));
      const winners = results.filter((r) => r.status === 201);
      expect(winners).toHaveLength(1);
      const losers = results.filter((r) => r.status === 409 && (r.body as { error?: { code?: string } }).error?.code === "REGISTRY_VERSION_EXISTS");
      expect(losers).toHaveLength(RACERS - 1);
      const committed = (winners[0]?.body as { entry: { sha512: string } }).entry.sha512;
      const receipt = await call(url, "GET", `/v1/packages/@acme/race/${version}/receipt`);
      expect((receipt.body as { entry: { sha512: string } }).entry.sha512).toBe(committed);
      const next = await logSize();
      expect(next).toBe(size + 1);
      size = next;
    }
  });
});
