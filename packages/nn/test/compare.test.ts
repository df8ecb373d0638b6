import { describe, expect, it } from "vitest";
import { tensor } from "@tapegrad/core";
import { compareGradients, manualBackprop, mlp } from "../src";

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
