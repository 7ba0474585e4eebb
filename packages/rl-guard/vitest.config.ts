import { defineConfig } from "vitest/config";

export default defineConfig({
  ssr: { resolve: { conditions: ["@agentgov/source"] } },
  resolve: { conditions: ["@agentgov/source"] },
  // The two demo acceptance files are CPU-bound: let two workers share them on 2 vCPUs.
  test: { include: ["src/**/*.test.ts"], testTimeout: 30_000, maxWorkers: 2 },
});
