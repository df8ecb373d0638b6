import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", "testing/index": "src/testing/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true, // one shared chunk, so "./testing" and "." share one Tensor class and one op registry in CJS too
  target: "es2022",
});
