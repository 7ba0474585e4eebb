/** What the server benchmark's processes share: requests, the reference answer, result shapes. */

/** A request the example policy allows (a read). */
export const ALLOWED_REQUEST = { agent: { id: "support-bot" }, stage: "pre_tool", context: { tool: { name: "query_database" }, args: { query: "SELECT * FROM orders WHERE id = 42" } } };
/** A request the example policy denies (a destructive statement). */
export const DENIED_REQUEST = { agent: { id: "support-bot" }, stage: "pre_tool", context: { tool: { name: "query_database" }, args: { query: "DROP TABLE orders" } } };

/** The policy the sidecar serves during the benchmark. */
export const BENCH_POLICY = `apiVersion: agentgov/v1
name: support-db
agents: ["support-*"]
default_action: deny
rules:
  - name: block-destructive-sql
    condition: >-
      lower(args.query) matches '^\\\\s*(drop|delete|truncate|alter)\\\\b'
    action: deny
    priority: 100
    severity: high
    message: "Destructive SQL is not allowed for support agents"
  - name: allow-selects
    condition: "tool.name == 'query_database' and lower(args.query) startswith 'select'"
    action: allow
`;

/** A decision-sized answer for the bare responder (same order of bytes as the sidecar's). */
export const BARE_ANSWER = JSON.stringify({
  allowed: true, action: "allow", matched_rule: "allow-selects", policy: "support-db", code: "rule_allow",
  reason: "Allowed by rule allow-selects", policy_digest: "sha256:" + "0".repeat(64), call_id: "00000000-0000-4000-8000-000000000000",
});

/** What the sidecar child prints once it listens. */
export interface SidecarReady {
  port: number;
  token: string;
  dataDir: string;
}

/** One autocannon run's figures. */
export interface LoadFigures {
  target: "bare" | "lean" | "sidecar";
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** CPU time (user + system) the target process spent per answered request, in µs; null where /proc is not available. */
  cpuUsPerRequest: number | null;
}
