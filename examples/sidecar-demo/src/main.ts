/**
 * The sidecar demo: agents of three frameworks (Vercel AI SDK, OpenAI Agents SDK,
 * LangChain), each on its own scripted test model, governed by a running `agentgov serve`
 * through the remote kernel (`kernelFromEnv` with `AGENTGOV_ENDPOINT` / `AGENTGOV_TOKEN`).
 * The AI SDK and OpenAI agents each show an allowed call, a denied call (the tool never
 * runs) and a refund that waits for a human approval in the web console; the LangChain
 * agent an allowed search, a denied deletion and a small refund under the threshold.
 *
 *   npm start                          # in one terminal: the sidecar and its console
 *   npm run demo                       # in another: approve (or deny) the refunds in the console
 *   npm run demo -- --self-hosted      # no server needed: its own sidecar, a scripted approver (CI)
 *
 * Exit 0 when every governed behaviour was as expected, 1 otherwise, 2 on a usage error.
 */
import { kernelFromEnv } from "@agentgov/core";
import { aiSdkSupport } from "./ai-sdk-support.js";
import { demoApprovals, type Approver } from "./approvals.js";
import { Checks } from "./checks.js";
import { langchainSupport } from "./langchain-support.js";
import { openAiAgentsSupport } from "./openai-agents-support.js";
import { runningSidecar, selfHostedSidecar, type Sidecar } from "./sidecar.js";

const HUMAN_WAIT_SECONDS = 180;
const args = process.argv.slice(2);
if (args.some((a) => a !== "--self-hosted")) {
  process.stderr.write("usage: node dist/main.js [--self-hosted]\n");
  process.exit(2);
}
const selfHosted = args.includes("--self-hosted");
// A hung run is a failure too (the human mode waits for people, so it gets longer).
const watchdogSeconds = selfHosted ? 120 : 2 * HUMAN_WAIT_SECONDS + 60;
setTimeout(() => {
  process.stderr.write(`FAIL: the demo did not finish within ${String(watchdogSeconds)} s\n`);
  process.exit(1);
}, watchdogSeconds * 1000).unref();

let sidecar: Sidecar;
try {
  sidecar = selfHosted ? await selfHostedSidecar() : runningSidecar(process.env);
} catch (error) {
  process.stderr.write(`sidecar demo: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const health = await fetch(`${sidecar.endpoint}/healthz`).catch((error: unknown) => error as Error);
if (health instanceof Error) {
  process.stderr.write(`sidecar demo: no sidecar answers at ${sidecar.endpoint} (${causeOf(health)}): start it with 'npm start' first, or run 'npm run demo -- --self-hosted'\n`);
  await sidecar.stop();
  process.exit(1);
}
const status = (await health.json()) as { status: string; policies: { names: string[] } };
process.stdout.write(`sidecar ${sidecar.endpoint}: ${status.status}, policies ${status.policies.names.join(", ")}${selfHosted ? " (self-hosted, temp data directory)" : ""}\n`);

const checks = new Checks();
try {
  await run(sidecar, checks);
} catch (error) {
  checks.problems.push(`the demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
} finally {
  await sidecar.stop();
}
process.stdout.write("\n");
for (const problem of checks.problems) process.stderr.write(`FAIL: ${problem}\n`);
if (checks.problems.length === 0) process.stdout.write("sidecar demo: every governed behaviour was as expected\n");
process.exitCode = checks.problems.length === 0 ? 0 : 1;

async function run(sidecar: Sidecar, checks: Checks): Promise<void> {
  const approver: Approver = sidecar.approverToken === undefined
    ? { kind: "human", consoleUrl: `${sidecar.endpoint}/`, waitSeconds: HUMAN_WAIT_SECONDS }
    : { kind: "scripted", token: sidecar.approverToken, verdicts: ["approve", "deny"] };
  // The one switch: AGENTGOV_ENDPOINT set means every decision is the sidecar's.
  const kernel = kernelFromEnv({
    // Self-hosted runs in CI on busy machines: a round trip may take longer than the 2 s default there.
    env: { AGENTGOV_TIMEOUT_MS: selfHosted ? "10000" : undefined, ...process.env, AGENTGOV_ENDPOINT: sidecar.endpoint, AGENTGOV_TOKEN: sidecar.agentToken },
    approvals: demoApprovals(sidecar.endpoint, sidecar.agentToken, approver),
    approvalTimeoutMs: (approver.kind === "human" ? HUMAN_WAIT_SECONDS : 30) * 1000,
  });
  try {
    await aiSdkSupport(kernel, checks, selfHosted ? "approved" : "either");
    await openAiAgentsSupport(kernel, checks, selfHosted ? "denied" : "either");
    await langchainSupport(kernel, checks);
  } finally {
    await kernel.close();
  }
  const { remoteFailures } = kernel.stats as { remoteFailures?: Record<string, number> };
  const failed = Object.entries(remoteFailures ?? {}).filter(([, n]) => n > 0);
  checks.expect(remoteFailures !== undefined, "the kernel is not the remote kernel");
  checks.expect(failed.length === 0, `the remote kernel failed round trips (a fail-closed deny is not a policy decision): ${JSON.stringify(Object.fromEntries(failed))}`);
  if (sidecar.auditToken !== undefined) await checkAudit(sidecar.endpoint, sidecar.auditToken, checks);
}

/** Self-hosted: the sidecar's audit chain verifies and holds the decisions the agents saw. */
async function checkAudit(endpoint: string, token: string, checks: Checks): Promise<void> {
  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${endpoint}${path}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`GET ${path} answered ${String(res.status)}`);
    return (await res.json()) as T;
  };
  const verify = await get<{ ok: boolean; records: number }>("/v1/audit/verify");
  const deniedPage = await get<{ records: { agent: string; stage: string; decision: { matched_rule: string | null } }[] }>("/v1/audit?decision=deny&tool=delete_account");
  const denied = { records: deniedPage.records.filter((r) => r.stage === "pre_tool") };
  const asked = await get<{ records: { agent: string }[] }>("/v1/audit?decision=require_approval&tool=issue_refund");
  const askedBy = [...new Set(asked.records.map((r) => r.agent))].sort();
  process.stdout.write(`\nsidecar audit: chain ${verify.ok ? "intact" : "BROKEN"} (${String(verify.records)} records); ${String(denied.records.length)} denied delete_account, refund approvals asked by ${askedBy.join(" and ")}\n`);
  checks.expect(verify.ok, "the sidecar's audit chain does not verify");
  const deniedFor = denied.records.filter((r) => r.decision.matched_rule === "block-account-deletion").map((r) => r.agent).sort();
  checks.expect(deniedFor.join() === "support-assistant,support-bot,support-triage", `the sidecar's audit does not hold the three denied deletions (one per agent): ${JSON.stringify(denied.records)}`);
  checks.expect(askedBy.join() === "support-billing,support-bot", `the sidecar's audit holds refund approval decisions for ${JSON.stringify(askedBy)}, expected support-billing and support-bot`);
}

/** The code of a failed fetch's cause (ECONNREFUSED, …), or its message. */
function causeOf(error: Error): string {
  const cause = error.cause as { code?: unknown } | undefined;
  return typeof cause?.code === "string" ? cause.code : error.message;
}
