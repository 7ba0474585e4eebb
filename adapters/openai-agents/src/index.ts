/**
 * `@agentgov/openai-agents`: governance for an existing OpenAI Agents SDK agent in one line.
 *
 * @example
 * governAgent(agent, { policy: "policy.yaml" });
 */
export { governAgent } from "./govern-agent.js";
export type { GovernAgentOptions, NamedAgent, AdapterReasonCode } from "./context.js";
export { reportToolErrors, SDK_DEFAULT_TOOL_ERROR } from "./tool-gate.js";
