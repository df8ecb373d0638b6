import { defineConfig } from "tsup";

export default defineConfig({
  // "." is browser-safe; "./node" adds file output (node:fs, through @tapegrad/nn/node).
  entry: { index: "src/index.ts", node: "src/node.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true, // one shared chunk, so "./node" and "." share one exporter in CJS too
  target: "es2022",
  external: ["@tapegrad/core", "@tapegrad/nn", "protobufjs"],
});
