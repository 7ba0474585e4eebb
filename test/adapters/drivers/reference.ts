/**
 * A reference driver with no framework: a plain loop that calls each scripted tool through
 * `kernel.enforce` and feeds results back as a model would see them. It checks the contract
 * itself (the assertions are satisfiable by the kernel's semantics) and shows what each
 * framework adapter must reproduce at its own enforcement point.
 */
import { GovernanceDenied, renderDenial } from "@agentgov/core";
import type { AdapterDriver, DriverResult, ModelSaw } from "../contract/types.js";
import { FIXTURE_TOOLS } from "../fixtures/tools.js";

export const referenceDriver: AdapterDriver = {
  name: "reference (kernel only)",
  supports: { stream: false, mcp: false, throwMode: true },
  async run(input): Promise<DriverResult> {
    const ran: string[] = [];
    const modelSaw: ModelSaw[] = [];
    let error: unknown;
    for (const call of input.calls) {
      const tool = FIXTURE_TOOLS.find((t) => t.name === call.name);
      if (tool === undefined) throw new Error(`no fixture tool ${call.name}`);
      const request = { agent: input.agent, stage: "pre_tool" as const, context: { tool: { name: call.name }, args: call.args, action: { type: call.name }, run: { id: "run-1" } } };
      try {
        const output = await input.kernel.enforce(request, (args) => tool.body(args as Record<string, unknown>, ran), { callId: call.id });
        modelSaw.push({ callId: call.id, text: typeof output === "string" ? output : JSON.stringify(output) });
      } catch (e) {
        if (e instanceof GovernanceDenied) {
          if (input.onDeny === "throw") {
            error = e;
            break;
          }
          modelSaw.push({ callId: call.id, text: renderDenial(e.decision), isError: true });
        } else {
          modelSaw.push({ callId: call.id, text: `Error: ${e instanceof Error ? e.message : String(e)}`, isError: true });
        }
      }
    }
    const result: DriverResult = { ran, modelSaw, audit: [], modelRequests: JSON.stringify(modelSaw) };
    if (error === undefined) result.final = "done";
    else result.error = error;
    return result;
  },
};
