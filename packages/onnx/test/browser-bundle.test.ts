import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { browserBundle as bundle } from "../../../test/src/browser-bundle";

// @tapegrad/onnx's main entry must bundle for browsers (no node: module, no Node built-in),
// protobufjs and the embedded schema included, and export a model where there is no Node.

describe("@tapegrad/onnx in the browser", () => {
  it("imports no Node module but protobufjs's optional fs, which its package.json maps away for browsers; @tapegrad/onnx/node does", async () => {
    // protobufjs/src/util/fs.js: `try { fs = require("fs") } catch {}`, and "browser": { "fs": false } in its package.json.
    const optional = (line: string) => /protobufjs\/src\/util\/fs\.js imports fs$/.test(line);
    expect((await bundle('export * from "@tapegrad/onnx";\n')).nodeImports.filter((line) => !optional(line))).toEqual([]);
    expect((await bundle('export * from "@tapegrad/onnx/node";\n')).nodeImports).toContain("packages/nn/src/node.ts imports node:fs");
  });

  it("the bundle exports a model where there is no Node", async () => {
    const { code } = await bundle(
      `import { zeros } from "@tapegrad/core";
       import { mlp } from "@tapegrad/nn";
       import { decodeOnnx, toOnnx } from "@tapegrad/onnx";
       const model = mlp({ sizes: [2, 4, 3], hidden: "relu", output: "softmax", convention: "row", seed: 0 });
       const bytes = toOnnx(model, zeros([1, 2]), { dynamicBatch: true });
       export const result = { bytes: bytes.length, types: decodeOnnx(bytes).graph.node.map((node) => node.op_type).join() };`,
      "app",
    );
    // The JavaScript built-ins and the Web APIs every browser has, nothing of Node's.
    const context: { app?: { result: { bytes: number; types: string } } } & Record<string, unknown> = {
      performance: { now: () => performance.now() },
      console,
      TextEncoder,
      TextDecoder,
    };
    expect(runInNewContext("[typeof process, typeof Buffer, typeof require, typeof module].join()", context)).toBe("undefined,undefined,undefined,undefined");
    runInNewContext(`${code}\nglobalThis.app = app;`, context);
    expect(context.app?.result.types).toBe("MatMul,Add,Relu,MatMul,Add,Softmax");
    expect(context.app!.result.bytes).toBeGreaterThan(100);
  });
});
