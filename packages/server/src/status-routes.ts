/** `GET /healthz` (policy set, audit, kill switch) and `GET /metrics` (Prometheus text). */
import type { Route } from "./context.js";
import { sendJson, sendText } from "./http.js";

/**
 * `GET /healthz`: 200 while decisions can be taken and recorded (`status` `ok`, or
 * `degraded` when the last policy reload failed and the previous set is in use), 503 when
 * the audit log refuses records (every decision is then denied).
 */
export const healthRoute: Route = {
  method: "GET",
  path: "/healthz",
  scope: null,
  name: "healthz",
  handle(ctx, { res }) {
    const policies = ctx.policies.status();
    const auditState = ctx.audit.state();
    const auditOk = auditState === "open";
    const status = !auditOk ? "failing" : policies.lastError !== null ? "degraded" : "ok";
    const holds = ctx.controls.list();
    sendJson(res, auditOk ? 200 : 503, {
      status,
      policies: {
        dir: policies.dir,
        digest: policies.digest,
        count: policies.policies.length,
        names: policies.policies,
        files: policies.files,
        loaded_at: policies.loadedAt,
        reloads: policies.reloads,
        reload_failures: policies.reloadFailures,
        last_error: policies.lastError,
      },
      audit: { state: auditState, location: ctx.audit.location, head_seq: ctx.audit.sink.head().seq, lag_records: ctx.audit.lag() },
      kill_switch: { engaged: ctx.kernel.killSwitch.engaged },
      held_agents: Object.keys(holds).filter((k) => k !== "*").length,
    });
    return Promise.resolve();
  },
};

/** `GET /metrics`. */
export const metricsRoute: Route = {
  method: "GET",
  path: "/metrics",
  scope: "metrics",
  name: "metrics",
  handle(ctx, { res }) {
    sendText(res, 200, ctx.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
    return Promise.resolve();
  },
};

/** The status routes. */
export const statusRoutes: Route[] = [healthRoute, metricsRoute];
