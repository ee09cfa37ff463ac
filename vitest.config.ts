import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{shared,server,web}/test/**/*.test.{ts,tsx}", "e2e/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Two cores: more workers only contend; each file gets its own database anyway.
    maxWorkers: 2,
    // Browser tests poll the page; on a loaded machine a reload can take more than the 1 s default.
    expect: { poll: { timeout: 10_000 } },
  },
});
