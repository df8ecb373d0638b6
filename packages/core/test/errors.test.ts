import { describe, expect, it } from "vitest";
import {
  add,
  broadcastTo,
  grad,
  matmul,
  mul,
  pow,
  reshape,
  softmax,
  softmaxCrossEntropy,
  sum,
  tensor,
  transpose,
  valueAndGrad,
  zeros,
  type Tensor,
} from "../src";

describe("errors a user can act on", () => {
  it("shape mismatch names the op and both shapes", () => {
    expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(
      "add: shapes [2, 3] and [4] cannot be broadcast together (axis -1 has size 3 in one and 4 in the other)",
    );
    expect(() => mul(zeros([2, 3]), zeros([3, 3]))).toThrow(/^mul: shapes \[2, 3\] and \[3, 3\] cannot be broadcast/);
    expect(() => broadcastTo(zeros([3]), [2, 4])).toThrow(/broadcastTo: shapes \[3\] and \[2, 4\] cannot be broadcast/);
    expect(() => broadcastTo(zeros([2, 1]), [1, 3])).toThrow("broadcastTo: a tensor of shape [2, 1] cannot be broadcast to [1, 3]");
  });

  it("matmul explains inner dimensions and rank", () => {
    expect(() => matmul(zeros([2, 3]), zeros([4, 5]))).toThrow(
      "matmul: inner dimensions do not match: a has shape [2, 3] and b has shape [4, 5], so a·b would multiply 3 columns by 4 rows",
    );
    expect(() => matmul(zeros([3]), zeros([3, 1]))).toThrow(
      "matmul: expects tensors of rank 2 or more (matrices, or batches of them), got a tensor of rank 1 (shape [3]) as input 0 ('a'); reshape a vector of n values to [1, n] (a row) or [n, 1] (a column)",
    );
    expect(() => matmul(zeros([2, 3]), zeros([2, 3]), { transposeB: true, transposeA: true })).toThrow(/aᵀ·bᵀ would multiply 2 columns by 3 rows/);
  });

  it("a bad axis says which axes are valid", () => {
    expect(() => sum(zeros([2, 3]), 2)).toThrow("sum: axis 2 is out of range for a tensor of rank 2 (shape [2, 3]); valid axes are -2..1");
    expect(() => softmax(zeros([4]), -2)).toThrow(/logSoftmax: axis -2 is out of range/);
    expect(() => sum(zeros([2, 3]), [1, -1])).toThrow(/names the same axis twice/);
    expect(() => sum(tensor(1), 0)).toThrow(/a scalar has no axes/);
  });

  it("reshape and transpose name both shapes", () => {
    expect(() => reshape(zeros([2, 3]), [4, 2])).toThrow("reshape: cannot reshape a tensor of shape [2, 3] (6 elements) to [4, 2]");
    expect(() => transpose(zeros([2, 3, 4]), [0, 1])).toThrow("transpose: [0,1] is not a permutation of the 3 axes of shape [2, 3, 4]");
  });

  it("mixing dtypes is refused, with the fix", () => {
    expect(() => add(zeros([2]), zeros([2], { dtype: "float32" }))).toThrow(
      "add: inputs have different dtypes (float64 and float32 for input 1 ('y')); tapegrad does not promote dtypes implicitly: convert one with astype(x, 'float64')",
    );
  });

  it("the gradient of a non-scalar says how to get a scalar", () => {
    expect(() => grad((x: Tensor) => mul(x, 2))(zeros([3, 2]))).toThrow(
      "valueAndGrad: the function returned a tensor of shape [3, 2], but a gradient needs a scalar; reduce it (for example with sum or mean), or use vjp(f, ...) and pass a cotangent",
    );
    expect(() => valueAndGrad(() => 3 as never)()).toThrow(/the function returned 3; it must return a scalar Tensor/);
  });

  it("losses require targets of the prediction's shape", () => {
    expect(() => softmaxCrossEntropy(zeros([4, 3]), zeros([4]))).toThrow(
      "softmaxCrossEntropy: targets of shape [4] do not match logits of shape [4, 3]; they must have the same shape",
    );
    expect(() => softmaxCrossEntropy(zeros([2, 2]), zeros([2, 2]), { axis: 1, reduction: "avg" as never })).toThrow(/reduction must be 'mean', 'sum' or 'none'/);
  });

  it("an op given a non-tensor says what it got", () => {
    expect(() => add([1, 2] as never, 1)).toThrow("add: input 0 ('x') is an array (wrap it with tensor()); expected a Tensor or a number");
    expect(() => pow(zeros([2]), "2" as never)).toThrow(/pow: the exponent must be a number/);
  });
});
