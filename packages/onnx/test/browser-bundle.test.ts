import { builtinModules } from "node:module";
import { join, relative, resolve } from "node:path";
import { runInNewContext } from "node:vm";
import { build, type Plugin } from "esbuild";
import { describe, expect, it } from "vitest";

// @tapegrad/onnx's main entry must bundle for browsers (no node: module, no Node built-in),
// protobufjs and the embedded schema included, and export a model where there is no Node.

const root = resolve(import.meta.dirname, "../../..");
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/** Records every import of a Node built-in (and who imports it) instead of failing on the first. */
function recordNodeImports(found: string[]): Plugin {
  return {
    name: "record-node-imports",
    setup(bundler) {
      bundler.onResolve({ filter: /.*/ }, (args) => {
        if (!nodeBuiltins.has(args.path) && !args.path.startsWith("node:")) return undefined;
        found.push(`${relative(root, args.importer)} imports ${args.path}`);
        return { path: args.path, external: true };
      });
    },
  };
}

async function bundle(entry: string, globalName?: string) {
  const nodeImports: string[] = [];
  const result = await build({
    stdin: { contents: entry, resolveDir: join(root, "test"), sourcefile: "browser-app.ts", loader: "ts" },
    bundle: true,
    platform: "browser",
    conditions: ["@tapegrad/source"],
    format: globalName ? "iife" : "esm",
    globalName,
    write: false,
    logLevel: "silent",
    plugins: [recordNodeImports(nodeImports)],
  });
  return { nodeImports, code: result.outputFiles[0].text };
}

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
