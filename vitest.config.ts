import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    setupFiles: ["test/setup/no-egress.ts"],
    pool: "forks",
    // Most of a test's time is spent waiting on PostgreSQL, Redis, HTTP and timers, not on the CPU: three forks on
    // two cores finish the suite sooner than two, without starving the timing-tolerant tests.
    maxWorkers: 3,
    // A ceiling, not a measurement: tests that start the command line compile it first (tsx), 10-25 s on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/setup/summary-reporter.ts"],
  },
});
