import { defineOp } from "../op";
import { gatherAlong, gatheredShape, oneHotOf, scatterAddAlong } from "../kernels/indexing";
import { checkFloatDType, type FloatDType } from "../dtype";
import { checkShape, formatShape, normalizeAxis, shapesEqual, stridesOf, type Shape } from "../shape";
import type { Tensor } from "../tensor";
import { checkTensor } from "../check";

// Indexing by int32 tensors: gather picks slices along an axis, scatterAdd (its adjoint)
// adds slices back at the gathered positions, so each is the other's vjp and second
// order works. Indices are checked against the axis size before the kernels run.

// Axes in attributes may be negative (as the caller gave them): the ops resolve them.
const resolveAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

const gatherOp = defineOp<{ axis: number }>({
  name: "gather",
  inputNames: ["x", "indices"],
  inputKinds: ["value", "index"],
  formula: "out[…, j, …] = x[…, indices[j], …] along axis",
  vjpFormula: "dx = scatterAdd(shape of x, indices, g, axis)",
  acceptsInt32: true,
  forward: ([x, indices], { axis }) => {
    const a = resolveAxis(axis, x.rank);
    checkIndices("gather", indices, x.shape[a], `axis ${a} of size ${x.shape[a]} (shape ${formatShape(x.shape)})`);
    return gatherAlong(x, indices, a);
  },
  vjp: (g, { inputs: [x, indices], attrs: { axis }, needsGrad }) => [
    needsGrad[0] ? scatterAdd([...x.shape], indices, g, axis) : null,
    null,
  ],
});

const scatterAddOp = defineOp<{ shape: number[]; axis: number }>({
  name: "scatterAdd",
  inputNames: ["indices", "updates"],
  inputKinds: ["index", "value"],
  formula: "out = zeros(shape); out[…, indices[j], …] += updates[…, j, …] along axis",
  vjpFormula: "dupdates = gather(g, indices, axis)",
  acceptsInt32: true,
  forward: ([indices, updates], { shape, axis }) => {
    const a = resolveAxis(axis, shape.length);
    checkIndices("scatterAdd", indices, shape[a], `axis ${a} of size ${shape[a]} (shape ${formatShape(shape)})`);
    return scatterAddAlong(shape, indices, updates, a);
  },
  vjp: (g, { inputs: [indices], attrs: { axis }, needsGrad }) => [null, needsGrad[1] ? gather(g, indices, axis) : null],
});

const oneHotOp = defineOp<{ depth: number; dtype: FloatDType }>({
  name: "oneHot",
  inputNames: ["indices"],
  inputKinds: ["index"],
  formula: "out[…, k] = 1 if indices[…] = k else 0",
  vjpFormula: "none (indices are int32)",
  forward: ([indices], { depth, dtype }) => {
    checkIndices("oneHot", indices, depth, `depth ${depth}`);
    return oneHotOf(indices, depth, dtype);
  },
  vjp: () => [null],
});

/**
 * Picks slices of `x` along `axis` at `indices` (int32, of any shape), as numpy.take:
 * the result has shape x.shape[:axis] + indices.shape + x.shape[axis+1:]. Along axis 0
 * of a matrix this is an embedding lookup: one row of `x` per index. Indices may repeat;
 * their gradients add up. Negative indices are refused (as by PyTorch's index_select;
 * numpy.take would count them from the end), and so are indices past the axis.
 * The gradient is `scatterAdd(x.shape, indices, g, axis)`.
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4], [5, 6]]);
 * gather(x, tensor([2, 0, 2], { dtype: "int32" }), 0); // [[5, 6], [1, 2], [5, 6]]
 * gather(x, tensor([[1], [0]], { dtype: "int32" }), 1); // [[[2], [1]], [[4], [3]], [[6], [5]]]
 * ```
 */
export function gather(x: Tensor, indices: Tensor, axis: number): Tensor {
  checkTensor("gather", "x", x);
  checkTensor("gather", "indices", indices);
  normalizeAxis("gather", axis, x.shape);
  return gatherOp.run([x, indices], { axis });
}

/**
 * The adjoint of {@link gather}: zeros of `shape`, with each slice of `updates` added
 * along `axis` at the position its index names; repeated indices accumulate. `updates`
 * has the shape gather would give, shape[:axis] + indices.shape + shape[axis+1:], and
 * indices must lie in 0..shape[axis]−1. Like PyTorch's index_add into zeros (for 1-D
 * indices). The gradient of `updates` is `gather(g, indices, axis)`.
 * @example
 * ```ts
 * const indices = tensor([0, 2, 0], { dtype: "int32" });
 * scatterAdd([3], indices, tensor([1, 2, 3]), 0);                  // [4, 0, 2]
 * scatterAdd([2, 2], tensor([1], { dtype: "int32" }), tensor([[5], [6]]), 1); // [[0, 5], [0, 6]]
 * ```
 */
export function scatterAdd(shape: number[], indices: Tensor, updates: Tensor, axis: number): Tensor {
  checkShape("scatterAdd", shape);
  checkTensor("scatterAdd", "indices", indices);
  checkTensor("scatterAdd", "updates", updates);
  const a = normalizeAxis("scatterAdd", axis, shape);
  const expected = gatheredShape(shape, indices.shape, a);
  if (!shapesEqual(updates.shape, expected)) {
    throw new Error(
      `scatterAdd: updates has shape ${formatShape(updates.shape)}, but gathering indices of shape ` +
        `${formatShape(indices.shape)} along axis ${a} of shape ${formatShape(shape)} gives ${formatShape(expected)}; ` +
        `updates must have the shape gather would give`,
    );
  }
  return scatterAddOp.run([indices, updates], { shape: [...shape], axis });
}

/**
 * One-hot vectors: the result has shape indices.shape + [depth], with a 1 at each index
 * and 0 elsewhere, float64 by default. Indices must lie in 0..depth−1 (as in PyTorch's
 * one_hot; tfjs gives a row of zeros instead). No gradient: the input is int32.
 * @example
 * ```ts
 * oneHot(tensor([0, 2], { dtype: "int32" }), 3); // [[1, 0, 0], [0, 0, 1]]
 * oneHot(tensor([1], { dtype: "int32" }), 2, { dtype: "float32" }); // [[0, 1]], float32
 * ```
 */
export function oneHot(indices: Tensor, depth: number, options: { dtype?: "float32" | "float64" } = {}): Tensor {
  checkTensor("oneHot", "indices", indices);
  if (!Number.isInteger(depth) || depth < 1) {
    throw new Error(`oneHot: depth must be a positive integer (the number of classes), got ${depth}`);
  }
  const dtype = options.dtype ?? "float64";
  checkFloatDType("oneHot", dtype);
  return oneHotOp.run([indices], { depth, dtype });
}

/** Throws unless every index lies in 0..bound−1, naming the first that does not, its position and `range`. */
function checkIndices(opName: string, indices: Tensor, bound: number, range: string): void {
  const index = indices.data;
  for (let k = 0; k < index.length; k++) {
    const value = index[k];
    if (value >= 0 && value < bound) continue;
    const where =
      indices.rank === 0 ? `index ${value} (a scalar)` : `index ${value} at position ${formatShape(positionOf(k, indices.shape))} of indices`;
    if (value < 0) {
      throw new Error(
        `${opName}: ${where} is negative; indices are not counted from the end (PyTorch refuses them too): ` +
          `add ${bound} to a negative index to count from the end`,
      );
    }
    const valid = bound === 0 ? "it is empty, so no index is valid" : `indices must be in 0..${bound - 1}`;
    throw new Error(`${opName}: ${where} is out of range for ${range}; ${valid}`);
  }
}

/** The multi-index of flat position `k` in a contiguous tensor of `shape`. */
function positionOf(k: number, shape: Shape): number[] {
  return stridesOf(shape).map((stride, axis) => Math.floor(k / stride) % shape[axis]);
}
