import { defineOp, type Op } from "../op";
import { largerOf, logSumExpAxes, reduceAxes, smallerOf } from "../kernels/reduce";
import { checkKeepDims, checkNonEmptyAxes, normalizeAxes, notATensor, reducedShape, sizeOf } from "../shape";
import { Tensor } from "../tensor";
import { div, equal, mul, sub } from "./binary";
import { exp, square } from "./elementwise";
import { broadcastTo, reshape } from "./movement";

// Reductions over axes. `axis` is one axis, a list, or undefined for all axes; negative
// axes count from the end. With `keepDims` the reduced axes stay with size 1.

interface ReduceAttrs {
  axes: number[];
  keepDims: boolean;
}

/** The reduction's result: its kept-dims form as it is, or with the reduced axes removed. */
function withKeepDims(kept: Tensor, x: Tensor, { axes, keepDims }: ReduceAttrs): Tensor {
  return keepDims ? kept : new Tensor(kept.data, reducedShape(x.shape, axes, false));
}

/** g (or the output) reshaped to keep the reduced axes with size 1, so that it broadcasts against x. */
function kept(t: Tensor, x: Tensor, axes: readonly number[]): Tensor {
  return reshape(t, reducedShape(x.shape, axes, true));
}

const sumOp = defineOp<ReduceAttrs>({
  name: "sum",
  inputNames: ["x"],
  formula: "out = Σ_axes x",
  vjpFormula: "dx = broadcast(g) over the summed axes",
  forward: ([x], attrs) => withKeepDims(reduceAxes(x, attrs.axes, 0, (total, v) => total + v), x, attrs),
  // Every element of x contributed once to its sum: the gradient is g spread back over the reduced axes.
  vjp: (g, { inputs: [x], attrs: { axes } }) => [broadcastTo(kept(g, x, axes), x.shape)],
});

/**
 * The max or min reduction: the gradient goes to the extremal elements, shared equally
 * between ties (as PyTorch's amax and amin do).
 */
function extremumOp(name: "max" | "min", combine: (best: number, v: number) => number): Op<ReduceAttrs> {
  return defineOp<ReduceAttrs>({
    name,
    inputNames: ["x"],
    formula: `out = ${name}_axes x`,
    vjpFormula: "dx = g·[x = out] / (number of ties)",
    forward: ([x], attrs) =>
      withKeepDims(reduceAxes(x, attrs.axes, name === "max" ? -Infinity : Infinity, combine), x, attrs),
    vjp: (g, { inputs: [x], out, attrs: { axes } }) => {
      const isExtreme = equal(x, kept(out, x, axes));
      const ties = sum(isExtreme, axes, true);
      return [mul(isExtreme, div(kept(g, x, axes), ties))];
    },
  });
}

const maxOp = extremumOp("max", largerOf);
const minOp = extremumOp("min", smallerOf);

const logsumexpOp = defineOp<ReduceAttrs>({
  name: "logsumexp",
  inputNames: ["x"],
  formula: "out = log Σ_axes eˣ",
  vjpFormula: "dx = g·e^(x − out) = g·softmax(x) along the axes",
  forward: ([x], attrs) => withKeepDims(logSumExpAxes(x, attrs.axes), x, attrs),
  vjp: (g, { inputs: [x], out, attrs: { axes } }) => [mul(kept(g, x, axes), exp(sub(x, kept(out, x, axes))))],
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
  return sumOp.run([x], reduceAttrs("sum", x, axis, keepDims));
}

/**
 * The mean over `axis` (all axes when omitted): the sum divided by the number of elements
 * summed. The mean over an axis of size 0 is an error (numpy and PyTorch give NaN).
 * @example `mean(tensor([[1, 2], [3, 4]]), 0) // [2, 3]`
 */
export function mean(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const attrs = reduceAttrs("mean", x, axis, keepDims, "the mean");
  return div(sumOp.run([x], attrs), sizeOf(attrs.axes.map((a) => x.shape[a])));
}

/**
 * The maximum over `axis` (all axes when omitted). Its gradient goes to the maximal
 * elements, split equally between ties (PyTorch's amax); NaN propagates. For the
 * element-wise maximum of two tensors, use `maximum(a, b)`.
 * @example `max(tensor([[1, 5], [7, 2]]), 1) // [5, 7]`
 */
export function max(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return maxOp.run([x], reduceAttrs("max", x, axis, keepDims, "the maximum"));
}

/**
 * The minimum over `axis` (all axes when omitted). Its gradient goes to the minimal
 * elements, split equally between ties (PyTorch's amin); NaN propagates. For the
 * element-wise minimum of two tensors, use `minimum(a, b)`.
 * @example `min(tensor([[1, 5], [7, 2]]), 1) // [1, 2]`
 */
export function min(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return minOp.run([x], reduceAttrs("min", x, axis, keepDims, "the minimum"));
}

/**
 * log Σ exp(x) over `axis` (all axes when omitted), computed stably: each slice is shifted
 * by its maximum, so `logsumexp(tensor([1000, 1000]))` is 1000 + log 2, not ∞. A slice of
 * all −∞ (or an empty one) gives −∞, as in PyTorch. Its gradient is g·softmax(x) along the
 * axes (NaN on an all −∞ slice, as in PyTorch).
 * @example `logsumexp(tensor([[0, 0], [1000, 1000]]), 1) // [log 2, 1000 + log 2]`
 */
export function logsumexp(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  return logsumexpOp.run([x], reduceAttrs("logsumexp", x, axis, keepDims));
}

/**
 * The population variance over `axis` (all axes when omitted): the mean of (x − mean(x))²,
 * dividing by N (numpy's default ddof=0; PyTorch's `correction=0`, `unbiased=False`, where
 * torch.var divides by N − 1 by default). Its gradient is 2(x − mean)/N·g.
 * @example `variance(tensor([1, 2, 3, 4])) // 1.25`
 */
export function variance(x: Tensor, axis?: number | readonly number[], keepDims = false): Tensor {
  const { axes } = reduceAttrs("variance", x, axis, keepDims, "the variance");
  const centred = sub(x, mean(x, axes, true));
  return mean(square(centred), axes, keepDims);
}

/** For a reduction given two tensors: the element-wise op that was meant. */
const pairwiseHints: Record<string, string> = {
  sum: "add(a, b) for the element-wise sum of two",
  max: "maximum(a, b) for the element-wise maximum of two",
  min: "minimum(a, b) for the element-wise minimum of two",
};

/**
 * Checks a reduction's arguments and resolves its axes, naming the op: `x` a Tensor, `axis`
 * an integer or a list of them, `keepDims` a boolean; with `what` (the mean, the maximum),
 * no reduced axis may be empty.
 */
function reduceAttrs(
  opName: string,
  x: Tensor,
  axis: number | readonly number[] | undefined,
  keepDims: boolean,
  what?: string,
): ReduceAttrs {
  const pairwise = pairwiseHints[opName];
  const reducesOne = pairwise === undefined ? "" : `; ${opName} reduces one tensor: use ${pairwise}`;
  const given: unknown = x;
  const isTensorList = Array.isArray(given) && given.some((item) => item instanceof Tensor);
  if (!(x instanceof Tensor)) throw notATensor(opName, "x", x, isTensorList ? reducesOne : "");
  if ((axis as unknown) instanceof Tensor) {
    throw new Error(`${opName}: axis must be an integer or a list of integers, got a Tensor${reducesOne}`);
  }
  checkKeepDims(opName, keepDims);
  const axes = normalizeAxes(opName, axis, x.shape);
  if (what !== undefined) checkNonEmptyAxes(opName, x.shape, axes, what);
  return { axes, keepDims };
}
