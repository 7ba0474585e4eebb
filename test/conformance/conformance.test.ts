/**
 * Runs every public conformance case (cases.json, copied unchanged from shared/) through
 * the real CLI, one command per case, exactly as the cases' README prescribes.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

interface Case {
  id: string;
  title: string;
  strategy?: string;
  policies: (string | Record<string, unknown>)[];
  requests: unknown[];
  expect?: Record<string, unknown>[];
  expect_load_error?: { contains?: string };
}

const suite = JSON.parse(await readFile(new URL("./cases.json", import.meta.url), "utf8")) as { schema: string; cases: Case[] };
const failures: string[] = [];
let passed = 0;

/** Checks one decision against a partial expectation; returns the first mismatch. */
function mismatch(expected: Record<string, unknown>, actual: Record<string, unknown>, where: string): string | null {
  for (const [key, want] of Object.entries(expected)) {
    const got = actual[key];
    if (key === "shadow") {
      const wantList = want as Record<string, unknown>[];
      const gotList = (got ?? []) as Record<string, unknown>[];
      if (!Array.isArray(got) || gotList.length !== wantList.length) return `${where}.shadow: expected ${wantList.length} entries vs got ${JSON.stringify(got)}`;
      for (const [i, entry] of wantList.entries()) {
        const m = mismatch(entry, gotList[i] ?? {}, `${where}.shadow[${i}]`);
        if (m !== null) return m;
      }
      continue;
    }
    if (JSON.stringify(got) !== JSON.stringify(want)) return `${where}.${key}: expected ${JSON.stringify(want)} vs got ${JSON.stringify(got)}`;
  }
  return null;
}

async function runCase(c: Case): Promise<string | null> {
  const dir = await mkdtemp(join(tmpdir(), `agentgov-conf-${c.id}-`));
  try {
    const args = ["policy", "eval"];
    for (const [i, policy] of c.policies.entries()) {
      const file = `policy-${i + 1}.yaml`;
      await writeFile(join(dir, file), typeof policy === "string" ? policy : JSON.stringify(policy, null, 2));
      args.push("--policy", file);
    }
    if (c.strategy !== undefined) args.push("--strategy", c.strategy);
    await writeFile(join(dir, "requests.json"), JSON.stringify(c.requests));
    args.push("--input", "requests.json");
    const result = await runCli(args, { cwd: dir, timeoutMs: 10_000 });
    if (c.expect_load_error !== undefined) {
      if (result.code !== 2) return `expected exit 2 (load error) vs got ${result.code}; stdout ${result.stdout.slice(0, 200)}`;
      const text = c.expect_load_error.contains;
      if (text !== undefined && !result.stderr.toLowerCase().includes(text.toLowerCase())) return `expected stderr to contain ${JSON.stringify(text)} vs got ${JSON.stringify(result.stderr)}`;
      if (result.stdout.trim() !== "") return `expected nothing on stdout vs got ${result.stdout.slice(0, 200)}`;
      return null;
    }
    if (result.code !== 0) return `expected exit 0 vs got ${result.code}: ${result.stderr}`;
    let decisions: unknown;
    try {
      decisions = JSON.parse(result.stdout);
    } catch {
      return `expected JSON on stdout vs got ${result.stdout.slice(0, 200)}`;
    }
    const list = (Array.isArray(decisions) ? decisions : [decisions]) as Record<string, unknown>[];
    const expected = c.expect ?? [];
    if (list.length !== expected.length) return `expected ${expected.length} decisions vs got ${list.length}`;
    for (const [i, want] of expected.entries()) {
      const m = mismatch(want, list[i] ?? {}, `decision[${i}]`);
      if (m !== null) return m;
    }
    return null;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe(`policy conformance (${suite.schema})`, () => {
  it("has the expected schema and cases", () => {
    expect(suite.schema).toBe("agentgov-policy-cases/v1");
    expect(suite.cases.length).toBeGreaterThan(0);
  });

  for (const c of suite.cases) {
    it.concurrent(`${c.id}: ${c.title}`, async () => {
      const failure = await runCase(c);
      if (failure === null) passed++;
      else failures.push(`${c.id}: ${failure}`);
      expect(failure, c.id).toBeNull();
    });
  }

  afterAll(() => {
    for (const f of failures) console.log(f);
    console.log(`${passed}/${suite.cases.length} cases pass`);
  });
});
