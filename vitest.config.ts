import { defineConfig } from "vitest/config";

// Tests run against the TypeScript sources: the "@tapegrad/source" export condition
// points each workspace package at src/. Setting conditions replaces Vite's defaults,
// so the usual ones are listed again.
const conditions = ["@tapegrad/source", "module", "node", "development|production"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: ["packages/*/test/**/*.test.ts", "test/specs/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
