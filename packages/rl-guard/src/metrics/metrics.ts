/**
 * Metrics (RL-GUARD.md §9): one JSONL line per epoch (`EpochReportV1`), and Prometheus
 * text (prefix `agentgov_rl_`) from counters accumulated over the reports. Label values are
 * bounded: severities, verification reasons and detectors are fixed sets, and rule names
 * come from the compiled rule set (capped per epoch by the controller).
 */
import type { EpochReportV1 } from "../run/run.js";

/** The JSONL line (with newline) of an epoch report. */
export function epochReportLine(report: EpochReportV1): string {
  return `${JSON.stringify(report)}\n`;
}

/** Most distinct `rule` label values kept (further ones are counted under `rule="_other"`). */
export const MAX_RULE_LABELS = 1024;

/** Counters and gauges fed by epoch reports. */
export class RlMetrics {
  readonly #episodes = new Map<string, number>();
  readonly #violations = new Map<string, number>();
  readonly #integrity = new Map<string, number>();
  readonly #anomalies = new Map<string, number>();
  #executed = 0;
  #blocked = 0;
  #last: EpochReportV1 | null = null;

  /** Adds one epoch's report. */
  add(report: EpochReportV1): void {
    bump(this.#episodes, "train", report.episodes);
    if (report.eval !== null) bump(this.#episodes, "val", report.eval.episodes);
    for (const [severity, n] of Object.entries(report.violations.by_severity)) bump(this.#violations, `severity="${severity}"`, n);
    for (const [rule, n] of Object.entries(report.violations.by_rule)) {
      const key = `rule="${escapeLabel(rule)}"`;
      bump(this.#violations, this.#violations.has(key) || this.#violations.size < MAX_RULE_LABELS ? key : 'rule="_other"', n);
    }
    bump(this.#integrity, "ok", report.integrity.ok);
    for (const [reason, n] of Object.entries(report.integrity.by_reason)) bump(this.#integrity, reason, n);
    for (const a of report.anomalies) bump(this.#anomalies, a.detector, 1);
    this.#executed += report.executed_violations;
    this.#blocked += report.blocked_calls;
    this.#last = report;
  }

  /** Prometheus text exposition format. */
  prometheus(): string {
    const out: string[] = [];
    const counter = (name: string, help: string, rows: [string, number][]): void => {
      out.push(`# HELP agentgov_rl_${name} ${help}`, `# TYPE agentgov_rl_${name} counter`);
      for (const [labels, v] of rows) out.push(`agentgov_rl_${name}${labels === "" ? "" : `{${labels}}`} ${v}`);
    };
    const gauge = (name: string, help: string, v: number, labels = ""): void => {
      out.push(`# HELP agentgov_rl_${name} ${help}`, `# TYPE agentgov_rl_${name} gauge`, `agentgov_rl_${name}${labels === "" ? "" : `{${labels}}`} ${v}`);
    };
    counter("episodes_total", "Episodes by mode.", sorted(this.#episodes).map(([k, v]) => [`mode="${k}"`, v]));
    counter("violations_total", "Attempted violations by severity and by rule.", sorted(this.#violations));
    counter("executed_violations_total", "Post-tool records of calls that were not permitted.", [["", this.#executed]]);
    counter("blocked_calls_total", "Calls refused by the gate.", [["", this.#blocked]]);
    counter("integrity_total", "Reward-record verifications by result.", sorted(this.#integrity).map(([k, v]) => [`result="${k}"`, v]));
    counter("anomalies_total", "Detector firings.", sorted(this.#anomalies).map(([k, v]) => [`detector="${k}"`, v]));
    const last = this.#last;
    if (last !== null) {
      gauge("attempted_violation_rate", "Share of train episodes with an attempted violation (last epoch).", last.attempted_violation_rate);
      gauge("penalty_scale", "Penalty scale sigma of the last epoch.", last.penalty_scale);
      gauge("reward_mean", "Mean task reward (last epoch).", last.task_reward_mean, 'kind="task"');
      gauge("shaped_reward_mean", "Mean shaped reward (last epoch).", last.shaped_reward_mean);
      if (last.heldout_gap !== null) gauge("heldout_gap", "Proxy minus held-out mean over audited episodes.", last.heldout_gap);
      gauge("phase_info", "The current phase.", 1, `phase="${escapeLabel(last.phase)}"`);
    }
    return `${out.join("\n")}\n`;
  }
}

function bump(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n);
}

function sorted(map: Map<string, number>): [string, number][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Escapes a Prometheus label value. */
export function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
