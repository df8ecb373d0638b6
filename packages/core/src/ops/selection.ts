import { defineOp, type Op } from "../op";
import { argExtremum } from "../kernels/reduce";
import { clipValues, mapPair, selectWhere } from "../kernels/selection";
import { checkNonEmptyAxes, describeValue, normalizeAxis, notATensor } from "../shape";
import { Tensor } from "../tensor";
import { equal, greater, less, mul, sub } from "./binary";
import { unbroadcast } from "./movement";

// Ops that select between values: a condition's choice, the larger or smaller of two, a
// value clipped into an interval, and the index of a slice's extreme. Gradients flow to
// the values selected and are summed back to each input's shape with `unbroadcast`.

/**
 * a where `condition` is nonzero, else b, element-wise with the three broadcast together
 * (numpy.where, torch.where). The condition may be of any dtype (0/1 floats, int32); it
 * gets no gradient. a's gradient is g where the condition holds and 0 elsewhere, b's the
 * rest, each summed back to its input's shape.
 * @example `where(tensor([1, 0, 1]), tensor([1, 2, 3]), 0) // [1, 0, 3]`
 */
export const where: Op = defineOp({
  name: "where",
  inputNames: ["condition", "a", "b"],
  inputKinds: ["mask", "value", "value"],
  acceptsInt32: true,
  formula: "out = a if condition ≠ 0 else b",
  vjpFormula: "da = unbroadcast(g·[condition ≠ 0]), db = unbroadcast(g·[condition = 0])",
  forward: ([condition, a, b]) => selectWhere("where", condition, a, b),
  vjp: (g, { inputs: [condition, a, b], needsGrad }) => [
    null,
    needsGrad[1] ? unbroadcast(where(condition, g, 0), a.shape) : null,
    needsGrad[2] ? unbroadcast(where(condition, 0, g), b.shape) : null,
  ],
});

/**
 * maximum or minimum of two tensors. The input that wins gets g, the other 0, and at a
 * tie each gets g/2 (PyTorch); written as g·(1 − [loses] − ½[a = b]), which also gives g
 * to both where one is NaN, as PyTorch does.
 */
function pairwiseExtremumOp(name: "maximum" | "minimum", loses: Op): Op {
  return defineOp({
    name,
    inputNames: ["a", "b"],
    formula: `out = ${name === "maximum" ? "max" : "min"}(a, b)`,
    vjpFormula: `da = unbroadcast(g·(1 − [a ${name === "maximum" ? "<" : ">"} b] − ½[a = b])), db likewise with a and b swapped`,
    forward: ([a, b]) => mapPair(name, a, b),
    vjp: (g, { inputs: [a, b], needsGrad }) => {
      const halfAtTies = mul(equal(a, b), 0.5);
      const share = (lost: Tensor) => mul(g, sub(sub(1, lost), halfAtTies));
      return [
        needsGrad[0] ? unbroadcast(share(loses(a, b)), a.shape) : null,
        needsGrad[1] ? unbroadcast(share(loses(b, a)), b.shape) : null,
      ];
    },
  });
}

/**
 * The element-wise maximum of a and b, broadcasting; NaN if either is NaN (numpy, PyTorch).
 * The larger input gets the gradient; at a tie each gets half (PyTorch). To reduce one
 * tensor over an axis, use `max(x, axis)`.
 * @example `maximum(tensor([1, 5, 3]), tensor([4, 2, 3])) // [4, 5, 3]`
 */
export const maximum: Op = pairwiseExtremumOp("maximum", less);

/**
 * The element-wise minimum of a and b, broadcasting; NaN if either is NaN (numpy, PyTorch).
 * The smaller input gets the gradient; at a tie each gets half (PyTorch). To reduce one
 * tensor over an axis, use `min(x, axis)`.
 * @example `minimum(tensor([1, 5, 3]), 2) // [1, 2, 2]`
 */
export const minimum: Op = pairwiseExtremumOp("minimum", greater);

const clipOp = defineOp<{ min: number; max: number }>({
  name: "clip",
  inputNames: ["x"],
  formula: "out = min(max(x, min), max)",
  // out equals x exactly on the closed interval min ≤ x ≤ max, and NaN equals nothing.
  vjpFormula: "dx = g·[out = x], i.e. g on min ≤ x ≤ max, 0 outside",
  forward: ([x], { min, max }) => clipValues(x, min, max),
  vjp: (g, { inputs: [x], out }) => [mul(g, equal(out, x))],
});

/**
 * x clipped into [min, max] element-wise (numpy.clip, torch.clamp); NaN stays NaN. The
 * gradient is g on the closed interval min ≤ x ≤ max (a value exactly at a bound gets it)
 * and 0 outside, as in PyTorch. Either bound may be ±Infinity.
 * @example `clip(tensor([-2, 0.5, 3]), 0, 1) // [0, 0.5, 1]`
 */
export function clip(x: Tensor, min: number, max: number): Tensor {
  if (!(x instanceof Tensor)) throw notATensor("clip", "x", x);
  for (const [name, bound] of [["min", min], ["max", max]] as const) {
    if (typeof bound !== "number" || Number.isNaN(bound)) {
      throw new Error(`clip: ${name} must be a number, got ${describeValue(bound)}; use ±Infinity for no bound`);
    }
  }
  if (min > max) throw new Error(`clip: min (${min}) is greater than max (${max}); give min ≤ max`);
  return clipOp.run([x], { min, max });
}

/** argmax or argmin along one axis: int32 indices, never differentiated. */
function argExtremumOp(name: "argmax" | "argmin"): Op<{ axis: number }> {
  return defineOp<{ axis: number }>({
    name,
    inputNames: ["x"],
    acceptsInt32: true,
    formula: `out = ${name}_axis x (int32, the first on ties)`,
    vjpFormula: "none (int32 indices)",
    forward: ([x], { axis }) => argExtremum(x, axis, name === "argmax"),
    vjp: () => [null],
  });
}

const argmaxOp = argExtremumOp("argmax");
const argminOp = argExtremumOp("argmin");

/**
 * The index of the largest element along `axis` (negative counts from the end), as an
 * int32 tensor with that axis removed: the first one on ties, and the first NaN if there
 * is one (numpy, PyTorch). Unlike numpy and PyTorch, the axis is required; for the flat
 * index use `argmax(reshape(x, [-1]), 0)`. No gradient flows through it.
 * @example `argmax(tensor([[1, 5, 5], [7, 2, 0]]), 1) // [1, 0], int32`
 */
export function argmax(x: Tensor, axis: number): Tensor {
  return argmaxOp.run([x], { axis: argAxis("argmax", x, axis, "maximum") });
}

/**
 * The index of the smallest element along `axis` (negative counts from the end), as an
 * int32 tensor with that axis removed: the first one on ties, and the first NaN if there
 * is one (numpy, PyTorch). The axis is required. No gradient flows through it.
 * @example `argmin(tensor([[1, 5, 1], [7, 2, 0]]), 1) // [0, 2], int32`
 */
export function argmin(x: Tensor, axis: number): Tensor {
  return argminOp.run([x], { axis: argAxis("argmin", x, axis, "minimum") });
}

function argAxis(opName: string, x: Tensor, axis: number, extreme: string): number {
  if (!(x instanceof Tensor)) throw notATensor(opName, "x", x);
  if (!Number.isInteger(axis)) {
    const fix = axis === undefined ? ` (for the flat index, ${opName}(reshape(x, [-1]), 0))` : "";
    throw new Error(`${opName}: axis must be an integer, the one axis to search along, got ${describeValue(axis)}${fix}`);
  }
  const resolved = normalizeAxis(opName, axis, x.shape);
  checkNonEmptyAxes(opName, x.shape, [resolved], `the index of the ${extreme}`);
  return resolved;
}
