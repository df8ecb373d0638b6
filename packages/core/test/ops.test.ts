import { describe, expect, it } from "vitest";
import {
  add,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  broadcastTo,
  div,
  exp,
  grad,
  logSoftmax,
  matmul,
  max,
  mean,
  mse,
  mul,
  pow,
  relu,
  reshape,
  sigmoid,
  softmax,
  softmaxCrossEntropy,
  sqrt,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  zeros,
  type Tensor,
} from "../src";
import { assertAllClose } from "../src/testing";

const close = (actual: Tensor, expected: number[] | number[][] | number, rtol = 1e-12) =>
  assertAllClose(actual, tensor(expected), { atol: 1e-12, rtol });

describe("broadcasting, computed by hand", () => {
  it("adds a column and a row into a matrix", () => {
    const column = tensor([[1], [2], [3]]);
    const row = tensor([10, 20]);
    expect(add(column, row).toArray()).toEqual([[11, 21], [12, 22], [13, 23]]);
  });

  it("sums the gradient back over the broadcast axes", () => {
    // f = Σ_ij (c_i · r_j) · w_ij with w = [[1, 2], [3, 4], [5, 6]]:
    // ∂f/∂c_i = Σ_j r_j w_ij, ∂f/∂r_j = Σ_i c_i w_ij.
    const c = tensor([[1], [2], [3]]);
    const r = tensor([10, 20]);
    const w = tensor([[1, 2], [3, 4], [5, 6]]);
    const [dc, dr] = grad((c: Tensor, r: Tensor) => sum(mul(mul(c, r), w)))(c, r);
    expect(dc.toArray()).toEqual([[10 * 1 + 20 * 2], [10 * 3 + 20 * 4], [10 * 5 + 20 * 6]]);
    expect(dr.toArray()).toEqual([1 * 1 + 2 * 3 + 3 * 5, 1 * 2 + 2 * 4 + 3 * 6]);
  });

  it("takes numbers as scalars of the tensor's dtype", () => {
    const x = tensor([1, 2], { dtype: "float32" });
    expect(sub(1, x).toArray()).toEqual([0, -1]);
    expect(div(x, 2).dtype).toBe("float32");
  });

  it("broadcastTo repeats along new and size-1 axes", () => {
    expect(broadcastTo(tensor([[1], [2]]), [2, 3]).toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(broadcastTo(tensor(7), [2]).toArray()).toEqual([7, 7]);
  });
});

describe("matmul", () => {
  const a = tensor([[1, 2, 3], [4, 5, 6]]);
  const b = tensor([[7, 8], [9, 10], [11, 12]]);

  it("multiplies matrices", () => {
    expect(matmul(a, b).toArray()).toEqual([[58, 64], [139, 154]]);
  });

  it("takes transposed operands without changing the result", () => {
    const expected = matmul(a, b).toArray();
    expect(matmul(transpose(a), b, { transposeA: true }).toArray()).toEqual(expected);
    expect(matmul(a, transpose(b), { transposeB: true }).toArray()).toEqual(expected);
    expect(matmul(transpose(a), transpose(b), { transposeA: true, transposeB: true }).toArray()).toEqual(expected);
  });

  it("has the gradients dA = g·Bᵀ and dB = Aᵀ·g", () => {
    const [dA, dB] = grad((a: Tensor, b: Tensor) => sum(matmul(a, b)))(a, b);
    // g is all ones: dA_ik = Σ_j B_kj, dB_kj = Σ_i A_ik.
    expect(dA.toArray()).toEqual([[15, 19, 23], [15, 19, 23]]);
    expect(dB.toArray()).toEqual([[5, 5], [7, 7], [9, 9]]);
  });
});

describe("reductions", () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]]);

  it("sum and mean over all axes, one axis, several axes, negative axes, keepDims", () => {
    expect(sum(x).toArray()).toBe(21);
    expect(sum(x).shape).toEqual([]);
    expect(sum(x, 0).toArray()).toEqual([5, 7, 9]);
    expect(sum(x, -1, true).toArray()).toEqual([[6], [15]]);
    expect(sum(x, [0, 1], true).toArray()).toEqual([[21]]);
    expect(mean(x, 1).toArray()).toEqual([2, 5]);
    expect(mean(x).item()).toBe(3.5);
  });

  it("max picks the largest and splits its gradient equally between ties", () => {
    const t = tensor([[1, 3, 3], [7, 2, 0]]);
    expect(max(t, 1).toArray()).toEqual([3, 7]);
    const [dt] = grad((t: Tensor) => sum(max(t, 1)))(t);
    expect(dt.toArray()).toEqual([[0, 0.5, 0.5], [1, 0, 0]]);
    const [dAll] = grad((t: Tensor) => max(t))(tensor([2, 5, 5, 5]));
    expect(dAll.toArray()).toEqual([0, 1 / 3, 1 / 3, 1 / 3]);
  });

  it("reduces a 3-D tensor over its middle axis", () => {
    const t = reshape(tensor(Array.from({ length: 24 }, (_, i) => i)), [2, 3, 4]);
    expect(sum(t, 1).toArray()).toEqual([
      [12, 15, 18, 21],
      [48, 51, 54, 57],
    ]);
  });
});

describe("element-wise functions and their closed-form derivatives", () => {
  it("sigmoid is exact at 0 and does not overflow at ±1000", () => {
    expect(sigmoid(tensor([0, 1000, -1000, 40])).toArray()).toEqual([0.5, 1, 0, 1 / (1 + Math.exp(-40))]);
    const [d] = grad((x: Tensor) => sum(sigmoid(x)))(tensor([0, 1000, -1000]));
    expect(d.toArray()).toEqual([0.25, 0, 0]);
  });

  it("tanh′ = 1 − tanh², relu′ = step with 0 at 0", () => {
    const x = tensor([-2, 0, 0.5]);
    close(grad((x: Tensor) => sum(tanh(x)))(x)[0], [-2, 0, 0.5].map((v) => 1 - Math.tanh(v) ** 2));
    expect(grad((x: Tensor) => sum(relu(x)))(tensor([-1, 0, 2]))[0].toArray()).toEqual([0, 0, 1]);
  });

  it("pow, sqrt and exp", () => {
    close(pow(tensor([2, 3]), 3), [8, 27]);
    close(grad((x: Tensor) => sum(pow(x, 3)))(tensor([2, 3]))[0], [12, 27]);
    close(grad((x: Tensor) => sum(sqrt(x)))(tensor([4]))[0], [0.25]);
    close(grad((x: Tensor) => sum(exp(x)))(tensor([0, 1]))[0], [1, Math.E]);
  });
});

describe("softmax and logSoftmax", () => {
  it("are stable for large logits and normalised along the axis", () => {
    const z = tensor([[1000, 1000], [-1000, 0]]);
    close(softmax(z, 1), [[0.5, 0.5], [0, 1]]);
    close(logSoftmax(z, 1), [[-Math.log(2), -Math.log(2)], [-1000, 0]]);
    close(sum(softmax(tensor([[1, 2], [3, 5]]), 0), 0), [1, 1]);
  });

  it("softmax's vjp equals the full Jacobian product (diag(a) − a·aᵀ)ᵀ·g", () => {
    const z = tensor([[0.3, -1.2, 2.0]]);
    const g = tensor([[1, -2, 0.5]]);
    const a = softmax(z, 1).toArray() as number[][];
    const expected = [0, 1, 2].map((j) => [0, 1, 2].reduce((acc, i) => acc + ((i === j ? a[0][i] : 0) - a[0][i] * a[0][j]) * [1, -2, 0.5][i], 0));
    const [dz] = grad((z: Tensor) => sum(mul(softmax(z, 1), g)))(z);
    close(dz, [expected], 1e-10);
  });
});

describe("losses", () => {
  it("binaryCrossEntropy is −[y log p + (1 − y) log(1 − p)], averaged", () => {
    const p = tensor([0.9, 0.2]);
    const y = tensor([1, 0]);
    close(binaryCrossEntropy(p, y), (-Math.log(0.9) - Math.log(0.8)) / 2);
    close(binaryCrossEntropy(p, y, { reduction: "sum" }), -Math.log(0.9) - Math.log(0.8));
    close(binaryCrossEntropy(p, y, { reduction: "none" }), [-Math.log(0.9), -Math.log(0.8)]);
  });

  it("binaryCrossEntropyWithLogits equals binaryCrossEntropy of σ(z), and stays finite at ±1000", () => {
    const z = tensor([-2, 0.5, 3]);
    const y = tensor([0, 1, 1]);
    close(binaryCrossEntropyWithLogits(z, y), binaryCrossEntropy(sigmoid(z), y).item(), 1e-12);
    close(binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([1, 0])), 0);
    close(binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([0, 1]), { reduction: "none" }), [1000, 1000]);
  });

  it("binaryCrossEntropyWithLogits has gradient (σ(z) − y)/m, also at z = 0", () => {
    const z = tensor([0, 2, -1]);
    const y = tensor([1, 0, 1]);
    const [dz] = grad((z: Tensor) => binaryCrossEntropyWithLogits(z, y))(z);
    close(dz, [0, 2, -1].map((v, i) => (1 / (1 + Math.exp(-v)) - [1, 0, 1][i]) / 3), 1e-12);
  });

  it("softmaxCrossEntropy sums over the class axis and averages over examples, in both layouts", () => {
    const zRows = tensor([[2, 1, 0], [0, 0, 0]]);
    const yRows = tensor([[1, 0, 0], [0, 0, 1]]);
    const l0 = -(2 - Math.log(Math.exp(2) + Math.exp(1) + 1));
    const l1 = Math.log(3);
    close(softmaxCrossEntropy(zRows, yRows, { axis: 1, reduction: "none" }), [l0, l1]);
    close(softmaxCrossEntropy(zRows, yRows, { axis: 1 }), (l0 + l1) / 2);
    close(softmaxCrossEntropy(transpose(zRows), transpose(yRows), { axis: 0 }), (l0 + l1) / 2);
    close(softmaxCrossEntropy(zRows, yRows, { axis: 1, reduction: "sum" }), l0 + l1);
  });

  it("softmaxCrossEntropy's gradient is (softmax(z) − y)/m and it is finite for huge logits", () => {
    const z = tensor([[1000, 0], [0, 1000]]);
    const y = tensor([[0, 1], [0, 1]]);
    close(softmaxCrossEntropy(z, y, { axis: 1 }), 500);
    const [dz] = grad((z: Tensor) => softmaxCrossEntropy(z, y, { axis: 1 }))(z);
    close(dz, [[0.5, -0.5], [0, 0]]);
  });

  it("mse is the mean of squared differences", () => {
    close(mse(tensor([1, 2]), tensor([1, 4])), 2);
    close(mse(tensor([1, 2]), tensor([1, 4]), { reduction: "none" }), [0, 4]);
    close(grad((p: Tensor) => mse(p, tensor([1, 4])))(tensor([1, 2]))[0], [0, -2]);
  });

  it("mse of identical tensors is 0", () => {
    close(mse(zeros([2, 2]), zeros([2, 2])), 0);
  });
});
