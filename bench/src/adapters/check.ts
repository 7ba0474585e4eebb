/**
 * The functional check run before anything is timed, on the very loops that will be timed:
 * - ungoverned: the tool ran once, nothing was audited, the model saw the tool's result;
 * - governed: the tool ran once, the kernel wrote exactly two records (the allow decision,
 *   then the `ok` outcome), the model saw the tool's result;
 * - denied (governed, the policy's deny rule): the tool did NOT run (its counter did not
 *   move), the decision was audited as a denial, the model saw the denial text.
 * Each run must end with the scripted final answer.
 */
import type { AuditRecord, MemoryAuditSink } from "@agentgov/core/audit";
import type { Counters, Loop, Loops } from "./common.js";
import { ALLOWED_RESULT, ALLOWED_TOOL, DENIED_TOOL, FINAL_TEXT } from "./common.js";

async function once(loop: Loop): Promise<{ final: string; seen: string } | { error: string }> {
  loop.prepare();
  try {
    const final = await loop.run();
    return { final, seen: loop.seen() };
  } catch (error) {
    return { error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
}

function brief(records: readonly AuditRecord[]): string {
  return JSON.stringify(records.map((r) => ({ kind: r.kind, tool: r.tool, allowed: r.decision.allowed, rule: r.decision.matched_rule, outcome: r.outcome?.status })));
}

/** Problems found (empty when every loop behaved). */
export async function checkLoops(loops: Loops, counters: Counters, audit: MemoryAuditSink): Promise<string[]> {
  const problems: string[] = [];

  // Ungoverned: runs, not audited.
  let read = counters.read;
  let seq = audit.head().seq;
  const u = await once(loops.ungoverned);
  if ("error" in u) problems.push(`ungoverned run failed: ${u.error}`);
  else {
    if (counters.read !== read + 1) problems.push(`ungoverned: ${ALLOWED_TOOL} ran ${String(counters.read - read)} times, expected 1`);
    if (audit.head().seq !== seq) problems.push("ungoverned: the audit log moved");
    if (u.final !== FINAL_TEXT) problems.push(`ungoverned: final answer ${JSON.stringify(u.final)}, expected ${JSON.stringify(FINAL_TEXT)}`);
    if (!u.seen.includes(ALLOWED_RESULT)) problems.push(`ungoverned: the model saw ${JSON.stringify(u.seen)}, expected the tool's result`);
  }

  // Governed, allowed: runs once, one decision record + one outcome record.
  read = counters.read;
  seq = audit.head().seq;
  const g = await once(loops.governed);
  if ("error" in g) problems.push(`governed run failed: ${g.error}`);
  else {
    if (counters.read !== read + 1) problems.push(`governed: ${ALLOWED_TOOL} ran ${String(counters.read - read)} times, expected 1`);
    const recs = audit.records().slice(seq);
    const [d, o] = recs;
    const okDecision = d?.kind === "decision" && d.tool === ALLOWED_TOOL && d.decision.allowed && d.decision.matched_rule === "allow-reads";
    const okOutcome = o?.kind === "outcome" && o.tool === ALLOWED_TOOL && o.outcome?.status === "ok";
    if (recs.length !== 2 || !okDecision || !okOutcome) {
      problems.push(`governed: expected an allow decision (allow-reads) and an ok outcome in the audit, got ${brief(recs)}`);
    }
    if (g.final !== FINAL_TEXT) problems.push(`governed: final answer ${JSON.stringify(g.final)}, expected ${JSON.stringify(FINAL_TEXT)}`);
    if (!g.seen.includes(ALLOWED_RESULT)) problems.push(`governed: the model saw ${JSON.stringify(g.seen)}, expected the tool's result`);
  }

  // Governed, denied: the body never runs.
  const del = counters.delete;
  seq = audit.head().seq;
  const x = await once(loops.denied);
  if ("error" in x) problems.push(`denied run failed: ${x.error}`);
  else {
    if (counters.delete !== del) problems.push(`denied: ${DENIED_TOOL} RAN ${String(counters.delete - del)} times although the policy denies it`);
    const recs = audit.records().slice(seq);
    const denial = recs.find((r) => r.kind === "decision" && r.tool === DENIED_TOOL && !r.decision.allowed && r.decision.matched_rule === "no-delete");
    if (denial === undefined || recs.some((r) => r.outcome?.status === "ok")) {
      problems.push(`denied: expected a deny decision (no-delete) and no ok outcome in the audit, got ${brief(recs)}`);
    }
    if (x.final !== FINAL_TEXT) problems.push(`denied: final answer ${JSON.stringify(x.final)}, expected ${JSON.stringify(FINAL_TEXT)}`);
    if (!x.seen.includes("denied by policy")) problems.push(`denied: the model saw ${JSON.stringify(x.seen)}, expected the denial text`);
  }
  return problems;
}
