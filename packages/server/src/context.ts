/** What every route handler works with. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Kernel } from "@agentgov/core";
import type { AgentControls } from "./agent-controls.js";
import type { ApprovalStore } from "./approval-store.js";
import type { AuditStore } from "./audit-store.js";
import type { JsonBodyLimits } from "./json-body.js";
import type { Metrics } from "./metrics.js";
import type { PendingCalls } from "./pending-calls.js";
import type { PolicySet } from "./policy-set.js";
import type { Principal, Scope } from "./tokens.js";

/** The server's state, shared by the handlers. */
export interface ServerContext {
  kernel: Kernel;
  policies: PolicySet;
  audit: AuditStore;
  controls: AgentControls;
  pending: PendingCalls;
  approvals: ApprovalStore;
  metrics: Metrics;
  body: JsonBodyLimits;
  maxBatch: number;
  /** When `/v1/decide` answers: once the record is committed (`durable`, default) or once it is appended (`appended`). */
  ack: "durable" | "appended";
  maxPageSize: number;
  clock: () => number;
  log: (line: string) => void;
}

/** One authenticated request. */
export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  principal: Principal | null;
  /** Path parameters (`:id`). */
  params: Record<string, string>;
}

/** A route: method, path pattern, required scope (a list: any one of them; null: open) and handler. */
export interface Route {
  method: "GET" | "POST";
  /** Segments; `:name` captures one. */
  path: string;
  scope: Scope | readonly Scope[] | null;
  /** A short, fixed name for metrics. */
  name: string;
  handle(ctx: ServerContext, request: RouteRequest): Promise<void>;
}
