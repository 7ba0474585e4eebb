/** The result of one `agentgov doctor` check. */

/** `skip`: the check does not apply (nothing to check); never a failure. */
export type CheckStatus = "pass" | "fail" | "skip";

/** One line of the doctor's report. */
export interface CheckResult {
  /** Which check: `node`, `policies`, `audit`, `server`, `framework`. */
  check: string;
  status: CheckStatus;
  /** What was checked and what was found. */
  message: string;
  /** Further lines (a policy file's positioned errors). */
  details?: string[];
}
