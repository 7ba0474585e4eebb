/** What the demo expects of the governed runs: each failed expectation is one problem, and any problem exits 1. */

/** A list of problems, printed at the end. */
export class Checks {
  readonly problems: string[] = [];

  /** Records `problem` unless `ok`. */
  expect(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }
}

/** How an approval ended in a scenario: `approved` (the tool ran once) or not (it never ran). */
export type ApprovalExpectation = "approved" | "denied" | "either";

/** Checks a call that waited for approval: an approved one ran once, a refused one never ran and the model was told. */
export function checkApproval(checks: Checks, label: string, expected: ApprovalExpectation, ran: number, modelSaw: string): "approved" | "refused" {
  const outcome = ran > 0 ? "approved" : "refused";
  if (outcome === "approved") {
    checks.expect(expected !== "denied", `${label}: the refund ran although its approval was to be denied`);
    checks.expect(ran === 1, `${label}: the approved refund ran ${String(ran)} times, expected once`);
  } else {
    checks.expect(expected !== "approved", `${label}: the refund did not run after its approval (the model saw: ${modelSaw})`);
    checks.expect(/approval_(denied|timeout)|approval/.test(modelSaw), `${label}: the model was not told why the refund did not run (it saw: ${modelSaw})`);
  }
  return outcome;
}
