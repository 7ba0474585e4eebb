/**
 * Prometheus metrics in text exposition format 0.0.4: decisions by action and code, a
 * decision-latency histogram, audit lag and failures, policy reloads. Label values come
 * only from closed sets (actions, reason codes, routes), so the series stay bounded.
 */

/** Upper bounds (seconds) of the decision-latency histogram. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] as const;
/** Most distinct label sets of one counter (beyond it, new ones are counted as `other`). */
const MAX_SERIES = 256;

/** Values read at scrape time. */
export interface MetricsGauges {
  auditLag(): number;
  auditHeadSeq(): number;
  auditFailed(): boolean;
  policiesLoaded(): number;
  reloadFailures(): number;
  reloads(): number;
  killSwitchEngaged(): boolean;
  heldAgents(): number;
  pendingCalls(): number;
  approvalsPending(): number;
}

/** The server's metrics. */
export interface Metrics {
  /** Counts a decision and observes its latency. */
  decision(action: string, code: string, seconds: number): void;
  /** Counts an answered HTTP request. */
  request(route: string, status: number): void;
  /** Counts a record the audit refused. */
  auditFailure(): void;
  /** The exposition text. */
  render(): string;
}

/** Creates the metrics registry. */
export function createMetrics(gauges: MetricsGauges): Metrics {
  // Counted by the raw label pair (two-level maps, no string built per event); the label
  // text is escaped and joined only at scrape time.
  const decisions = createCounter<string, string>();
  const requests = createCounter<string, number>();
  /** Observations per bucket (not cumulative; summed when rendered); the last one is +Inf. */
  const buckets = new Array<number>(LATENCY_BUCKETS.length + 1).fill(0);
  let count = 0;
  let sum = 0;
  let auditFailures = 0;
  return {
    decision(action, code, seconds) {
      decisions.inc(action, code);
      count++;
      sum += seconds;
      let i = 0;
      while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] ?? Infinity)) i++;
      buckets[i] = (buckets[i] ?? 0) + 1;
    },
    request(route, status) {
      requests.inc(route, status);
    },
    auditFailure() {
      auditFailures++;
    },
    render() {
      const out: string[] = [];
      const family = (name: string, type: string, help: string): void => {
        out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      };
      family("agentgov_decisions_total", "counter", "Decisions taken, by action and reason code.");
      decisions.forEach((action, code, n) => out.push(`agentgov_decisions_total{action="${escape(action)}",code="${escape(code)}"} ${n}`));
      family("agentgov_decision_duration_seconds", "histogram", "Time to decide and audit one request (including the wait for its commit).");
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((le, i) => {
        cumulative += buckets[i] ?? 0;
        out.push(`agentgov_decision_duration_seconds_bucket{le="${le}"} ${cumulative}`);
      });
      out.push(`agentgov_decision_duration_seconds_bucket{le="+Inf"} ${count}`, `agentgov_decision_duration_seconds_sum ${sum}`, `agentgov_decision_duration_seconds_count ${count}`);
      family("agentgov_http_requests_total", "counter", "HTTP requests answered, by route and status.");
      requests.forEach((route, status, n) => out.push(`agentgov_http_requests_total{route="${escape(route)}",status="${String(status)}"} ${n}`));
      family("agentgov_audit_lag_records", "gauge", "Audit records appended but not yet known to be durable.");
      out.push(`agentgov_audit_lag_records ${gauges.auditLag()}`);
      family("agentgov_audit_head_seq", "gauge", "Sequence number of the last audit record.");
      out.push(`agentgov_audit_head_seq ${gauges.auditHeadSeq()}`);
      family("agentgov_audit_failed", "gauge", "1 when the audit log refuses records (every decision is then denied).");
      out.push(`agentgov_audit_failed ${gauges.auditFailed() ? 1 : 0}`);
      family("agentgov_audit_failures_total", "counter", "Records the audit log refused (each call was denied).");
      out.push(`agentgov_audit_failures_total ${auditFailures}`);
      family("agentgov_policies_loaded", "gauge", "Policies in the active set.");
      out.push(`agentgov_policies_loaded ${gauges.policiesLoaded()}`);
      family("agentgov_policy_reloads_total", "counter", "Successful policy reloads.");
      out.push(`agentgov_policy_reloads_total ${gauges.reloads()}`);
      family("agentgov_policy_reload_failures_total", "counter", "Policy reloads that failed (the previous set was kept).");
      out.push(`agentgov_policy_reload_failures_total ${gauges.reloadFailures()}`);
      family("agentgov_kill_switch_engaged", "gauge", "1 while the global kill switch is engaged.");
      out.push(`agentgov_kill_switch_engaged ${gauges.killSwitchEngaged() ? 1 : 0}`);
      family("agentgov_held_agents", "gauge", "Agents killed or quarantined.");
      out.push(`agentgov_held_agents ${gauges.heldAgents()}`);
      family("agentgov_pending_calls", "gauge", "Allowed calls whose outcome has not been reported yet.");
      out.push(`agentgov_pending_calls ${gauges.pendingCalls()}`);
      family("agentgov_approvals_pending", "gauge", "Approvals waiting for their approvers.");
      out.push(`agentgov_approvals_pending ${gauges.approvalsPending()}`);
      return out.join("\n") + "\n";
    },
  };
}

/** A counter by two labels, bounded to {@link MAX_SERIES} label pairs (beyond: `other`, `other`). */
interface Counter2<A, B> {
  inc(a: A, b: B): void;
  forEach(each: (a: A | "other", b: B | "other", n: number) => void): void;
}

function createCounter<A extends string, B extends string | number>(): Counter2<A, B> {
  const byA = new Map<A | "other", Map<B | "other", number>>();
  let series = 0;
  return {
    inc(a, b) {
      let inner = byA.get(a);
      const n = inner?.get(b);
      if (inner !== undefined && n !== undefined) {
        inner.set(b, n + 1);
        return;
      }
      if (series >= MAX_SERIES) {
        inner = byA.get("other") ?? new Map<B | "other", number>();
        byA.set("other", inner);
        inner.set("other", (inner.get("other") ?? 0) + 1);
        return;
      }
      if (inner === undefined) {
        inner = new Map<B | "other", number>();
        byA.set(a, inner);
      }
      inner.set(b, 1);
      series++;
    },
    forEach(each) {
      for (const [a, inner] of byA) for (const [b, n] of inner) each(a, b, n);
    },
  };
}

function escape(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}
