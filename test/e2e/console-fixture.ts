/**
 * The web console's end-to-end fixture: a real governance server on 127.0.0.1 (ephemeral
 * port) whose policy requires approval for `refund`, approver and admin tokens, and
 * Debian's Chromium driven by playwright-core (never a downloaded browser).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { DecisionRequest } from "@agentgov/core";
import { createGovernanceServer, issueToken, TOKENS_FILE, type GovernanceServer } from "@agentgov/server";
import { chromium, type Browser, type Page } from "playwright-core";

/** Search allowed; refunds need one approval by anyone holding the `approve` scope. */
export const CONSOLE_POLICY = `apiVersion: agentgov/v1
name: support
default_action: deny
rules:
  - name: allow-search
    condition: "tool.name == 'search'"
    action: allow
  - name: refunds-need-approval
    condition: "tool.name == 'refund'"
    action: require_approval
    quorum: 1
`;

/** Chromium's flags: headless, no sandbox (containers), and no traffic of its own. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** Debian's chromium (installed by `.ci/install-chromium`). */
export const CHROMIUM_PATH = process.env.AGENTGOV_CHROMIUM ?? "/usr/bin/chromium";

/** A running server and its tokens. */
export interface ConsoleServer {
  server: GovernanceServer;
  base: string;
  tokens: { admin: string; alice: string; runtime: string };
  close(): Promise<void>;
}

/** Builds the console unless the package build already did (turbo builds before test). */
export function ensureConsoleBuilt(): void {
  const pkg = createRequire(import.meta.url).resolve("@agentgov/server/package.json");
  execFileSync(process.execPath, [join(dirname(pkg), "console", "build.mjs"), "--if-stale"], { stdio: "inherit" });
}

/** Starts a server with {@link CONSOLE_POLICY} in a temp directory. */
export async function startConsoleServer(): Promise<ConsoleServer> {
  const root = mkdtempSync(join(tmpdir(), "agentgov-console-e2e-"));
  const policies = join(root, "policies");
  const data = join(root, "data");
  mkdirSync(policies, { recursive: true });
  writeFileSync(join(policies, "support.yaml"), CONSOLE_POLICY);
  const file = join(data, TOKENS_FILE);
  const tokens = {
    admin: issueToken(file, { id: "admin", scopes: ["admin"] }),
    alice: issueToken(file, { id: "alice", scopes: ["approve", "audit:read"] }),
    runtime: issueToken(file, { id: "runtime", scopes: ["decide"] }),
  };
  const server = createGovernanceServer({ policies, dataDir: data, watch: false });
  const { port } = await server.listen(0, "127.0.0.1");
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    tokens,
    async close() {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Launches Debian's Chromium headless. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/** What a page did that it should not: script errors, console errors, requests to other origins. */
export interface PageProblems {
  errors: string[];
  foreignRequests: string[];
}

/** Watches `page` for {@link PageProblems}. */
export function watchPage(page: Page, base: string): PageProblems {
  const problems: PageProblems = { errors: [], foreignRequests: [] };
  page.on("pageerror", (error) => problems.errors.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.errors.push(`console: ${message.text()}`);
  });
  page.on("request", (request) => {
    if (!request.url().startsWith(`${base}/`)) problems.foreignRequests.push(request.url());
  });
  return problems;
}

/** Opens the console and connects with `token`. */
export async function openConsole(page: Page, base: string, token: string): Promise<void> {
  await page.goto(`${base}/`);
  await page.getByLabel("Bearer token").fill(token);
  await page.getByRole("button", { name: "Connect" }).click();
  await page.getByRole("heading", { name: /Pending approvals/ }).waitFor();
}

/** A decision request for `tool` by `agent`. */
export function toolCall(agent: string, tool: string, args: Record<string, unknown>): DecisionRequest {
  return { agent, context: { tool: { name: tool }, args } };
}

/** Settles a promise into a value or an error, so that it can wait unobserved without an unhandled rejection. */
export function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }));
}
