import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{shared,server,web}/test/**/*.test.{ts,tsx}", "e2e/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores: more workers only contend; each file gets its own database anyway.
    maxWorkers: 2,
  },
});
