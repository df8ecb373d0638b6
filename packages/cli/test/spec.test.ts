import { describe, expect, it } from "vitest";
import { tensor } from "@tapegrad/core";
import { mlp } from "@tapegrad/nn";
import { gradientAgreement } from "../src/agreement";
import { parseSpec, specBatch, specModel } from "../src/spec";

const parse = (value: unknown) => parseSpec(JSON.stringify(value), "net.json");

describe("parseSpec reads the tables of activations and outputs", () => {
  it("accepts every element-wise activation and every output kind, with its loss", () => {
    const spec = parse({ sizes: [2, 3, 3, 1], hidden: ["gelu", "leakyRelu"], output: "identity", loss: "mse" });
    expect(spec.hidden).toEqual(["gelu", "leakyRelu"]);
    expect(parse({ sizes: [2, 3], output: "softmax", loss: "softmaxCrossEntropy" }).output).toBe("softmax");
  });

  it("refuses names that are not own entries of the tables", () => {
    for (const name of ["toString", "constructor", "__proto__"]) {
      expect(() => parse({ sizes: [2, 1], output: name })).toThrow(`net.json: field 'output' must be 'sigmoid', 'softmax', 'identity', got "${name}"`);
      expect(() => parse({ sizes: [2, 3, 1], hidden: name })).toThrow(`net.json: field 'hidden' has "${name}"; use sigmoid, tanh, relu, leakyRelu, elu, gelu, softplus, silu, identity`);
    }
    expect(() => parse({ sizes: [2, 3, 1], hidden: "softmax" })).toThrow(/field 'hidden' has "softmax"/);
    expect(() => parse({ sizes: [2, 1], tolerance: 5 })).toThrow(/field 'tolerance' must be an object/);
    expect(() => parse({ sizes: [2, 1], tolerance: { handDerived: 1, toString: 2 } })).toThrow("net.json: field 'tolerance' has 'toString'; its fields are handDerived and finiteDifferences");
  });
});

describe("gradientAgreement", () => {
  it("agrees for a spec with a gelu hidden layer, in both conventions", () => {
    const spec = parse({ sizes: [3, 4, 2], hidden: "gelu", output: "softmax", batchSize: 5 });
    const { inputs, targets } = specBatch(spec);
    const report = gradientAgreement(specModel(spec), inputs, targets, { tolerance: spec.tolerance });
    expect(report.ok, report.table()).toBe(true);
    expect(report.rows).toHaveLength(8);
  });

  it("keeps int32 class-index targets as labels, in float32 too", () => {
    const X = tensor([[0.5, -1], [2, 0.1], [-0.3, 0.7]], { dtype: "float32" });
    const labels = tensor([1, 0, 2], { dtype: "int32" });
    const model = mlp({ sizes: [2, 4, 3], hidden: "tanh", output: "softmax", convention: "row", dtype: "float32", seed: 3 });
    const report = gradientAgreement(model, X, labels);
    expect(report.ok, report.table()).toBe(true);
  });
});
