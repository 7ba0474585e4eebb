/**
 * `@agentgov/ai-sdk`: agentgov governance for the Vercel AI SDK (ai@6 and ai@7).
 *
 * @example
 * await generateText({ model, tools: governTools(tools, { kernel, agent: "support-bot" }), prompt, stopWhen: stepCountIs(5) });
 */
export { governTools } from "./govern-tools.js";
export type { GovernToolsOptions } from "./govern-tools.js";
export { toolApprovalFor } from "./tool-approval.js";
export type { GovernedApprovalStatus, GovernedToolApproval, ToolApprovalForOptions } from "./tool-approval.js";
export { governModel } from "./govern-model.js";
export type { GovernModelMiddleware, GovernModelOptions } from "./govern-model.js";
export type { AiSdkGovernOptions, CallInfo } from "./internal.js";
