/**
 * The live policy set: one engine the kernel always decides with, whose compiled set is
 * swapped atomically on reload. A new set is loaded fully before the swap; a set that
 * fails to load leaves the previous one in place (never a gap with no policy).
 */
import { join } from "node:path";
import { createPolicyEngine, type ConflictStrategy, type Decision, type DecisionRequest, type DecideOptions, type PolicyEngine, type Stage } from "@agentgov/core";
import { slidingWindowLimiter, type RateLimiter } from "@agentgov/core/policy";
import { messageOf } from "./errors.js";
import { readPolicyDir } from "./policy-dir.js";

/** A reload that failed. */
export interface ReloadFailure {
  /** ISO-8601 time of the attempt. */
  at: string;
  message: string;
}

/** What `/healthz` reports about policies. */
export interface PolicySetStatus {
  dir: string;
  digest: string;
  policies: readonly string[];
  files: readonly string[];
  /** ISO-8601 time the current set was loaded. */
  loadedAt: string;
  reloads: number;
  reloadFailures: number;
  /** The last failed reload, cleared by the next successful one. */
  lastError: ReloadFailure | null;
}

/** A policy engine whose compiled set can be swapped. */
export interface PolicySet {
  /** Pass as the kernel's `engine`: it always decides with the current set. */
  readonly engine: PolicyEngine;
  /**
   * Reads the directory and swaps in the new set when it changed and loads. Returns
   * `unchanged`, `reloaded` or `failed` (the previous set stays).
   */
  reload(): "unchanged" | "reloaded" | "failed";
  status(): PolicySetStatus;
}

/** Options of {@link loadPolicySet}. */
export interface PolicySetOptions {
  dir: string;
  strategy?: ConflictStrategy;
  clock?: () => number;
  /** Receives one line per reload or failure. */
  log?: (line: string) => void;
}

/**
 * Loads the policy set of `options.dir`. Throws (`POLICY_DIR`, `POLICY_LOAD`) when the
 * first load fails: a server never starts without its policies.
 */
export function loadPolicySet(options: PolicySetOptions): PolicySet {
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => undefined);
  const limiter: RateLimiter = slidingWindowLimiter();
  const compile = (snapshot: ReturnType<typeof readPolicyDir>): PolicyEngine => {
    const engineOptions: Parameters<typeof createPolicyEngine>[0] = {
      policies: snapshot.files.map((f) => ({ text: f.text, file: join(options.dir, f.name) })),
      clock,
      rateLimiter: limiter,
    };
    if (options.strategy !== undefined) engineOptions.strategy = options.strategy;
    return createPolicyEngine(engineOptions);
  };
  const first = readPolicyDir(options.dir);
  let current = compile(first);
  let files = first.files.map((f) => f.name);
  let attempted = first.digest;
  let loadedAt = new Date(clock()).toISOString();
  let reloads = 0;
  let reloadFailures = 0;
  let lastError: ReloadFailure | null = null;

  const engine: PolicyEngine = {
    decide: (request: DecisionRequest, decideOptions?: DecideOptions): Decision => current.decide(request, decideOptions),
    get digest() {
      return current.digest;
    },
    get strategy() {
      return current.strategy;
    },
    get policyNames() {
      return current.policyNames;
    },
    hasRulesFor: (stage: Stage) => current.hasRulesFor(stage),
  };

  return {
    engine,
    reload() {
      let snapshot: ReturnType<typeof readPolicyDir>;
      try {
        snapshot = readPolicyDir(options.dir);
        if (snapshot.digest === attempted) return "unchanged";
        attempted = snapshot.digest;
        const next = compile(snapshot);
        current = next;
        files = snapshot.files.map((f) => f.name);
        loadedAt = new Date(clock()).toISOString();
        reloads++;
        lastError = null;
        log(`policies reloaded from ${options.dir}: ${next.policyNames.length} policies, digest ${next.digest.slice(0, 12)}`);
        return "reloaded";
      } catch (error) {
        reloadFailures++;
        lastError = { at: new Date(clock()).toISOString(), message: messageOf(error) };
        log(`policy reload failed; keeping the previous set (digest ${current.digest.slice(0, 12)}): ${messageOf(error)}`);
        return "failed";
      }
    },
    status: () => ({ dir: options.dir, digest: current.digest, policies: current.policyNames, files, loadedAt, reloads, reloadFailures, lastError }),
  };
}
