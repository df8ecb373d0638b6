import { describe, expect, it } from "vitest";
import { defineOp, matmul, mul, randn, sum, tanh, tensor, zeros, type Tensor } from "../src";
import { allClose, assertAllClose, differenceOf, gradcheck } from "../src/testing";

// A matmul whose vjp for b forgets to transpose a: wrong for any non-symmetric a.
const matmulMissingTranspose = defineOp({
  name: "matmulMissingTranspose",
  inputNames: ["a", "b"],
  forward: ([a, b]) => matmul(a, b),
  vjp: (g, { inputs: [a, b] }) => [matmul(g, b, { transposeB: true }), matmul(a, g)],
});

describe("gradcheck", () => {
  const big = [randn([60, 50], { seed: 1 }), randn([50, 40], { seed: 2 })];

  it("chooses projection mode for large inputs and passes a correct rule", () => {
    const result = gradcheck((a, b) => tanh(matmul(a, b)), big);
    expect(result.mode).toBe("projection");
    expect(result.ok, result.summary).toBe(true);
    expect(result.inputs.map((input) => input.shape)).toEqual([[60, 50], [50, 40]]);
  });

  it("fails a wrong rule in both modes and names the input that is wrong", () => {
    const square = [randn([4, 4], { seed: 3 }), randn([4, 4], { seed: 4 })];
    for (const mode of ["full", "projection"] as const) {
      const result = gradcheck(matmulMissingTranspose, square, { mode });
      expect(result.ok).toBe(false);
      expect(result.inputs.map((input) => input.ok)).toEqual([true, false]);
      expect(result.summary).toMatch(/input 1 \[4, 4\]: .* FAILED/);
    }
  });

  it("reports errors at finite-difference precision for a correct rule in full mode", () => {
    const result = gradcheck((x) => mul(x, x), [randn([5], { seed: 5 })], { mode: "full" });
    expect(result.inputs[0].maxAbsError).toBeLessThan(1e-7);
    expect(result.inputs[0].maxRelError).toBeLessThan(1e-7);
  });

  it("checks float32 inputs in float64", () => {
    const x = tensor([0.5, -1.5], { dtype: "float32" });
    expect(gradcheck((x: Tensor) => sum(tanh(x)), [x]).ok).toBe(true);
  });
});

describe("allClose and assertAllClose", () => {
  it("compare shapes and values within tolerance", () => {
    expect(allClose(tensor([1, 2]), tensor([1, 2 + 1e-12]))).toBe(true);
    expect(allClose(tensor([1, 2]), tensor([1, 2.1]))).toBe(false);
    expect(allClose(tensor([1, 2]), tensor([[1, 2]]))).toBe(false);
    expect(allClose(tensor([NaN]), tensor([NaN]))).toBe(false);
    expect(() => assertAllClose(tensor([1, 3]), tensor([1, 2]))).toThrow(/element 1 differs: 3 vs 2/);
    expect(() => assertAllClose(tensor([1]), tensor([1, 2]))).toThrow(/shapes differ: \[1\] and \[2\]/);
  });
});

describe("differenceOf", () => {
  it("measures the largest difference against the expected tensor's largest magnitude", () => {
    const d = differenceOf(tensor([1, 2.5, -4]), tensor([1, 2, -4]), { atol: 0, rtol: 0.1 });
    expect(d).toEqual({ maxAbsDifference: 0.5, maxRelDifference: 0.5 / 4, at: 1, ok: false }); // 0.5 > 0.1·max|expected| = 0.4
    expect(differenceOf(tensor([1, 2.3, -4]), tensor([1, 2, -4]), { atol: 0, rtol: 0.1 }).ok).toBe(true); // 0.3 ≤ 0.4
    expect(differenceOf(tensor([0, Number.NaN]), tensor([0, 0])).ok).toBe(false);
    expect(differenceOf(zeros([2]), zeros([2]))).toEqual({ maxAbsDifference: 0, maxRelDifference: 0, at: 0, ok: true });
    expect(() => differenceOf(zeros([2]), zeros([3]))).toThrow("differenceOf: shapes differ: [2] and [3]");
  });
});
