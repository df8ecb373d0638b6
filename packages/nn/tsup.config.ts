import { defineConfig } from "tsup";

export default defineConfig({
  // "." is browser-safe; "./node" adds file I/O (node:fs).
  entry: { index: "src/index.ts", node: "src/node.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true, // one shared chunk, so "./node" and "." share one Model class in CJS too
  target: "es2022",
  external: ["@tapegrad/core"],
});
