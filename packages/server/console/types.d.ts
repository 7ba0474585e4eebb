/** The shapes of the API answers the console reads (only the fields it uses); types only, nothing is emitted. */

/** One vote on an approval. */
export interface Vote {
  approver: string;
  verdict: "approve" | "deny";
  note?: string;
  at: string;
}

/** An approval, as `GET /v1/approvals` lists it. */
export interface Approval {
  id: string;
  status: "pending" | "approved" | "denied" | "expired" | "consumed";
  agent: string;
  tool: string | null;
  actionDigest: string;
  policy: string | null;
  rule: string | null;
  reason: string;
  quorum: number;
  approvers: string[];
  votes: Vote[];
  createdAt: string;
  expiresAt: string;
  args?: unknown;
}

/** The recorded part of a decision. */
export interface RecordDecision {
  allowed: boolean;
  action: string;
  code: string;
  matched_rule: string | null;
  policy: string | null;
  reason?: string;
}

/** One audit record. */
export interface AuditRecord {
  seq: number;
  ts: string;
  kind: "decision" | "outcome";
  agent: string;
  stage: string;
  tool?: string;
  /** The action within the tool (for the server's own records: the approval event, the control op). */
  action?: string;
  call_id?: string;
  decision: RecordDecision;
  outcome?: { status: string; duration_ms?: number; error?: { name: string; message: string } };
}

/** One page of `GET /v1/audit`. */
export interface AuditPage {
  records: AuditRecord[];
  next_cursor: string;
  has_more: boolean;
}

/** `GET /v1/audit/verify`. */
export interface VerifyResult {
  ok: boolean;
  records: number;
  lastSeq: number;
  head: string;
  keyId: string | null;
  checkpoints: number;
  sealed: boolean;
  signaturesChecked: boolean;
  error?: { seq: number | null; line: number; reason: string; message: string };
}

/** An operator hold. */
export interface Hold {
  state: "killed" | "quarantined";
  reason: string;
  by: string;
  at: string;
}

/** `GET /v1/agents`. */
export interface AgentsAnswer {
  kill_switch: { engaged: false } | ({ engaged: true } & Hold);
  agents: Record<string, Hold>;
}
