import { defineOp, type Op } from "../op";
import { expandTo, permuteAxes } from "../kernels/layout";
import {
  broadcastShapes,
  checkPermutation,
  checkShape,
  describeValue,
  formatShape,
  inversePermutation,
  reductionAxes,
  resolveReshape,
  shapesEqual,
  type Shape,
} from "../shape";
import { checkTensor } from "../check";
import { allocate, checkDType, type DType } from "../dtype";
import { Tensor } from "../tensor";
import { sum } from "./reduce";

// Ops that move or copy values without arithmetic, and the one place where a broadcast
// gradient is summed back to its input's shape.

/**
 * Sums a gradient `g` over the axes along which a tensor of `shape` was broadcast, giving
 * a gradient of `shape`. Every broadcasting op's vjp goes through here.
 * @example `unbroadcast(ones([2, 3]), [3]) // [2, 2, 2]`
 */
export function unbroadcast(g: Tensor, shape: Shape): Tensor {
  checkTensor("unbroadcast", "g", g);
  checkShape("unbroadcast", shape);
  if (shapesEqual(g.shape, shape)) return g;
  return reshape(sum(g, reductionAxes(shape, g.shape), true), shape);
}

/**
 * The same tensor as a new node on the tape; gradients pass through unchanged.
 * @example `identity(tensor([1, 2])) // [1, 2], a new node`
 */
export const identity: Op = defineOp({
  name: "identity",
  inputNames: ["x"],
  formula: "out = x",
  vjpFormula: "dx = g",
  acceptsInt32: true,
  forward: ([x]) => x,
  vjp: (g) => [g],
});

const reshapeOp = defineOp<{ shape: number[] }>({
  name: "reshape",
  inputNames: ["x"],
  formula: "out = reshape(x, shape)",
  vjpFormula: "dx = reshape(g, shape of x)",
  acceptsInt32: true,
  forward: ([x], { shape }) => new Tensor(x.data, shape),
  vjp: (g, { inputs: [x] }) => [reshape(g, x.shape)],
});

/**
 * The same values in a new shape with as many elements (row-major order); one axis may
 * be -1, inferred. Shares memory with `x` (tensors are immutable).
 * @example `reshape(tensor([1, 2, 3, 4, 5, 6]), [2, -1]) // [[1, 2, 3], [4, 5, 6]]`
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  checkTensor("reshape", "x", x);
  if (!Array.isArray(shape)) throw new Error(`reshape: shape must be a list of integers (one of them may be -1), got ${describeValue(shape)}`);
  const resolved = resolveReshape("reshape", x.shape, shape);
  if (shapesEqual(resolved, x.shape)) return x;
  return reshapeOp.run([x], { shape: resolved });
}

const transposeOp = defineOp<{ perm: number[] }>({
  name: "transpose",
  inputNames: ["x"],
  formula: "out = permute(x, perm)",
  vjpFormula: "dx = permute(g, perm⁻¹)",
  acceptsInt32: true,
  forward: ([x], { perm }) => permuteAxes(x, perm),
  vjp: (g, { attrs: { perm } }) => [transpose(g, inversePermutation(perm))],
});

/**
 * Permutes the axes: output axis i is input axis `perm[i]`. Without `perm`, reverses the
 * axes, which for a matrix is the usual transpose.
 * @example
 * ```ts
 * transpose(tensor([[1, 2, 3], [4, 5, 6]]));   // [[1, 4], [2, 5], [3, 6]]
 * transpose(zeros([2, 3, 4]), [1, 0, 2]).shape; // [3, 2, 4]
 * ```
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor("transpose", "x", x);
  if (perm !== undefined && !Array.isArray(perm)) {
    throw new Error(`transpose: perm must be a list of axes (a permutation of 0..${x.rank - 1}), or omitted to reverse them, got ${describeValue(perm)}`);
  }
  const resolved = checkPermutation("transpose", perm ?? x.shape.map((_, i) => x.rank - 1 - i), x.shape);
  return transposeOp.run([x], { perm: resolved });
}

const broadcastToOp = defineOp<{ shape: number[] }>({
  name: "broadcastTo",
  inputNames: ["x"],
  formula: "out = broadcast(x, shape)",
  vjpFormula: "dx = unbroadcast(g) (summed over the broadcast axes)",
  acceptsInt32: true,
  forward: ([x], { shape }) => expandTo(x, shape),
  vjp: (g, { inputs: [x] }) => [unbroadcast(g, x.shape)],
});

/**
 * Repeats `x` along axes of size 1 (and new leading axes) to fill `shape`, by numpy's
 * broadcasting rule.
 * @example `broadcastTo(tensor([1, 2]), [2, 2]) // [[1, 2], [1, 2]]`
 */
export function broadcastTo(x: Tensor, shape: Shape): Tensor {
  checkTensor("broadcastTo", "x", x);
  checkShape("broadcastTo", shape);
  const target = [...shape];
  if (!shapesEqual(broadcastShapes("broadcastTo", x.shape, target), target)) {
    throw new Error(`broadcastTo: a tensor of shape ${formatShape(x.shape)} cannot be broadcast to ${formatShape(target)}`);
  }
  if (shapesEqual(x.shape, target)) return x;
  return broadcastToOp.run([x], { shape: target });
}

const astypeOp = defineOp<{ dtype: DType }>({
  name: "astype",
  inputNames: ["x"],
  formula: "out = x converted to dtype",
  vjpFormula: "dx = g converted back to the dtype of x",
  acceptsInt32: true,
  forward: ([x], { dtype }) => {
    const out = allocate(dtype, x.size);
    out.set(x.data);
    return new Tensor(out, x.shape);
  },
  vjp: (g, { inputs: [x] }) => [astype(g, x.dtype)],
});

/**
 * The same values in another dtype. Ops never mix dtypes: convert explicitly with this.
 * @example `astype(tensor([1.5]), "float32").dtype // "float32"`
 */
export function astype(x: Tensor, dtype: DType): Tensor {
  checkTensor("astype", "x", x);
  checkDType("astype", dtype);
  if (x.dtype === dtype) return x;
  return astypeOp.run([x], { dtype });
}
