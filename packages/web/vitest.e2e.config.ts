import { defineConfig } from "vitest/config";
import type { Reporter, TestModule } from "vitest/node";

// The end-to-end tests: the built page (pnpm run web:build) in Debian's chromium, headless.
// They are not part of the unit-test run, which needs only Node.

/** Ends the run with one plain line, "tests: N passed, N failed, N skipped". */
class PlainSummary implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) for (const test of module.children.allTests()) counts[test.result().state]++;
    console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped + counts.pending} skipped`);
  }
}

export default defineConfig({
  test: {
    root: import.meta.dirname,
    include: ["e2e/**/*.test.ts"],
    reporters: ["default", new PlainSummary()],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One browser at a time: the machine has two cores.
    fileParallelism: false,
  },
});
