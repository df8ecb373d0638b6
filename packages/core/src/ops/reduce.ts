import { defineOp } from "../op";
import { reduceAxes } from "../kernels/reduce";
import { normalizeAxes, reducedShape, sizeOf } from "../shape";
import { Tensor } from "../tensor";
import { div, equal, mul } from "./binary";
import { broadcastTo, reshape } from "./movement";

// Reductions over axes. `axis` is one axis, a list, or undefined for all axes; negative
// axes count from the end. With `keepDims` the reduced axes stay with size 1.

interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

function keptShapeOf(x: Tensor, axes: readonly number[]): number[] {
  return reducedShape(x.shape, axes, true);
}

const sumOp = defineOp<ReduceAttrs>({
  name: "sum",
  inputNames: ["x"],
  formula: "out = Σ_axes x",
  vjpFormula: "dx = broadcast(g) over the summed axes",
  forward: ([x], { axes, keepDims }) => {
    const kept = reduceAxes(x, axes, 0, (total, v) => total + v);
    return keepDims ? kept : new Tensor(kept.data, reducedShape(x.shape, axes, false));
  },
  // Every element of x contributed once to its sum: the gradient is g spread back over the reduced axes.
  vjp: (g, { inputs: [x], attrs: { axes } }) => [broadcastTo(reshape(g, keptShapeOf(x, axes)), x.shape)],
});

/**
 * The sum over `axis` (all axes when omitted).
 * @example
 * ```ts
 * const x = tensor([[1, 2, 3], [4, 5, 6]]);
 * sum(x);           // 21, shape []
 * sum(x, 0);        // [5, 7, 9]
 * sum(x, 1, true);  // [[6], [15]]
 * ```
 */
export function sum(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return sumOp.run([x], { axes: normalizeAxes("sum", axis, x.shape), keepDims });
}

/**
 * The mean over `axis` (all axes when omitted): the sum divided by the number of elements summed.
 * @example `mean(tensor([[1, 2], [3, 4]]), 0) // [2, 3]`
 */
export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const axes = normalizeAxes("mean", axis, x.shape);
  const count = sizeOf(axes.map((a) => x.shape[a]));
  return div(sum(x, axes, keepDims), count);
}

const maxOp = defineOp<ReduceAttrs>({
  name: "max",
  inputNames: ["x"],
  formula: "out = max_axes x",
  vjpFormula: "dx = g·[x = out] / (number of ties)",
  forward: ([x], { axes, keepDims }) => {
    const kept = reduceAxes(x, axes, -Infinity, (best, v) => (v > best || Number.isNaN(v) ? v : best));
    return keepDims ? kept : new Tensor(kept.data, reducedShape(x.shape, axes, false));
  },
  // The gradient goes to the maximal elements, shared equally between ties.
  vjp: (g, { inputs: [x], out, attrs: { axes } }) => {
    const kept = keptShapeOf(x, axes);
    const isMax = equal(x, reshape(out, kept));
    const ties = sum(isMax, axes, true);
    return [mul(isMax, div(reshape(g, kept), ties))];
  },
});

/**
 * The maximum over `axis` (all axes when omitted). Its gradient goes to the maximal
 * elements, split equally between ties.
 * @example `max(tensor([[1, 5], [7, 2]]), 1) // [5, 7]`
 */
export function max(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  if (x.size === 0) throw new Error("max: the tensor is empty; a maximum needs at least one element");
  return maxOp.run([x], { axes: normalizeAxes("max", axis, x.shape), keepDims });
}
