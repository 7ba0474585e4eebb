/**
 * Crash test of `agentgov serve` (issue 7): SIGKILL the real server in the middle of a
 * keep-alive load of `/v1/decide`, restart it on the same data directory, and check that
 * the audit chain verifies and that every decision the server acknowledged is in it (the
 * server answers only once the record is committed).
 */
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { auditedDecisions, getJson, prepareServe, startLoad, startServe, waitFor, type ServeDirs, type Served } from "./serve-load-fixture.js";

let dirs: ServeDirs | undefined;
let served: Served | undefined;
afterEach(async () => {
  await served?.kill("SIGKILL");
  served = undefined;
  if (dirs !== undefined) rmSync(dirs.root, { recursive: true, force: true });
  dirs = undefined;
});

describe("agentgov serve: SIGKILL during a load", () => {
  it("loses no acknowledged decision, and the chain verifies after the restart", { timeout: 120_000 }, async () => {
    dirs = await prepareServe();
    served = await startServe(dirs);
    const first = served;
    const load = startLoad(first.endpoint, dirs.token, 16);
    // Kill it mid-load: once enough decisions have been answered, while requests are in flight.
    await waitFor(() => load.acknowledged.length >= 1500, 60_000, "1,500 acknowledged decisions");
    await first.kill("SIGKILL");
    expect(first.child.signalCode).toBe("SIGKILL");
    await load.stop();
    const acknowledged = [...load.acknowledged];
    expect(acknowledged.length).toBeGreaterThanOrEqual(1500);

    served = await startServe(dirs);
    const verify = await getJson(served.endpoint, "/v1/audit/verify", dirs.token);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, signaturesChecked: true });
    const audited = await auditedDecisions(served.endpoint, dirs.token);
    const missing = acknowledged.filter((a) => !audited.has(a.callId));
    expect(missing).toEqual([]);
    // Each record says what the answer said.
    for (const a of acknowledged) expect(audited.get(a.callId)).toEqual({ action: a.action, code: a.code });
    expect(acknowledged.filter((a) => a.sent === "denied" && a.allowed)).toEqual([]);
    expect(acknowledged.some((a) => a.allowed)).toBe(true);

    // The continued log takes new decisions and still verifies.
    const again = startLoad(served.endpoint, dirs.token, 4);
    await waitFor(() => again.acknowledged.length >= 50, 30_000, "50 decisions after the restart");
    await again.stop();
    const after = await getJson(served.endpoint, "/v1/audit/verify", dirs.token);
    expect(after.body).toMatchObject({ ok: true });
    expect(Number(after.body.records)).toBeGreaterThanOrEqual(acknowledged.length + 50);
  });
});
