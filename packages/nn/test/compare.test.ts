import { describe, expect, it } from "vitest";
import { tensor } from "@tapegrad/core";
import { compareBackprop, compareGradients, dense, manualBackprop, mlp, sequential } from "../src";

describe("compareGradients", () => {
  const expected = { "layer1.W": tensor([[1, 2], [3, 4]]), "layer1.b": tensor([[1], [1]]), "layer2.W": tensor([[0.5, -0.5]]), "layer2.b": tensor([[2]]) };

  it("agrees with itself and reports zero differences", () => {
    const report = compareGradients(expected, expected);
    expect(report.ok).toBe(true);
    expect(report.firstDisagreement).toBeUndefined();
    expect(report.rows.map((r) => [r.name, r.maxAbsDifference, r.ok])).toEqual([
      ["layer1.W", 0, true], ["layer1.b", 0, true], ["layer2.W", 0, true], ["layer2.b", 0, true],
    ]);
    expect(report.table().split("\n").at(-1)).toBe("all parameters agree");
  });

  it("reports the differences per parameter and the first disagreement in backward order", () => {
    const actual = { ...expected, "layer1.W": tensor([[1, 2], [3, 4.5]]), "layer2.W": tensor([[0.5, -0.25]]) };
    const report = compareGradients(expected, actual);
    expect(report.ok).toBe(false);
    expect(report.firstDisagreement).toBe("layer2.W");
    expect(report.firstDisagreeingLayer).toBe("layer2");
    const row = report.rows.find((r) => r.name === "layer1.W")!;
    expect(row.maxAbsDifference).toBe(0.5);
    expect(row.maxRelDifference).toBe(0.5 / 4);
    const table = report.table();
    expect(table).toMatch(/^parameter\s+shape\s+max \|difference\|\s+max relative\s+agree$/m);
    expect(table).toMatch(/^layer1\.W\s+\[2, 2\]\s+5\.00e-1\s+1\.25e-1\s+NO$/m);
    expect(table).toMatch(/^layer1\.b\s+\[2, 1\]\s+0\.00e\+0\s+0\.00e\+0\s+yes$/m);
    expect(table.split("\n").at(-1)).toBe("first disagreement in backward order: layer2.W");
  });

  it("measures tolerance relative to each parameter's largest gradient", () => {
    const tiny = { w: tensor([1, 1e-20]) };
    expect(compareGradients(tiny, { w: tensor([1 + 1e-9, 2e-20]) }, { rtol: 1e-8 }).ok).toBe(true);
    expect(compareGradients(tiny, { w: tensor([1 + 1e-7, 1e-20]) }, { rtol: 1e-8 }).ok).toBe(false);
  });

  it("reports missing, extra and misshapen gradients", () => {
    const { ["layer2.b"]: _, ...missing } = expected;
    const report = compareGradients(expected, { ...missing, extra: tensor([1]), "layer1.b": tensor([1, 1]) });
    const problems = Object.fromEntries(report.rows.filter((r) => !r.ok).map((r) => [r.name, r.problem]));
    expect(problems).toEqual({ "layer1.b": "actual shape [2]", "layer2.b": "missing from the actual gradients", extra: "not in the expected gradients" });
  });
});

describe("manualBackprop", () => {
  it("refuses models it has no formulas for", () => {
    const softmaxHidden = mlp({ sizes: [2, 3, 1], hidden: "softmax", convention: "row" });
    expect(() => manualBackprop(softmaxHidden, tensor([[1, 2]]), tensor([[1]]))).toThrow(/a softmax hidden layer needs its full Jacobian/);
  });

  it("computes the squared-error output too: dZ^[L] = 2(A^[L] − Y)/m", () => {
    const model = mlp({ sizes: [1, 1], output: "identity", convention: "column", params: { "layer1.W": tensor([[2]]), "layer1.b": tensor([[0]]) } });
    // Z = 2x; J = (1/m) Σ (2x − y)²; x = [1, 2], y = [1, 1]: residuals [1, 3], J = 5, dZ = [1, 3], dW = Σ dZ·x = 1 + 6 = 7.
    const result = manualBackprop(model, tensor([[1, 2]]), tensor([[1, 1]]));
    expect(result.cost).toBe(5);
    expect(result.dZ[1].toArray()).toEqual([[1, 3]]);
    expect(result.grads["layer1.W"].toArray()).toEqual([[7]]);
    expect(result.grads["layer1.b"].toArray()).toEqual([[4]]);
  });
});

describe("compareBackprop", () => {
  const model = sequential(
    [dense({ name: "hidden", inputSize: 2, units: 3, activation: "tanh", convention: "row" }), dense({ name: "out", inputSize: 3, units: 1, convention: "row" })],
    { output: "sigmoid", seed: 3 },
  );
  const X = tensor([[0.5, -1], [1, 2], [0, 0.3]]);
  const Y = tensor([[1], [0], [1]]);

  it("lists, in backward order, the output's cotangent, then each layer's parameter gradients and input cotangent", () => {
    const report = compareBackprop(model, X, Y, { rtol: 1e-12 });
    expect(report.ok).toBe(true);
    expect(report.rows.map((row) => [row.layer, row.kind, row.name, row.shape])).toEqual([
      ["loss", "sigmoid", "∂J/∂(output of out)", [3, 1]],
      ["out", "dense", "out.W", [3, 1]],
      ["out", "dense", "out.b", [1, 1]],
      ["out", "dense", "∂J/∂(input of out)", [3, 3]],
      ["hidden", "dense", "hidden.W", [2, 3]],
      ["hidden", "dense", "hidden.b", [1, 3]],
      ["hidden", "dense", "∂J/∂(input of hidden)", [3, 2]],
    ]);
    const lines = report.table().split("\n");
    expect(lines[0]).toMatch(/^layer\s+rule\s+gradient\s+shape\s+max \|difference\|\s+max relative\s+agree$/);
    expect(lines[2]).toMatch(/^loss\s+sigmoid\s+∂J\/∂\(output of out\)\s+\[3, 1\]\s+\S+\s+\S+\s+yes$/);
    expect(lines.at(-1)).toBe("every hand-derived step agrees with the tape");
  });

  it("keeps the hand-derived pass: each layer's values, cotangents as ∂J/∂·", () => {
    const { byHand } = compareBackprop(model, X, Y);
    expect(byHand.layers!.map((layer) => [layer.name, layer.kind, layer.input.shape, layer.output.shape])).toEqual([
      ["hidden", "dense", [3, 2], [3, 3]],
      ["out", "dense", [3, 3], [3, 1]],
    ]);
    // ∂J/∂Z^[L] = (σ(Z) − Y)/m for a sigmoid output, with m = 3
    const z = byHand.A[2];
    const expected = Array.from(z.data, (v, i) => (1 / (1 + Math.exp(-v)) - Y.data[i]) / 3);
    expect(Array.from(byHand.dA[2].data)).toEqual(expected.map((v) => expect.closeTo(v, 15)));
    expect(byHand.layers![0].intermediates.dZ.shape).toEqual([3, 3]);
  });

  it("names the rule and the layer of the first wrong gradient", () => {
    const broken = sequential([dense({ name: "out", inputSize: 2, units: 1, convention: "row" })], { output: "identity", seed: 1 });
    const report = compareBackprop(broken, X, Y, { rules: { dense: (step) => ({ dX: step.dOut.matmul(step.params["out.W"], { transposeB: true }), grads: { "out.W": tensor([[0], [0]]), "out.b": tensor([[0]]) } }) } });
    expect(report.firstDisagreement).toBe("out.W");
    expect(report.table().split("\n").at(-1)).toBe("first disagreement in backward order: out.W, computed by the dense rule of layer 'out'");
  });
});
