/**
 * Crash safety of the CLI-started registry (issue 5 acceptance): a burst of concurrent signed
 * publishes against `agentgov registry serve`, SIGKILL mid-burst, restart on the same
 * directory and port; then `agentgov registry log verify` passes (consistent with the
 * checkpoint this client verified before the crash) and every acknowledged (201) publish is
 * present: its receipt, its index entry and its log leaf, byte for byte as acknowledged.
 */
import { afterAll, describe, expect, it } from "vitest";
import { canonicalJson, parseEnvelope, fromBase64 } from "@agentgov/registry-protocol";
import {
  call, createPublisher, packPlugin, publish, registryLog, startRegistryProcess, tempHome, type RegistryProcess, type SignedPlugin,
} from "./registry-process.js";

const BURST = 40;
const KILL_AFTER_ACKS = 6;

interface Receipt { logIndex: number; entry: { sha512: string; version: string } }

const running: RegistryProcess[] = [];
afterAll(async () => {
  for (const proc of running) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill("SIGTERM");
    await proc.exited;
  }
});

async function start(home: string, args: string[]): Promise<RegistryProcess> {
  const proc = await startRegistryProcess(home, args);
  running.push(proc);
  return proc;
}

describe("registry serve: SIGKILL during a publish burst", { timeout: 180_000 }, () => {
  it("after a restart the log verifies and no acknowledged publish is lost", async () => {
    const home = await tempHome();
    const first = await start(home, ["--init", "--port", "0"]);
    const { url } = first.info;
    const port = new URL(url).port;
    const acme = await createPublisher(first.info, "acme");
    // The client's baseline checkpoint, taken before the crash.
    const before = await registryLog(home, url, ["verify", "--json"]);
    expect(before.code, before.stderr).toBe(0);

    const plugins: SignedPlugin[] = [];
    for (let i = 0; i < BURST; i++) plugins.push(await packPlugin("@acme/crash", `1.0.${i}`, acme, `crash-${i}`));
    const acked: Receipt[] = [];
    let failed = 0;
    await Promise.all(plugins.map(async (plugin) => {
      try {
        const res = await publish(url, plugin, acme.token);
        if (res.status === 201) {
          acked.push(res.body as Receipt);
          if (acked.length === KILL_AFTER_ACKS) first.child.kill("SIGKILL");
        } else failed += 1;
      } catch {
        failed += 1; // the connection died with the server
      }
    }));
    expect(await first.exited).toBe("SIGKILL");
    expect(acked.length).toBeGreaterThanOrEqual(KILL_AFTER_ACKS);
    expect(acked.length + failed).toBe(BURST);
    expect(failed).toBeGreaterThan(0); // the kill landed mid-burst

    const second = await start(home, ["--port", port]);
    expect(second.info.initialized).toBe(false);
    const verified = await registryLog(home, url, ["verify", "--json"]);
    expect(verified.code, verified.stderr).toBe(0);
    const summary = JSON.parse(verified.stdout) as { size: number; previousSize: number };
    // Checked for consistency with the checkpoint verified before the crash (the key binding only).
    expect(summary.previousSize).toBe((JSON.parse(before.stdout) as { size: number }).size);
    expect(summary.size).toBeGreaterThan(summary.previousSize + acked.length - 1);

    const indexEnvelope = await call(url, "GET", "/v1/packages/@acme/crash/index");
    expect(indexEnvelope.status).toBe(200);
    const index = JSON.parse(Buffer.from(fromBase64(parseEnvelope(JSON.stringify(indexEnvelope.body)).payload) ?? []).toString("utf8")) as {
      versions: Record<string, { sha512: string; logIndex: number }>;
    };
    for (const receipt of acked) {
      expect(receipt.logIndex).toBeLessThan(summary.size);
      const now = await call(url, "GET", `/v1/packages/@acme/crash/${receipt.entry.version}/receipt`);
      expect(now.status).toBe(200);
      const stored = now.body as Receipt;
      expect(stored.logIndex).toBe(receipt.logIndex);
      expect(canonicalJson(stored.entry)).toBe(canonicalJson(receipt.entry));
      const leaf = await call(url, "GET", `/v1/log/entries?start=${receipt.logIndex}&end=${receipt.logIndex + 1}`);
      expect(canonicalJson((leaf.body as { entries: unknown[] }).entries[0])).toBe(canonicalJson(receipt.entry));
      expect(index.versions[receipt.entry.version]).toMatchObject({ sha512: receipt.entry.sha512, logIndex: receipt.logIndex });
      const blob = await fetch(`${url}/v1/blobs/sha512/${receipt.entry.sha512}`);
      expect(blob.status).toBe(200);
      await blob.arrayBuffer();
    }
    const proved = await registryLog(home, url, ["prove", String(acked[0]?.logIndex ?? -1)]);
    expect(proved.code, proved.stderr).toBe(0);

    // The restarted registry keeps working, and the log stays verifiable.
    const after = await publish(url, await packPlugin("@acme/crash", "2.0.0", acme, "after"), acme.token);
    expect(after.status).toBe(201);
    const again = await registryLog(home, url, ["verify"]);
    expect(again.code, again.stderr).toBe(0);

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
    expect(second.stderr()).toContain("stopped cleanly");
  });
});
