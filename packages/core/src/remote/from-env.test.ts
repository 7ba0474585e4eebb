import { describe, expect, it } from "vitest";
import { isAgentGovError } from "../errors.js";
import type { PolicyDocument } from "../policy/document.js";
import { kernelFromEnv } from "./from-env.js";
import type { RemoteKernel } from "./options.js";

const policy: PolicyDocument = { apiVersion: "agentgov/v1", name: "p", default_action: "deny", rules: [] };

describe("kernelFromEnv", () => {
  it("without AGENTGOV_ENDPOINT: the local kernel with the given policies", async () => {
    const kernel = kernelFromEnv({ policies: [policy], env: {} });
    expect("endpoint" in kernel).toBe(false);
    expect(kernel.decide({ agent: "a", context: {} })).toMatchObject({ allowed: false, code: "default" });
    await kernel.close();
  });

  it("with AGENTGOV_ENDPOINT (and the token and timeout): the remote kernel, which denies while no sidecar answers", async () => {
    const kernel = kernelFromEnv({ policies: [policy], env: { AGENTGOV_ENDPOINT: "http://127.0.0.1:1/", AGENTGOV_TOKEN: "agt_x", AGENTGOV_TIMEOUT_MS: "500" } }) as RemoteKernel;
    expect(kernel.endpoint).toBe("http://127.0.0.1:1");
    expect(kernel.decide({ agent: "a", context: {} })).toMatchObject({ allowed: false, code: "remote_unavailable" });
    await kernel.close();
  });

  it.each([[{ AGENTGOV_ENDPOINT: "http://127.0.0.1:1", AGENTGOV_TIMEOUT_MS: "soon" }], [{ AGENTGOV_ENDPOINT: "file:///tmp/x" }], [{ AGENTGOV_ENDPOINT: "http://127.0.0.1:1", AGENTGOV_TOKEN: "a b" }]])("refuses %j", (env) => {
    let thrown: unknown;
    try {
      kernelFromEnv({ env });
    } catch (error) {
      thrown = error;
    }
    expect(isAgentGovError(thrown) && thrown.code === "INVALID_OPTIONS").toBe(true);
  });
});
