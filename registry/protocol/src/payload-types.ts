/**
 * DSSE payload types with domain separation (REGISTRY.md §4.5): each statement kind has its
 * own `payloadType` and `_type`, so a signature over one kind never verifies as another.
 */

/** Statement kinds carried in DSSE envelopes. Checkpoints are signed notes, not DSSE (§4.8). */
export const STATEMENT_KINDS = [
  "manifest", "key-binding", "rotate", "revoke", "yank", "block", "rebind", "index", "root",
] as const;

/** One statement kind. */
export type StatementKind = (typeof STATEMENT_KINDS)[number];

/** `application/vnd.agentgov.<kind>.v1+json`. */
export type PayloadType = `application/vnd.agentgov.${StatementKind}.v1+json`;

/** `agentgov/<kind>/v1`, the `_type` a payload of that kind MUST carry. */
export type StatementType = `agentgov/${StatementKind}/v1`;

/** The DSSE `payloadType` of a kind. */
export function payloadTypeOf(kind: StatementKind): PayloadType {
  return `application/vnd.agentgov.${kind}.v1+json`;
}

/** The payload `_type` of a kind. */
export function statementTypeOf(kind: StatementKind): StatementType {
  return `agentgov/${kind}/v1`;
}

/** The kind a `payloadType` names, or `undefined` for any other string. */
export function kindOfPayloadType(payloadType: string): StatementKind | undefined {
  return STATEMENT_KINDS.find((kind) => payloadTypeOf(kind) === payloadType);
}
