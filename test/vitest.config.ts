import { defineConfig } from "vitest/config";

export default defineConfig({
  ssr: { resolve: { conditions: ["@agentgov/source"] } },
  resolve: { conditions: ["@agentgov/source"] },
  test: { include: ["**/*.test.ts"], exclude: ["**/node_modules/**"], testTimeout: 30_000 },
});
