import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import type { Reporter, TestModule } from "vitest/node";

// Tests run against the TypeScript sources: the "@tapegrad/source" export condition
// points each workspace package at src/. Setting conditions replaces Vite's defaults,
// so the usual ones are listed again.
const conditions = ["@tapegrad/source", "module", "node", "development|production"];

/** Ends the run with one plain line, "tests: N passed, N failed, N skipped". */
class PlainSummary implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 };
    for (const module of testModules) for (const test of module.children.allTests()) counts[test.result().state]++;
    console.log(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped + counts.pending} skipped`);
  }
}

// onnxruntime-node, which the ONNX tests run exported models in, is installed on its own
// (packages/onnx/scripts/install-runtime.mjs, run by `pnpm run test`), not by the workspace.
const onnxruntime = fileURLToPath(new URL("./packages/onnx/runtime/node_modules/onnxruntime-node", import.meta.url));

export default defineConfig({
  resolve: { conditions, alias: { "onnxruntime-node": onnxruntime } },
  ssr: { resolve: { conditions } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/specs/**/*.test.ts"],
    reporters: ["default", new PlainSummary()],
    testTimeout: 60_000,
  },
});
