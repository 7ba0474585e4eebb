/**
 * `@agentgov/langchain`: agentgov in front of every LangChain JS tool call.
 *
 * @example
 * const agent = createAgent({ model, tools, middleware: [governanceMiddleware({ kernel, agent: "support-bot" })] });
 */
export { governanceMiddleware } from "./middleware.js";
export { governTools } from "./govern-tools.js";
export type { GovernToolsOptions } from "./govern-tools.js";
export { GovernanceCallbackHandler } from "./callback.js";
export type { GovernanceCallbackOptions } from "./callback.js";
export type { GovernanceOptions } from "./shared.js";
