/**
 * `@agentgov/core/policy`: the policy language (POLICY.md) — loading, compiling and deciding.
 */
export { createPolicyEngine, compileEngine, validateRequest, DEFAULT_STRATEGY, APPLICABILITY_CACHE_SIZE } from "./engine.js";
export type { PolicyEngine, PolicyEngineOptions } from "./engine.js";
export { loadPolicies } from "./load.js";
export type { PolicySource, LoadedPolicy, LoadPoliciesOptions, CompiledCondition } from "./load.js";
export { slidingWindowLimiter, DEFAULT_MAX_RATE_LIMIT_AGENTS, EXACT_WINDOW_MAX_COUNT } from "./rate-limiter.js";
export type { RateLimiter, RateLimitKey, SlidingWindowLimiterOptions } from "./rate-limiter.js";
export { API_VERSIONS, SEVERITIES } from "./document.js";
export type { PolicyDocument, PolicyRuleInput, NormalizedPolicy, NormalizedRule, RateLimit, Severity } from "./document.js";
export { STAGES, RULE_ACTIONS, CONFLICT_STRATEGIES } from "./types.js";
export type { Stage, RuleAction, ConflictStrategy, ReasonCode, AgentRef, DecisionRequest, Decision, DecideOptions, RuleTrace, EvaluationErrorNote } from "./types.js";
export { MAX_CONDITION_LENGTH, MAX_CONDITION_DEPTH, MAX_LIST_ITEMS } from "./condition/parser.js";
export { MAX_STRING_OPERAND } from "./condition/values.js";
export { MAX_POLICY_FILE_BYTES, parseStrictYaml, SourceIssues } from "./yaml-source.js";
export type { LocatedValue } from "./yaml-source.js";
export { PolicyLoadError, formatPolicyIssue } from "../errors.js";
export type { PolicyIssue } from "../errors.js";
