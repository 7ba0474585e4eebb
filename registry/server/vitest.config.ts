import { defineConfig } from "vitest/config";

export default defineConfig({
  ssr: { resolve: { conditions: ["@agentgov/source"] } },
  resolve: { conditions: ["@agentgov/source"] },
  test: { include: ["src/**/*.test.ts"], testTimeout: 30_000 },
});
