import { afterEach, describe, expect, it } from "vitest";
import {
  argmax,
  argmin,
  astype,
  clip,
  equal,
  grad,
  greater,
  less,
  logsumexp,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  square,
  sum,
  tensor,
  variance,
  where,
  zeros,
  type Tensor,
} from "../src";
import { assertAllClose, gradcheck } from "../src/testing";
import { allowGeneratedLoops } from "../src/kernels/elementwise";
import { mapPair, pairKernels, type PairKernelName } from "../src/kernels/selection";
import { awayFromZero } from "./helpers";

const close = (actual: Tensor, expected: number[] | number[][] | number, rtol = 1e-12) =>
  assertAllClose(actual, tensor(expected), { atol: 1e-12, rtol });

const labels = (values: number[]) => tensor(values, { dtype: "int32" });

/** First- and second-order gradchecks of a composite, at the tolerances of the op registry tests. */
function expectGradientsMatch(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[]): void {
  const first = gradcheck(f, inputs, { atol: 1e-7, rtol: 1e-6 });
  expect(first.ok, first.summary).toBe(true);
  const second = gradcheck(f, inputs, { order: 2, atol: 1e-6, rtol: 1e-5 });
  expect(second.ok, second.summary).toBe(true);
}

describe("comparisons: equal, greater, less", () => {
  it("compare element-wise with broadcasting, giving 0/1", () => {
    const column = tensor([[1], [3]]);
    const row = tensor([2, 3]);
    expect(greater(column, row).toArray()).toEqual([[0, 0], [1, 0]]);
    expect(less(column, row).toArray()).toEqual([[1, 1], [0, 0]]);
    expect(equal(column, row).toArray()).toEqual([[0, 0], [0, 1]]);
    expect(greater(tensor([1, 2, 3]), 2).toArray()).toEqual([0, 0, 1]);
    expect(less(2, tensor([1, 2, 3])).toArray()).toEqual([0, 0, 1]);
  });

  it("treat NaN as unordered: every comparison with it is 0", () => {
    const x = tensor([NaN, 1]);
    expect(greater(x, 0).toArray()).toEqual([0, 1]);
    expect(less(x, 2).toArray()).toEqual([0, 1]);
    expect(equal(x, x).toArray()).toEqual([0, 1]);
  });

  it("give float results: the inputs' float dtype, float64 for int32 inputs", () => {
    expect(greater(tensor([1, 2], { dtype: "float32" }), 1).dtype).toBe("float32");
    const a = labels([0, 2, 1, 1]);
    const b = labels([0, 1, 1, 2]);
    for (const compare of [equal, greater, less]) expect(compare(a, b).dtype).toBe("float64");
    expect(equal(a, b).toArray()).toEqual([1, 0, 1, 0]);
    expect(greater(a, b).toArray()).toEqual([0, 1, 0, 0]);
    expect(less(a, b).toArray()).toEqual([0, 0, 0, 1]);
    expect(equal(a, 1).toArray()).toEqual([0, 0, 1, 1]);
  });

  it("compare int32 labels with broadcasting, including strided broadcasts", () => {
    const predictions = tensor([[0, 1, 2], [2, 1, 0]], { dtype: "int32" });
    expect(equal(predictions, labels([0, 1, 0])).toArray()).toEqual([[1, 1, 0], [0, 1, 1]]);
    expect(greater(tensor([[1], [2]], { dtype: "int32" }), labels([0, 1, 2])).toArray()).toEqual([[1, 0, 0], [1, 1, 0]]);
    expect(less(tensor([[[1]], [[2]]], { dtype: "int32" }), tensor([[0, 3]], { dtype: "int32" })).toArray()).toEqual([[[0, 1]], [[0, 1]]]);
    expect(equal(labels([]), labels([1])).shape).toEqual([0]);
  });

  it("make an accuracy of argmax and labels", () => {
    const logits = tensor([[0.1, 2, -1], [3, 0, 0.5], [0, 0, 4], [1, 2, 0]]);
    // Predictions [1, 0, 2, 1] against labels [1, 0, 1, 1]: 3 of 4 right.
    expect(mean(equal(argmax(logits, 1), labels([1, 0, 1, 1]))).item()).toBe(0.75);
  });

  it("pass no gradient", () => {
    // f = Σ x·[x > 0]: the mask is a constant, so df/dx = [x > 0].
    const [dx] = grad((x: Tensor) => sum(mul(x, greater(x, 0))))(tensor([-1, 2, 3]));
    expect(dx.toArray()).toEqual([0, 1, 1]);
    const [dy] = grad((y: Tensor) => sum(less(y, 0)))(tensor([-1, 2]));
    expect(dy.toArray()).toEqual([0, 0]);
  });

  it("refuse inputs of different dtypes and shapes that do not broadcast", () => {
    expect(() => greater(labels([1]), tensor([1]))).toThrow(/greater: inputs have different dtypes \(int32 and float64/);
    expect(() => less(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(
      "less: shapes [2] and [3] cannot be broadcast together (axis -1 has size 2 in one and 3 in the other)",
    );
    expect(() => equal(labels([1, 2]), labels([1, 2, 3]))).toThrow(/equal: shapes \[2\] and \[3\] cannot be broadcast/);
  });
});

describe("where", () => {
  it("selects a where the condition holds and b elsewhere, broadcasting all three", () => {
    const condition = tensor([[1], [0]]);
    const a = tensor([1, 2, 3]);
    const b = tensor([[10], [20]]);
    expect(where(condition, a, b).toArray()).toEqual([[1, 2, 3], [20, 20, 20]]);
    expect(where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0).toArray()).toEqual([1, 0, 3]);
    expect(where(tensor(0), tensor([1, 2]), tensor([5, 6])).toArray()).toEqual([5, 6]);
    expect(where(tensor([[1, 0], [0, 1]]), tensor([[1], [2]]), tensor([7, 8])).toArray()).toEqual([[1, 8], [7, 2]]);
  });

  it("takes conditions of any dtype: nonzero (and NaN) is true", () => {
    const a = tensor([1, 2, 3, 4]);
    const b = tensor([-1, -2, -3, -4]);
    expect(where(tensor([1, 0, 5, -2], { dtype: "int32" }), a, b).toArray()).toEqual([1, -2, 3, 4]);
    expect(where(tensor([0.5, 0, NaN, 0], { dtype: "float32" }), a, b).toArray()).toEqual([1, -2, 3, -4]);
    expect(where(greater(a, 2), a, 0).toArray()).toEqual([0, 0, 3, 4]);
  });

  it("selects between int32 values, giving int32", () => {
    const out = where(tensor([1, 0]), labels([3, 4]), labels([7, 8]));
    expect(out.dtype).toBe("int32");
    expect(out.toArray()).toEqual([3, 8]);
  });

  it("sends g to a where the condition holds and to b elsewhere, each summed to its shape; none to the condition", () => {
    // condition [[1, 0, 1], [0, 0, 1]], a of shape [3], b of shape [2, 1], f = Σ where(c, a, b)·w.
    const condition = tensor([[1, 0, 1], [0, 0, 1]]);
    const w = tensor([[1, 2, 3], [4, 5, 6]]);
    const f = (c: Tensor, a: Tensor, b: Tensor) => sum(mul(where(c, a, b), w));
    const [dc, da, db] = grad(f)(condition, tensor([1, 2, 3]), tensor([[10], [20]]));
    // da_j = Σ_i c_ij·w_ij = [1, 0, 3 + 6]; db_i = Σ_j (1 − c_ij)·w_ij = [2, 4 + 5].
    expect(da.toArray()).toEqual([1, 0, 9]);
    expect(db.toArray()).toEqual([[2], [9]]);
    expect(dc.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    const [dInt] = grad((a: Tensor) => sum(where(labels([0, 3]), a, 0)))(tensor([5, 6]));
    expect(dInt.toArray()).toEqual([0, 1]);
  });

  it("refuses shapes that do not broadcast and a wrong number of inputs", () => {
    expect(() => where(tensor([1, 0]), tensor([1, 2, 3]), 0)).toThrow(
      "where: shapes [2] and [3] cannot be broadcast together (axis -1 has size 2 in one and 3 in the other)",
    );
    expect(() => where(tensor([1]), tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/where: shapes \[2\] and \[3\] cannot be broadcast/);
    expect(() => (where as (...xs: Tensor[]) => Tensor)(tensor([1]), tensor([1]))).toThrow(
      "where: expects 3 input(s) (condition, a, b), got 2",
    );
    expect(() => where(tensor([1]), tensor([1]), labels([1]))).toThrow(/where: inputs have different dtypes/);
  });
});

describe("maximum and minimum", () => {
  it("take the element-wise larger or smaller value, broadcasting; NaN propagates", () => {
    expect(maximum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([4, 5, 3]);
    expect(minimum(tensor([1, 5, 3]), tensor([4, 2, 3])).toArray()).toEqual([1, 2, 3]);
    expect(maximum(tensor([[1], [6]]), tensor([2, 5])).toArray()).toEqual([[2, 5], [6, 6]]);
    expect(minimum(tensor([1, 5, 3]), 2).toArray()).toEqual([1, 2, 2]);
    expect(maximum(tensor([NaN, 1]), tensor([0, NaN])).toArray()).toEqual([NaN, NaN]);
    expect(minimum(tensor([NaN, 1]), tensor([0, NaN])).toArray()).toEqual([NaN, NaN]);
  });

  it("give the gradient to the winner, and half to each at a tie", () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([1, 0, 5]);
    const [daMax, dbMax] = grad((a: Tensor, b: Tensor) => sum(maximum(a, b)))(a, b);
    expect(daMax.toArray()).toEqual([0.5, 1, 0]);
    expect(dbMax.toArray()).toEqual([0.5, 0, 1]);
    const [daMin, dbMin] = grad((a: Tensor, b: Tensor) => sum(minimum(a, b)))(a, b);
    expect(daMin.toArray()).toEqual([0.5, 0, 1]);
    expect(dbMin.toArray()).toEqual([0.5, 1, 0]);
  });

  it("sum the gradient of a broadcast input over the broadcast axes", () => {
    // maximum(x, 2) over x = [[1, 2], [3, 4]]: the scalar wins at 1, ties at 2, loses at 3 and 4.
    const [dx, dBound] = grad((x: Tensor, bound: Tensor) => sum(maximum(x, bound)))(tensor([[1, 2], [3, 4]]), tensor(2));
    expect(dx.toArray()).toEqual([[0, 0.5], [1, 1]]);
    expect(dBound.toArray()).toBe(1.5);
    // minimum with a column: row 0 against 2, row 1 against 0; g = [[1, 10], [100, 1000]].
    const g = tensor([[1, 10], [100, 1000]]);
    const [dRow, dColumn] = grad((r: Tensor, c: Tensor) => sum(mul(minimum(r, c), g)))(tensor([1, 3]), tensor([[2], [0]]));
    expect(dRow.toArray()).toEqual([1, 0]);
    expect(dColumn.toArray()).toEqual([[10], [1100]]);
  });

  it("give both inputs the gradient where one is NaN, as PyTorch does", () => {
    const [da, db] = grad((a: Tensor, b: Tensor) => sum(maximum(a, b)))(tensor([NaN]), tensor([1]));
    expect(da.toArray()).toEqual([1]);
    expect(db.toArray()).toEqual([1]);
  });

  it("refuse int32 inputs, as arithmetic does", () => {
    expect(() => maximum(labels([1]), labels([2]))).toThrow(/maximum: input 0 \('a'\) is int32/);
  });
});

describe("clip", () => {
  it("clips into [min, max]; NaN stays NaN", () => {
    expect(clip(tensor([-2, 0.5, 3, NaN]), 0, 1).toArray()).toEqual([0, 0.5, 1, NaN]);
    expect(clip(tensor([-2, 3]), 0, Infinity).toArray()).toEqual([0, 3]);
    expect(clip(tensor([-2, 3]), -Infinity, 1).toArray()).toEqual([-2, 1]);
    expect(clip(tensor([-2, 3]), 1, 1).toArray()).toEqual([1, 1]);
    expect(clip(tensor([0.5], { dtype: "float32" }), 0, 1).dtype).toBe("float32");
  });

  it("passes the gradient on the closed interval: a value exactly at a bound gets it", () => {
    const [dx] = grad((x: Tensor) => sum(clip(x, 0, 1)))(tensor([-1, 0, 0.5, 1, 2, NaN]));
    expect(dx.toArray()).toEqual([0, 1, 1, 1, 0, 0]);
  });

  it("is differentiable twice inside a composite", () => {
    expectGradientsMatch((x) => square(clip(x, -1, 1)), [awayFromZero([3, 4], 5)]);
  });

  it("refuses bounds that are not numbers, min > max and an x that is not a Tensor", () => {
    const x = tensor([1, 2]);
    expect(() => clip(x, 2, 1)).toThrow("clip: min (2) is greater than max (1); give min ≤ max");
    expect(() => clip(x, "0" as never, 1)).toThrow('clip: min must be a number, got "0"; use ±Infinity for no bound');
    expect(() => clip(x, 0, NaN)).toThrow("clip: max must be a number, got NaN; use ±Infinity for no bound");
    expect(() => clip(x, 0, undefined as never)).toThrow("clip: max must be a number, got undefined");
    expect(() => clip([1, 2] as never, 0, 1)).toThrow("clip: x must be a Tensor, got [1, 2]; make one with tensor(values)");
  });
});

describe("argmax and argmin", () => {
  const x = tensor([[1, 5, 5], [7, 2, 7]]);

  it("give int32 indices with the axis removed, the first occurrence on ties", () => {
    const rows = argmax(x, 1);
    expect(rows.dtype).toBe("int32");
    expect(rows.shape).toEqual([2]);
    expect(rows.toArray()).toEqual([1, 0]);
    expect(argmax(x, -1).toArray()).toEqual([1, 0]);
    expect(argmax(x, 0).toArray()).toEqual([1, 0, 1]);
    expect(argmin(x, 1).toArray()).toEqual([0, 1]);
    expect(argmin(tensor([[3, 1, 1], [0, 0, 2]]), -1).toArray()).toEqual([1, 0]);
    expect(argmin(x, 0).toArray()).toEqual([0, 1, 0]);
    expect(argmax(tensor([4, 4, 4]), 0).toArray()).toBe(0);
  });

  it("search the middle axis of a 3-D tensor", () => {
    // t[i][j][k] with shape [2, 3, 2].
    const t = tensor([
      [[1, 9], [3, 9], [2, 0]],
      [[0, -1], [0, -5], [4, -5]],
    ]);
    expect(argmax(t, 1).toArray()).toEqual([[1, 0], [2, 0]]);
    expect(argmin(t, 1).toArray()).toEqual([[0, 2], [0, 1]]);
    expect(argmax(t, 2).toArray()).toEqual([[1, 1, 0], [0, 0, 0]]);
  });

  it("return the first NaN, as numpy and PyTorch do", () => {
    expect(argmax(tensor([1, NaN, 3, NaN]), 0).toArray()).toBe(1);
    expect(argmin(tensor([1, NaN, -3, NaN]), 0).toArray()).toBe(1);
    expect(argmax(tensor([[NaN, 1], [2, NaN]]), 0).toArray()).toEqual([0, 1]);
  });

  it("accept int32 and float32 inputs, and empty non-searched axes", () => {
    expect(argmax(labels([3, 9, 9, 1]), 0).toArray()).toBe(1);
    expect(argmin(tensor([3, -1, 2], { dtype: "float32" }), 0).toArray()).toBe(1);
    expect(argmax(zeros([0, 3]), 1).shape).toEqual([0]);
    expect(argmax(tensor([[-Infinity, -Infinity]]), 1).toArray()).toEqual([0]);
  });

  it("pass no gradient", () => {
    const [dx] = grad((y: Tensor) => sum(mul(y, astype(argmax(y, 0), "float64"))))(tensor([1, 3, 2]));
    expect(dx.toArray()).toEqual([1, 1, 1]);
  });

  it("require one integer axis in range, and a non-empty one", () => {
    expect(() => (argmax as (x: Tensor) => Tensor)(x)).toThrow(
      "argmax: axis must be an integer, the one axis to search along, got undefined (for the flat index, argmax(reshape(x, [-1]), 0))",
    );
    expect(() => argmin(x, [0, 1] as never)).toThrow("argmin: axis must be an integer, the one axis to search along, got [0, 1]");
    expect(() => argmax(x, 1.5)).toThrow("argmax: axis must be an integer, the one axis to search along, got 1.5");
    expect(() => argmax(x, 2)).toThrow("argmax: axis 2 is out of range for a tensor of rank 2 (shape [2, 3]); valid axes are -2..1");
    expect(() => argmax(zeros([2, 0]), 1)).toThrow(
      "argmax: axis 1 has size 0, so the index of the maximum is undefined (shape [2, 0]); reduce over non-empty axes",
    );
    expect(() => argmin(zeros([0]), 0)).toThrow("argmin: axis 0 has size 0, so the index of the minimum is undefined");
    expect(() => argmax([1, 2] as never, 0)).toThrow("argmax: x must be a Tensor, got [1, 2]; make one with tensor(values)");
    expect(() => argmin(undefined as never, 0)).toThrow("argmin: x must be a Tensor, got undefined");
  });
});

describe("min and max reductions", () => {
  it("min picks the smallest and splits its gradient equally between ties", () => {
    const t = tensor([[3, 1, 1], [2, 4, 0]]);
    expect(min(t, 1).toArray()).toEqual([1, 0]);
    expect(min(t, 0, true).toArray()).toEqual([[2, 1, 0]]);
    expect(min(t).item()).toBe(0);
    const [dt] = grad((t: Tensor) => sum(min(t, 1)))(t);
    expect(dt.toArray()).toEqual([[0, 0.5, 0.5], [0, 0, 1]]);
    const [dAll] = grad((t: Tensor) => min(t))(tensor([5, 2, 2, 2]));
    close(dAll, [0, 1 / 3, 1 / 3, 1 / 3]);
  });

  it("max splits its gradient between ties, along negative axes too", () => {
    const [dt] = grad((t: Tensor) => sum(max(t, -2)))(tensor([[4, 1], [4, 3]]));
    expect(dt.toArray()).toEqual([[0.5, 0], [0.5, 1]]);
  });

  it("propagate NaN, and reduce an empty tensor over its non-empty axes", () => {
    expect(max(tensor([1, NaN, 3])).item()).toBeNaN();
    expect(min(tensor([[1, NaN], [0, 2]]), 1).toArray()).toEqual([NaN, 0]);
    expect(max(zeros([0, 3]), 1).shape).toEqual([0]);
    expect(min(zeros([0, 3]), 1, true).shape).toEqual([0, 1]);
    expect(max(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
  });
});

describe("logsumexp", () => {
  it("is stable for large values and gives −∞ for an all −∞ slice", () => {
    close(logsumexp(tensor([1000, 1000])), 1000 + Math.log(2));
    close(logsumexp(tensor([-1000, -1000])), -1000 + Math.log(2));
    expect(logsumexp(tensor([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(logsumexp(tensor([-Infinity, 0])).item()).toBe(0);
    expect(logsumexp(tensor([Infinity, 1])).item()).toBe(Infinity);
    expect(logsumexp(tensor([NaN, 1])).item()).toBeNaN();
  });

  it("reduces over axes, with keepDims", () => {
    const x = tensor([[0, 0], [1, 1]]);
    close(logsumexp(x, 1), [Math.log(2), 1 + Math.log(2)]);
    close(logsumexp(x, -1, true), [[Math.log(2)], [1 + Math.log(2)]]);
    close(logsumexp(x, 0), [Math.log(1 + Math.E), Math.log(1 + Math.E)]);
    close(logsumexp(x), Math.log(2 + 2 * Math.E));
    const [finite, allMinusInfinity] = logsumexp(tensor([[0, Math.log(3)], [-Infinity, -Infinity]]), 1).data;
    expect(finite).toBeCloseTo(Math.log(4), 12);
    expect(allMinusInfinity).toBe(-Infinity);
  });

  it("of an empty axis is −∞ (log 0), as in PyTorch", () => {
    expect(logsumexp(zeros([2, 0]), 1).toArray()).toEqual([-Infinity, -Infinity]);
  });

  it("has the gradient g·softmax(x) along the axis", () => {
    // Row 0: [0, log 3] has softmax [1/4, 3/4]; row 1: [2, 2] has [1/2, 1/2]; weights [10, 100].
    const x = tensor([[0, Math.log(3)], [2, 2]]);
    const [dx] = grad((x: Tensor) => sum(mul(logsumexp(x, 1), tensor([10, 100]))))(x);
    close(dx, [[2.5, 7.5], [50, 50]]);
    const [dLarge] = grad((x: Tensor) => logsumexp(x))(tensor([1000, 1000]));
    close(dLarge, [0.5, 0.5]);
  });

  it("matches finite differences at first and second order, negative axes included", () => {
    expectGradientsMatch((x) => logsumexp(x, -1), [awayFromZero([3, 4], 1)]);
    expectGradientsMatch((x) => mul(logsumexp(x, [0, -1], true), 2), [awayFromZero([2, 3, 4], 2)]);
  });
});

describe("variance", () => {
  it("is the population variance, dividing by N", () => {
    close(variance(tensor([1, 2, 3, 4])), 1.25);
    const x = tensor([[1, 2], [3, 5]]);
    close(variance(x, 0), [1, 2.25]);
    close(variance(x, 1, true), [[0.25], [1]]);
    close(variance(x, -1), [0.25, 1]);
    close(variance(x), 2.1875); // mean 2.75; squared deviations 3.0625, 0.5625, 0.0625, 5.0625
    close(variance(tensor([7])), 0);
  });

  it("has the gradient 2(x − mean)/N·g", () => {
    const [dx] = grad((x: Tensor) => variance(x))(tensor([1, 2, 3, 4]));
    close(dx, [-0.75, -0.25, 0.25, 0.75]);
    // Per column of [[1, 3], [2, 7]] with weights [1, 10]: means 1.5 and 5, N = 2.
    const [dm] = grad((x: Tensor) => sum(mul(variance(x, 0), tensor([1, 10]))))(tensor([[1, 3], [2, 7]]));
    close(dm, [[-0.5, -20], [0.5, 20]]);
  });

  it("matches finite differences at first and second order", () => {
    expectGradientsMatch((x) => variance(x), [awayFromZero([5], 1)]);
    expectGradientsMatch((x) => variance(x, 1, true), [awayFromZero([3, 4], 2)]);
    expectGradientsMatch((x) => variance(x, [0, 2]), [awayFromZero([2, 3, 4], 3)]);
  });
});

describe("argument checks of the reductions", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);
  type Reduction = (x: Tensor, axis?: number | readonly number[], keepDims?: boolean) => Tensor;
  const reductions: Array<[string, Reduction]> = [
    ["sum", sum],
    ["mean", mean],
    ["max", max],
    ["min", min],
    ["variance", variance],
    ["logsumexp", logsumexp],
  ];

  it.each(reductions)("%s refuses an axis that is not an integer or a list of them", (name, reduce) => {
    expect(() => reduce(x, "1" as never)).toThrow(`${name}: axis must be an integer or a list of integers, got "1"`);
    expect(() => reduce(x, 0.5)).toThrow(`${name}: axis must be an integer or a list of integers, got 0.5`);
    expect(() => reduce(x, [0, "1"] as never)).toThrow(`${name}: axis must be an integer or a list of integers, got [0, "1"]`);
    expect(() => reduce(x, null as never)).toThrow(`${name}: axis must be an integer or a list of integers, got null`);
    expect(() => reduce(x, { axis: 1 } as never)).toThrow(`${name}: axis must be an integer or a list of integers, got an object`);
    expect(() => reduce(x, 2)).toThrow(`${name}: axis 2 is out of range for a tensor of rank 2 (shape [2, 3]); valid axes are -2..1`);
  });

  it.each(reductions)("%s refuses a keepDims that is not a boolean", (name, reduce) => {
    expect(() => reduce(x, 0, 1 as never)).toThrow(`${name}: keepDims must be a boolean, got 1`);
    expect(() => reduce(x, 0, "true" as never)).toThrow(`${name}: keepDims must be a boolean, got "true"`);
  });

  it.each(reductions)("%s refuses an x that is not a Tensor", (name, reduce) => {
    expect(() => reduce([1, 2, 3] as never)).toThrow(`${name}: x must be a Tensor, got [1, 2, 3]; make one with tensor(values)`);
    expect(() => reduce(3 as never)).toThrow(`${name}: x must be a Tensor, got 3; make one with tensor(values)`);
    expect(() => reduce(undefined as never)).toThrow(`${name}: x must be a Tensor, got undefined`);
  });

  it("max, min and sum given two tensors point to the element-wise op", () => {
    const a = tensor([1, 2]);
    const b = tensor([3, 0]);
    expect(() => max([a, b] as never)).toThrow(
      "max: x must be a Tensor, got an array; max reduces one tensor: use maximum(a, b) for the element-wise maximum of two",
    );
    expect(() => max(a, b as never)).toThrow(
      "max: axis must be an integer or a list of integers, got a Tensor; max reduces one tensor: use maximum(a, b) for the element-wise maximum of two",
    );
    expect(() => min(a, b as never)).toThrow(
      "min: axis must be an integer or a list of integers, got a Tensor; min reduces one tensor: use minimum(a, b) for the element-wise minimum of two",
    );
    expect(() => sum([a, b] as never)).toThrow(
      "sum: x must be a Tensor, got an array; sum reduces one tensor: use add(a, b) for the element-wise sum of two",
    );
    expect(() => mean(a, b as never)).toThrow("mean: axis must be an integer or a list of integers, got a Tensor");
  });

  it("mean, max, min and variance refuse an empty axis; sum and logsumexp reduce it", () => {
    const empty = zeros([2, 0]);
    expect(() => mean(empty, 1)).toThrow("mean: axis 1 has size 0, so the mean is undefined (shape [2, 0]); reduce over non-empty axes");
    expect(() => mean(empty)).toThrow("mean: axis 1 has size 0, so the mean is undefined");
    expect(() => max(empty, -1)).toThrow("max: axis 1 has size 0, so the maximum is undefined");
    expect(() => min(empty, [0, 1])).toThrow("min: axis 1 has size 0, so the minimum is undefined");
    expect(() => variance(empty, 1)).toThrow("variance: axis 1 has size 0, so the variance is undefined");
    expect(() => max(zeros([0]))).toThrow("max: axis 0 has size 0, so the maximum is undefined");
    expect(mean(empty, 0).toArray()).toEqual([]);
    expect(sum(empty, 1).toArray()).toEqual([0, 0]);
  });
});

describe("the element functions of comparisons, maximum and minimum", () => {
  afterEach(() => allowGeneratedLoops(true));
  // Every pair of special values, after some ordinary ones.
  const special = [0, -0, 1, -1, Infinity, -Infinity, NaN];
  const x = tensor([...Array.from(awayFromZero([9], 1).data), ...special.flatMap((v) => special.map(() => v))]);
  const y = tensor([...Array.from(awayFromZero([9], 2).data), ...special.flatMap(() => special)]);
  const pairs: Array<[string, Tensor, Tensor]> = [
    ["same shape", x, y],
    ["scalar", x, tensor(NaN)],
    ["column with row", tensor(x.data, { shape: [x.size, 1] }), tensor(special)],
  ];
  const cases = (Object.keys(pairKernels) as PairKernelName[]).flatMap((name) =>
    pairs.map(([label, a, b]) => [`${name}, ${label}`, name, a, b] as const),
  );

  it.each(cases)("%s: the generated and the callback loop agree, NaN and −0 included", (_, name, a, b) => {
    const generated = mapPair(name, a, b);
    allowGeneratedLoops(false);
    const callback = mapPair(name, a, b);
    expect(callback.shape).toEqual(generated.shape);
    expect(Array.from(callback.data)).toEqual(Array.from(generated.data));
  });
});
