import { describe, expect, it } from "vitest";
import {
  add,
  argmax,
  concat,
  exp,
  grad,
  matmul,
  mean,
  reshape,
  softmax,
  sum,
  tanh,
  Tensor,
  tensor,
  transpose,
  valueAndGrad,
  where,
  greater,
} from "../src";

describe("tensor methods", () => {
  const x = tensor([[1, 2], [3, 4]]);
  const W = tensor([[0.5, -1, 2], [1, 0, -0.5]]);
  const b = tensor([0.1, 0.2, 0.3]);

  it("chain as the free functions compose: x.matmul(W).add(b).tanh() is tanh(add(matmul(x, W), b))", () => {
    expect(x.matmul(W).add(b).tanh().toArray()).toEqual(tanh(add(matmul(x, W), b)).toArray());
    // x·W by hand: [[1·0.5 + 2·1, −1, 2 − 1], [1.5 + 4, −3, 6 − 2]] = [[2.5, −1, 1], [5.5, −3, 4]], plus b
    expect(x.matmul(W).add(b).toArray()).toEqual([[2.6, -0.8, 1.3], [5.6, -2.8, 4.3]]);
  });

  it("take the op's other arguments after the tensor: reductions, movement, softmax, selection", () => {
    expect(x.sum().item()).toBe(10);
    expect(x.sum(1).toArray()).toEqual([3, 7]);
    expect(x.sum(0, true).toArray()).toEqual([[4, 6]]);
    expect(x.mean().item()).toBe(2.5);
    expect(x.max(1).toArray()).toEqual([2, 4]);
    expect(x.min().item()).toBe(1);
    expect(x.variance().item()).toBe(1.25);
    expect(x.argmax(1).toArray()).toEqual([1, 1]);
    expect(x.argmax(1).dtype).toBe("int32");
    expect(x.reshape([4]).toArray()).toEqual([1, 2, 3, 4]);
    expect(x.transpose().toArray()).toEqual([[1, 3], [2, 4]]);
    expect(x.broadcastTo([2, 2, 2]).shape).toEqual([2, 2, 2]);
    expect(x.astype("float32").dtype).toBe("float32");
    expect(x.slice([1, 0], [1, 2]).toArray()).toEqual([[3, 4]]);
    expect(x.pad([[0, 0], [1, 0]]).toArray()).toEqual([[0, 1, 2], [0, 3, 4]]);
    expect(x.gather(tensor([1, 0], { dtype: "int32" }), 0).toArray()).toEqual([[3, 4], [1, 2]]);
    expect(x.split(2, 1).map((part) => part.toArray())).toEqual([[[1], [3]], [[2], [4]]]);
    expect(x.softmax(1).toArray()).toEqual(softmax(x, 1).toArray());
    expect(x.clip(2, 3).toArray()).toEqual([[2, 2], [3, 3]]);
    expect(x.maximum(2.5).toArray()).toEqual([[2.5, 2.5], [3, 4]]);
    expect(x.minimum(tensor([2, 3])).toArray()).toEqual([[1, 2], [2, 3]]);
    expect(x.greater(2).toArray()).toEqual([[0, 0], [1, 1]]);
    expect(x.pow(2).toArray()).toEqual([[1, 4], [9, 16]]);
    expect(x.square().sub(1).div(2).neg().toArray()).toEqual([[-0, -1.5], [-4, -7.5]]);
  });

  it("join with others: x.concat(others, axis) and x.stack(others, axis), others one tensor or a list", () => {
    expect(x.concat(x, 0).toArray()).toEqual(concat([x, x], 0).toArray());
    expect(x.concat([x, x], 1).shape).toEqual([2, 6]);
    expect(x.stack([x], 0).shape).toEqual([2, 2, 2]);
    expect(() => x.concat(3 as unknown as Tensor, 0)).toThrow(
      "concat: others must be a Tensor or an array of tensors to join with this one, got 3",
    );
  });

  it("x.where(condition, y) is where(condition, x, y), as PyTorch's x.where", () => {
    expect(x.where(x.greater(2), 0).toArray()).toEqual(where(greater(x, 2), x, 0).toArray());
    expect(x.where(x.greater(2), 0).toArray()).toEqual([[0, 0], [3, 4]]);
  });

  it("are differentiated like the functions they call", () => {
    const [dx] = grad((v: Tensor) => v.square().sum())(tensor([1, 2, 3]));
    expect(dx.toArray()).toEqual([2, 4, 6]);
    const loss = (W: Tensor, b: Tensor) => x.matmul(W).add(b).tanh().mean();
    const byMethods = valueAndGrad(loss)(W, b);
    const byFunctions = valueAndGrad((W: Tensor, b: Tensor) => mean(tanh(add(matmul(x, W), b))))(W, b);
    expect(byMethods.value.item()).toBe(byFunctions.value.item());
    expect(byMethods.grads[0].toArray()).toEqual(byFunctions.grads[0].toArray());
    expect(byMethods.grads[1].toArray()).toEqual(byFunctions.grads[1].toArray());
  });

  it("live on Tensor.prototype, named, not enumerable: a tensor's own keys and its spread are unchanged", () => {
    expect(typeof Tensor.prototype.exp).toBe("function");
    expect(x.exp.name).toBe("exp");
    expect(Object.keys(Tensor.prototype)).toEqual([]);
    expect(Object.keys({ ...x })).not.toContain("exp");
    expect(x.exp().toArray()).toEqual(exp(x).toArray());
  });

  it("report errors as the op does", () => {
    // @ts-expect-error exp takes no argument besides the tensor
    expect(() => x.exp(1)).toThrow("exp: expects 1 input(s) (x), got 2");
    expect(() => x.sum(5)).toThrow(/sum: axis 5 is out of range/);
    expect(() => x.reshape([3])).toThrow(/reshape/);
    expect(() => x.matmul(tensor([1, 2]))).toThrow(/matmul: expects tensors of rank 2 or more/);
  });

  it("are typed from the functions' signatures", () => {
    const kept: Tensor = x.sum(0, true);
    const indices: Tensor = x.argmax(0);
    const parts: Tensor[] = x.split([1, 1], 0);
    const product: Tensor = x.matmul(x, { transposeB: true });
    expect([kept.shape, indices.shape, parts.length, product.shape]).toEqual([[1, 2], [2], 2, [2, 2]]);
    expect(transpose(reshape(x, [1, 4])).shape).toEqual(x.reshape([1, 4]).transpose().shape);
    expect(argmax(x, 0).toArray()).toEqual(indices.toArray());
    expect(sum(x).item()).toBe(x.sum().item());
  });
});
