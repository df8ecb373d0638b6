import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { browserBundle as bundle } from "../../../test/src/browser-bundle";

// @tapegrad/core and @tapegrad/nn's main entries must bundle for browsers: no node: module,
// no Node built-in, no Node global that a bundler would have to shim. The bundle is built
// from source (the "@tapegrad/source" condition), the way a browser app would import the
// packages, and then run in a bare JavaScript context that has no Node globals at all.

describe("the main entries bundle for browsers", () => {
  it("@tapegrad/core and @tapegrad/nn import no Node module", async () => {
    const { nodeImports, result } = await bundle('export * from "@tapegrad/core";\nexport * from "@tapegrad/nn";\n');
    expect(nodeImports).toEqual([]);
    expect(result.warnings).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    // From source, through the condition: both packages' src/ files are in the bundle, and no dist/ file.
    expect(inputs.some((input) => input.includes("packages/nn/src/weights.ts"))).toBe(true);
    expect(inputs.some((input) => input.includes("packages/core/src/index.ts"))).toBe(true);
    expect(inputs.filter((input) => input.includes("/dist/"))).toEqual([]);
  });

  it("the check would catch a Node import: @tapegrad/nn/node is refused", async () => {
    const { nodeImports } = await bundle('export * from "@tapegrad/nn/node";\n');
    expect(nodeImports).toContain("packages/nn/src/node.ts imports node:fs");
  });

  it("the bundle runs where there is no Node: trains, serialises and rebuilds a model", async () => {
    const { code } = await bundle(
      `import { tensor } from "@tapegrad/core";
       import { fit, modelFromWeights, sequential, dense, serializeWeights, sgd, xor } from "@tapegrad/nn";
       const model = sequential([
         dense({ name: "hidden", inputSize: 2, units: 4, activation: "tanh", convention: "row" }),
         dense({ name: "out", inputSize: 4, units: 1, convention: "row" }),
       ], { output: "sigmoid", seed: 0 });
       const history = fit(model, xor({ convention: "row" }), { epochs: 300, optimizer: sgd({ learningRate: 1 }) });
       const text = serializeWeights(model);
       const again = modelFromWeights(text);
       const X = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
       export const result = { accuracy: history.accuracy.at(-1), same: JSON.stringify(again.predict(X).toArray()) === JSON.stringify(model.predict(X).toArray()), bytes: text.length };`,
      "app",
    );
    // A context with the JavaScript built-ins and the Web APIs every browser has (performance,
    // console), and nothing of Node's: no process, Buffer, require, module or fs.
    const context: { app?: { result: { accuracy: number; same: boolean; bytes: number } } } & Record<string, unknown> = {
      performance: { now: () => performance.now() },
      console,
    };
    expect(runInNewContext("[typeof process, typeof Buffer, typeof require, typeof module].join()", context)).toBe("undefined,undefined,undefined,undefined");
    runInNewContext(`${code}\nglobalThis.app = app;`, context);
    expect(context.app?.result).toMatchObject({ accuracy: 1, same: true });
    expect(context.app!.result.bytes).toBeGreaterThan(100);
  });
});
