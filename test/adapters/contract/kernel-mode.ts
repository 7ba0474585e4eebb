/**
 * Where a contract scenario's kernel decides: in-process (`createKernel` over an
 * in-memory audit log), or in a real `@agentgov/server` sidecar on 127.0.0.1 through
 * `remoteKernel` with the same policies. The contract's scenarios and assertions are the
 * same for both; only what each mode must differ in is asked of it here.
 */
import { createKernel, remoteKernel, type AuditRecord, type Kernel, type RemoteKernel } from "@agentgov/core";
import { memoryAudit } from "@agentgov/core/audit";
import { DECIDE_TOKEN, SidecarHost, type Sidecar } from "../../remote/sidecar.js";
import type { KernelSpec } from "./types.js";

/** A scenario's kernel and where to read what it audited. */
export interface ScenarioKernel {
  kernel: Kernel;
  /** The audit records of the scenario, with the frameworks' call ids. */
  records(): Promise<readonly AuditRecord[]>;
  close(): Promise<void>;
}

/** How scenarios build their kernels. */
export interface KernelMode {
  /** Appended to the suite's name. */
  readonly label: string;
  readonly remote: boolean;
  build(spec: KernelSpec): Promise<ScenarioKernel>;
  /** A kernel whose decision path is broken, and the reason code its denials carry. */
  broken(): Promise<{ scenario: ScenarioKernel; code: string }>;
  /** Remote modes: a kernel whose sidecar allowed a call with `spec`'s policies, then stopped. */
  stopped?(spec: KernelSpec): Promise<ScenarioKernel>;
  /** Releases what the mode started (after the suite). */
  dispose(): Promise<void>;
}

/** The in-process kernel. */
export const localMode: KernelMode = {
  label: "",
  remote: false,
  build(spec) {
    const sink = memoryAudit();
    const kernel = createKernel({
      policies: spec.policies,
      audit: spec.audit ?? sink,
      ...(spec.approvals === undefined ? {} : { approvals: spec.approvals }),
      ...(spec.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: spec.approvalTimeoutMs }),
    });
    return Promise.resolve({ kernel, records: () => Promise.resolve(spec.audit === undefined ? sink.records() : []), close: () => kernel.close() });
  },
  broken() {
    const kernel = createKernel({
      engine: {
        decide: () => {
          throw new Error("engine exploded");
        },
        digest: "d",
        strategy: "priority_first_match",
        policyNames: [],
        hasRulesFor: () => false,
      },
    });
    return Promise.resolve({ scenario: { kernel, records: () => Promise.resolve([]), close: () => kernel.close() }, code: "internal_error" });
  },
  dispose: () => Promise.resolve(),
};

/** Every call id the contract's scripts use (the sidecar records its own ids; these are mapped back). */
const SCRIPT_CALL_IDS = ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "d1", "s1", "u1", "h1"];

/** A remote kernel on `sidecar`; its records are the sidecar's log (call ids mapped back): adapters' own entries are sent there too. */
export function remoteScenario(sidecar: Sidecar, spec: Omit<KernelSpec, "policies" | "audit"> = {}): ScenarioKernel & { kernel: RemoteKernel } {
  const kernel = remoteKernel({
    endpoint: sidecar.endpoint,
    token: DECIDE_TOKEN.token,
    // The contract's "no handler" case: no approval handler at all.
    approvals: spec.approvals ?? false,
    ...(spec.approvalTimeoutMs === undefined ? {} : { approvalTimeoutMs: spec.approvalTimeoutMs }),
  });
  return {
    kernel,
    async records() {
      const local = new Map<string, string>();
      for (const id of SCRIPT_CALL_IDS) {
        const server = kernel.serverCallId(id);
        if (server !== undefined) local.set(server, id);
      }
      const remote = (await sidecar.records()).map((r): AuditRecord => {
        const mapped = r.call_id === undefined ? undefined : local.get(r.call_id);
        return mapped === undefined ? r : { ...r, call_id: mapped };
      });
      return remote;
    },
    async close() {
      await kernel.close();
      await sidecar.stop();
    },
  };
}

/** A real sidecar per scenario (in a worker thread of this process), with the scenario's policies. */
export function sidecarMode(): KernelMode {
  let host: SidecarHost | undefined;
  const hostOf = (): SidecarHost => (host ??= new SidecarHost());
  return {
    label: " (remote kernel, sidecar)",
    remote: true,
    async build(spec) {
      const sidecar = await hostOf().start({ policies: spec.policies, refuseAudit: spec.audit !== undefined });
      return remoteScenario(sidecar, spec);
    },
    async broken() {
      // The sidecar's own failure: it is gone, so no decision can be had.
      const sidecar = await hostOf().start({ policies: [] });
      await sidecar.stop();
      return { scenario: remoteScenario(sidecar), code: "remote_unavailable" };
    },
    async stopped(spec) {
      const sidecar = await hostOf().start({ policies: spec.policies });
      const scenario = remoteScenario(sidecar);
      const before = await scenario.kernel.decideAsync({ agent: "contract-bot", context: { tool: { name: "read_file" }, args: { path: "a.txt" }, action: { type: "read_file" } } });
      if (!before.allowed) throw new Error(`the running sidecar should allow read_file, it answered ${before.code}`);
      await sidecar.stop();
      return scenario;
    },
    async dispose() {
      await host?.close();
      host = undefined;
    },
  };
}
