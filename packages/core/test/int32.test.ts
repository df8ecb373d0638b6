import { describe, expect, it } from "vitest";
import { add, astype, defineOp, exp, grad, matmul, mul, reshape, sum, tensor, transpose, valueAndGrad, zeros, type Tensor } from "../src";
import { gradcheck } from "../src/testing";

describe("int32 tensors: indices and class labels", () => {
  it("are made from whole numbers, and refuse fractions and values beyond int32 instead of truncating", () => {
    const labels = tensor([1, 0, 2], { dtype: "int32" });
    expect(labels.dtype).toBe("int32");
    expect(labels.data).toBeInstanceOf(Int32Array);
    expect(labels.toArray()).toEqual([1, 0, 2]);
    expect(tensor(new Int32Array([4, -5])).dtype).toBe("int32");
    expect(() => tensor([1.5], { dtype: "int32" })).toThrow("tensor: value 1.5 at flat index 0 is not an int32");
    expect(() => tensor([2 ** 31], { dtype: "int32" })).toThrow(/value 2147483648 at flat index 0 is not an int32/);
    expect(() => zeros([2], { dtype: "int32" }).data).not.toThrow();
  });

  it("are refused by arithmetic with a message that says to convert", () => {
    const labels = tensor([1, 0, 2], { dtype: "int32" });
    expect(() => add(labels, 1)).toThrow(
      "add: input 0 ('x') is int32, which holds indices and labels and takes no part in arithmetic or gradients; convert it with astype(x, 'float64') (or 'float32') first",
    );
    expect(() => exp(labels)).toThrow(/exp: input 0 \('x'\) is int32/);
    expect(() => matmul(reshape(labels, [1, 3]), reshape(labels, [3, 1]))).toThrow(/matmul: input 0 \('a'\) is int32/);
  });

  it("move through reshape and transpose, and astype converts both ways (toward zero, as numpy does)", () => {
    const labels = tensor([[1, 2, 3]], { dtype: "int32" });
    expect(transpose(labels).dtype).toBe("int32");
    expect(transpose(labels).toArray()).toEqual([[1], [2], [3]]);
    expect(astype(labels, "float64").toArray()).toEqual([[1, 2, 3]]);
    expect(astype(tensor([-1.7, 2.9]), "int32").toArray()).toEqual([-1, 2]);
  });

  it("are never differentiated: their gradient is null, and they do not stop gradients of float arguments", () => {
    const scaleByLabel = (x: Tensor, labels: Tensor) => sum(mul(x, astype(labels, "float64")));
    const { value, grads } = valueAndGrad(scaleByLabel)(tensor([1, 1, 1]), tensor([1, 0, 2], { dtype: "int32" }));
    expect(value.item()).toBe(3);
    expect(grads[0].toArray()).toEqual([1, 0, 2]); // ∂/∂x Σ x·label = label
    expect(grads[1]).toBeNull();
    const [dx] = grad((x: Tensor, labels: Tensor) => sum(mul(mul(x, x), astype(labels, "float64"))))(tensor([3]), tensor([2], { dtype: "int32" }));
    expect(dx.toArray()).toEqual([12]);
  });

  it("an op's 'index' input must be int32, and gradcheck passes int32 inputs through unchecked", () => {
    const pick = defineOp({
      name: "pickFirstTest",
      inputNames: ["x", "indices"],
      inputKinds: ["value", "index"],
      formula: "out = x[indices[0]]",
      vjpFormula: "dx = g at indices[0]",
      forward: ([x, indices]) => tensor([x.data[indices.data[0]]]),
      vjp: (g, { inputs: [x, indices] }) => {
        const onehot = zeros(x.shape);
        onehot.data[indices.data[0]] = 1;
        return [mul(onehot, g), null];
      },
    });
    expect(() => pick(tensor([1, 2]), tensor([0]))).toThrow(
      "pickFirstTest: input 1 ('indices') holds indices and must be int32, got float64; make it with tensor(values, { dtype: 'int32' }) or astype(x, 'int32')",
    );
    const result = gradcheck((x, i) => pick(x, i), [tensor([5, 6, 7]), tensor([2], { dtype: "int32" })]);
    expect(result.ok, result.summary).toBe(true);
    expect(result.inputs.map((row) => row.index)).toEqual([0]);
  });
});
