import { describe, expect, it } from "vitest";
import { adam, circles, fit, mlp, xorQuadrants } from "../src";

const rowsOf = (data: { inputs: { toArray(): unknown } }) => data.inputs.toArray() as number[][];
const labelsOf = (data: { targets: { data: ArrayLike<number> } }) => Array.from(data.targets.data);

describe("circles", () => {
  it("puts label 0 on the unit circle and label 1 on the inner one, alternating, when there is no noise", () => {
    const data = circles({ examples: 40, noise: 0, factor: 0.3, seed: 3, convention: "row" });
    expect(data.inputs.shape).toEqual([40, 2]);
    expect(data.targets.shape).toEqual([40, 1]);
    const labels = labelsOf(data);
    rowsOf(data).forEach(([x, y], i) => {
      expect(labels[i]).toBe(i % 2);
      expect(Math.hypot(x, y)).toBeCloseTo(i % 2 === 0 ? 1 : 0.3, 12);
    });
  });

  it("spreads the points by the noise's standard deviation", () => {
    const data = circles({ examples: 4000, noise: 0.1, seed: 0, convention: "row" });
    const labels = labelsOf(data);
    // Radial deviations of Gaussian noise with σ = 0.1 per axis: their RMS is close to 0.1.
    const deviations = rowsOf(data).map(([x, y], i) => Math.hypot(x, y) - (labels[i] === 0 ? 1 : 0.5));
    const rms = Math.sqrt(deviations.reduce((s, d) => s + d * d, 0) / deviations.length);
    expect(rms).toBeGreaterThan(0.09);
    expect(rms).toBeLessThan(0.11);
  });

  it("is seeded, and the column convention holds the transposes", () => {
    const row = circles({ examples: 10, seed: 5, convention: "row" });
    const column = circles({ examples: 10, seed: 5, convention: "column" });
    expect(column.inputs.shape).toEqual([2, 10]);
    expect(column.targets.shape).toEqual([1, 10]);
    const transposed = (rowsOf(column) as number[][])[0].map((_, j) => rowsOf(column).map((r) => r[j]));
    expect(transposed).toEqual(rowsOf(row));
    expect(rowsOf(circles({ examples: 10, seed: 5, convention: "row" }))).toEqual(rowsOf(row));
    expect(rowsOf(circles({ examples: 10, seed: 6, convention: "row" }))).not.toEqual(rowsOf(row));
    expect(circles({ examples: 3, seed: 0, convention: "row", dtype: "float32" }).inputs.dtype).toBe("float32");
  });

  it("refuses bad options, saying what is wanted", () => {
    expect(() => circles({ examples: 0, seed: 0, convention: "row" })).toThrow("circles: examples must be a positive integer, got 0");
    expect(() => circles({ examples: 10, factor: 1, seed: 0, convention: "row" })).toThrow(
      "circles: factor (the inner radius over the outer one) must be a number in (0, 1), got 1",
    );
    expect(() => circles({ examples: 10, noise: -1, seed: 0, convention: "row" })).toThrow(
      "circles: noise (a standard deviation) must be a finite number ≥ 0, got -1",
    );
  });

  it("a small tanh network learns to tell the circles apart", () => {
    const data = circles({ examples: 200, noise: 0.05, seed: 1, convention: "row" });
    const model = mlp({ sizes: [2, 8, 1], hidden: "tanh", output: "sigmoid", convention: "row", seed: 0 });
    const history = fit(model, data, { epochs: 150, optimizer: adam({ learningRate: 0.05 }) });
    expect(history.loss.at(-1)!).toBeLessThan(history.loss[0] / 4);
    expect(history.accuracy.at(-1)!).toBeGreaterThan(0.95);
  });
});

describe("xorQuadrants", () => {
  it("labels 1 where the signs of x and y differ, when there is no noise", () => {
    const data = xorQuadrants({ examples: 100, seed: 2, convention: "row" });
    const labels = labelsOf(data);
    rowsOf(data).forEach(([x, y], i) => {
      expect(Math.abs(x)).toBeLessThanOrEqual(1);
      expect(Math.abs(y)).toBeLessThanOrEqual(1);
      expect(labels[i]).toBe(x * y < 0 ? 1 : 0);
    });
    const ones = labels.filter((label) => label === 1).length;
    expect(ones).toBeGreaterThan(30);
    expect(ones).toBeLessThan(70);
  });

  it("moves the points by the noise after labelling them, in either convention", () => {
    const clean = xorQuadrants({ examples: 50, seed: 4, convention: "row" });
    const noisy = xorQuadrants({ examples: 50, noise: 0.2, seed: 4, convention: "column" });
    expect(noisy.inputs.shape).toEqual([2, 50]);
    expect(labelsOf(noisy)).toEqual(labelsOf(clean));
    expect(rowsOf(noisy)[0]).not.toEqual(rowsOf(clean).map((r) => r[0]));
    expect(() => xorQuadrants({ examples: 2.5, seed: 0, convention: "row" })).toThrow("xorQuadrants: examples must be a positive integer, got 2.5");
  });

  it("a small network learns it", () => {
    const data = xorQuadrants({ examples: 200, noise: 0.02, seed: 1, convention: "column" });
    const model = mlp({ sizes: [2, 8, 1], hidden: "tanh", output: "sigmoid", convention: "column", seed: 0 });
    const history = fit(model, data, { epochs: 150, optimizer: adam({ learningRate: 0.05 }) });
    expect(history.accuracy.at(-1)!).toBeGreaterThan(0.9);
  });
});
