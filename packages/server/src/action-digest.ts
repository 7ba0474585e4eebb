/**
 * The digest that binds an approval to one exact action: sha256 (hex) of the canonical
 * JSON of `{agent, tool, args, policy_digest}`, the value `kernel.enforce` hands its
 * approval handler as `actionDigest` (a test pins the two together). Any changed argument,
 * tool, agent or policy set gives another digest, so an approval cannot be reused for it.
 */
import { hash } from "node:crypto";
import type { DecisionRequest } from "@agentgov/core";
import { canonicalJson } from "@agentgov/core/audit";
import { agentIdOf, isObject } from "./audit-entry.js";

/** The action digest of `request` under the policy set `policyDigest`. Throws when the arguments are not JSON. */
export function actionDigestOf(request: DecisionRequest, policyDigest: string): string {
  const context: Record<string, unknown> = isObject(request.context) ? request.context : {};
  const tool = isObject(context.tool) && typeof context.tool.name === "string" ? context.tool.name : null;
  const agent = agentIdOf(request) ?? "";
  return hash("sha256", canonicalJson({ agent, tool, args: context.args ?? null, policy_digest: policyDigest }), "hex");
}
