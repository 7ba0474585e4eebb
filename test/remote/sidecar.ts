/**
 * Real `@agentgov/server` sidecars for cross-package tests, started in-process on
 * 127.0.0.1 (ephemeral ports) in one worker thread (sidecar-worker.mjs): a remote
 * kernel's synchronous `decide` blocks the test's thread, so the sidecar runs on another.
 * The worker loads the BUILT server (`npx turbo run build --filter=@agentgov/server...`).
 */
import { Worker } from "node:worker_threads";
import type { AuditRecord, PolicyDocument } from "@agentgov/core";

/** A token and its scopes (the sidecar stores only its hash). */
export interface TestToken {
  id: string;
  token: string;
  scopes: string[];
}

/** The token the remote kernels use (scope `decide`). */
export const DECIDE_TOKEN: TestToken = { id: "agent", token: "agt_contract-decide-token", scopes: ["decide"] };

/** One running sidecar. */
export interface Sidecar {
  readonly endpoint: string;
  /** Every record of its audit log, oldest first. */
  records(): Promise<AuditRecord[]>;
  /** Stops it (idempotent); its port then refuses connections. */
  stop(): Promise<void>;
}

/** Options of {@link SidecarHost.start}. */
export interface SidecarOptions {
  policies: readonly PolicyDocument[];
  /** Extra tokens (approvers, …). */
  tokens?: readonly TestToken[];
  /** Its audit store refuses every record. */
  refuseAudit?: boolean;
}

interface Reply {
  reply: number;
  error?: string;
  id?: number;
  port?: number;
  records?: AuditRecord[];
}

/** The worker hosting sidecars. */
export class SidecarHost {
  // No inherited execArgv: the test runner resolves packages to their TypeScript sources, the worker to the built ones.
  private readonly worker = new Worker(new URL("./sidecar-worker.mjs", import.meta.url), { execArgv: [] });
  private next = 0;
  private readonly waiting = new Map<number, (reply: Reply) => void>();

  constructor() {
    this.worker.on("message", (reply: Reply) => {
      this.waiting.get(reply.reply)?.(reply);
      this.waiting.delete(reply.reply);
    });
    const fail = (error: Error | number): void => {
      const message = typeof error === "number" ? `the sidecar worker exited (${String(error)})` : error.message;
      for (const [reply, resolve] of this.waiting) resolve({ reply, error: message });
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", fail);
  }

  private async ask(message: Record<string, unknown>): Promise<Reply> {
    const reply = ++this.next;
    const answer = await new Promise<Reply>((resolve) => {
      this.waiting.set(reply, resolve);
      this.worker.postMessage({ ...message, reply });
    });
    if (answer.error !== undefined) throw new Error(`sidecar host: ${answer.error}`);
    return answer;
  }

  /** Starts a sidecar with these policies. */
  async start(options: SidecarOptions): Promise<Sidecar> {
    const { id, port } = await this.ask({ type: "start", policies: options.policies, tokens: [DECIDE_TOKEN, ...(options.tokens ?? [])], refuseAudit: options.refuseAudit === true });
    let stopped: Promise<void> | undefined;
    return {
      endpoint: `http://127.0.0.1:${String(port)}`,
      records: async () => (await this.ask({ type: "records", id })).records ?? [],
      stop: () => (stopped ??= this.ask({ type: "stop", id }).then(() => undefined)),
    };
  }

  /** Stops the worker (and every sidecar in it). */
  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
