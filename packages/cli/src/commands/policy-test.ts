/**
 * `agentgov policy test <files...>`: runs policy test files. A test file (YAML or JSON):
 *
 *   apiVersion: agentgov/v1
 *   kind: PolicyTest
 *   policies: [support.yaml]          # relative to the test file
 *   strategy: priority_first_match    # optional
 *   tests:
 *     - name: search is allowed
 *       request: { agent: support-bot, context: { tool: { name: search } } }
 *       expect: { allowed: true, matched_rule: allow-search }
 *     - name: the third call is rate limited
 *       requests: [ ... ]              # evaluated in order on one engine
 *       expect: [ {...}, {...}, { rate_limited: true } ]
 *
 * Every key given in `expect` must deep-equal the decision's. Each test gets a fresh engine.
 * Exit 0 all pass, 1 a test fails, 2 a file or its policies do not load.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { CONFLICT_STRATEGIES, type ConflictStrategy, createPolicyEngine, type Decision, type DecisionRequest, PolicyLoadError, validateRequest } from "@agentgov/core/policy";
import { parse } from "yaml";
import { parseCommandArgs, UsageError } from "../args.js";
import { colours, type Command, EXIT_FAIL, EXIT_OK, EXIT_USAGE, writeLine } from "../io.js";

interface TestCase {
  name: string;
  requests: unknown[];
  expect: Record<string, unknown>[];
}

interface TestFile {
  policies: string[];
  strategy?: ConflictStrategy;
  tests: TestCase[];
}

class TestFileError extends Error {}

/** `agentgov policy test`. */
export const policyTest: Command = (argv, io) => {
  const { values, positionals } = parseCommandArgs(argv, { json: { type: "boolean" } });
  if (positionals.length === 0) throw new UsageError("give one or more policy test files");
  const c = colours(io.stdout, io.env);
  const results: { file: string; test: string; ok: boolean; failure?: string }[] = [];
  for (const path of positionals) {
    let file: TestFile;
    const full = resolve(io.cwd, path);
    try {
      file = readTestFile(full);
    } catch (error) {
      writeLine(io.stderr, `agentgov policy test: ${path}: ${error instanceof Error ? error.message : String(error)}`);
      return Promise.resolve(EXIT_USAGE);
    }
    for (const test of file.tests) {
      let failure: string | undefined;
      try {
        const engine = createPolicyEngine({ policies: file.policies, cwd: dirname(full), ...(file.strategy === undefined ? {} : { strategy: file.strategy }) });
        test.requests.forEach((request, i) => {
          if (failure !== undefined) return;
          const decision = engine.decide(request as DecisionRequest);
          failure = compare(test.expect[i] ?? {}, decision, test.requests.length > 1 ? `request ${i + 1}: ` : "");
        });
      } catch (error) {
        if (error instanceof PolicyLoadError) {
          writeLine(io.stderr, `agentgov policy test: ${path}: policies do not load:\n${error.message}`);
          return Promise.resolve(EXIT_USAGE);
        }
        throw error;
      }
      results.push(failure === undefined ? { file: path, test: test.name, ok: true } : { file: path, test: test.name, ok: false, failure });
    }
  }
  const failed = results.filter((r) => !r.ok);
  if (values.json === true) writeLine(io.stdout, JSON.stringify({ ok: failed.length === 0, passed: results.length - failed.length, failed: failed.length, results }));
  else {
    for (const r of results) writeLine(io.stdout, `${r.ok ? c.green("pass") : c.red("FAIL")} ${r.file} › ${r.test}${r.failure === undefined ? "" : `\n     ${r.failure}`}`);
    writeLine(io.stdout, `${results.length - failed.length} passed, ${failed.length} failed`);
  }
  return Promise.resolve(failed.length === 0 ? EXIT_OK : EXIT_FAIL);
};

function compare(expected: Record<string, unknown>, decision: Decision, prefix: string): string | undefined {
  for (const [key, want] of Object.entries(expected)) {
    const got = (decision as unknown as Record<string, unknown>)[key];
    if (!isDeepStrictEqual(got, want)) return `${prefix}${key}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)} (${decision.code}: ${decision.reason})`;
  }
  return undefined;
}

function readTestFile(path: string): TestFile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, "utf8"), { uniqueKeys: true, merge: false, maxAliasCount: 0, schema: "core" });
  } catch (error) {
    throw new TestFileError(error instanceof Error ? error.message.split("\n")[0] ?? "unreadable" : "unreadable");
  }
  const doc = record(raw, "the file");
  if (doc.kind !== "PolicyTest") throw new TestFileError("expected 'kind: PolicyTest'");
  const policies = doc.policies;
  if (!Array.isArray(policies) || !policies.every((p) => typeof p === "string")) throw new TestFileError("'policies' must be a list of policy file paths");
  const strategy = doc.strategy;
  if (strategy !== undefined && !(typeof strategy === "string" && (CONFLICT_STRATEGIES as readonly string[]).includes(strategy))) throw new TestFileError(`unknown strategy ${JSON.stringify(strategy)}`);
  if (!Array.isArray(doc.tests) || doc.tests.length === 0) throw new TestFileError("'tests' must be a non-empty list");
  const tests = doc.tests.map((t: unknown, i: number): TestCase => {
    const test = record(t, `tests[${i}]`);
    const name = typeof test.name === "string" ? test.name : `test ${i + 1}`;
    const requests = test.requests ?? (test.request === undefined ? undefined : [test.request]);
    if (!Array.isArray(requests) || requests.length === 0) throw new TestFileError(`${name}: give 'request' or a non-empty 'requests' list`);
    for (const [j, r] of requests.entries()) {
      const problem = validateRequest(r);
      if (problem !== null) throw new TestFileError(`${name}: request ${j + 1} is malformed: ${problem}`);
    }
    const expectations = Array.isArray(test.expect) ? test.expect : [test.expect];
    if (expectations.length !== requests.length) throw new TestFileError(`${name}: give one expectation per request`);
    return { name, requests, expect: expectations.map((e, j) => record(e, `${name} expect[${j}]`)) };
  });
  const out: TestFile = { policies: policies, tests };
  if (typeof strategy === "string") out.strategy = strategy as ConflictStrategy;
  return out;
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TestFileError(`${what} must be a mapping`);
  return value as Record<string, unknown>;
}
