import { defineOp, type Op } from "../op";
import { checkTensor } from "../check";
import { formatShape, shapesEqual } from "../shape";
import { Tensor } from "../tensor";
import { addScaledKernel, mapBinary } from "../kernels/elementwise";
import { mapPair } from "../kernels/selection";
import { neg } from "./elementwise";
import { unbroadcast } from "./movement";

// Element-wise functions of two tensors, with numpy broadcasting. Each vjp sums its
// gradient back to its input's shape with `unbroadcast`, and skips inputs that need none.

/** x + y, broadcasting. @example `add(tensor([[1], [2]]), tensor([10, 20])) // [[11, 21], [12, 22]]` */
export const add: Op = defineOp({
  name: "add",
  inputNames: ["x", "y"],
  formula: "out = x + y",
  vjpFormula: "dx = unbroadcast(g), dy = unbroadcast(g)",
  forward: ([x, y]) => mapBinary("add", x, y, (a, b) => a + b, "x + y"),
  vjp: (g, { inputs: [x, y] }) => [unbroadcast(g, x.shape), unbroadcast(g, y.shape)],
});

/** x − y, broadcasting. @example `sub(tensor([5, 7]), 1) // [4, 6]` */
export const sub: Op = defineOp({
  name: "sub",
  inputNames: ["x", "y"],
  formula: "out = x − y",
  vjpFormula: "dx = unbroadcast(g), dy = unbroadcast(−g)",
  forward: ([x, y]) => mapBinary("sub", x, y, (a, b) => a - b, "x - y"),
  vjp: (g, { inputs: [x, y], needsGrad }) => [
    unbroadcast(g, x.shape),
    needsGrad[1] ? unbroadcast(neg(g), y.shape) : null,
  ],
});

/** x · y element-wise, broadcasting. @example `mul(tensor([1, 2]), 3) // [3, 6]` */
export const mul: Op = defineOp({
  name: "mul",
  inputNames: ["x", "y"],
  formula: "out = x·y",
  vjpFormula: "dx = unbroadcast(g·y), dy = unbroadcast(g·x)",
  forward: ([x, y]) => mapBinary("mul", x, y, (a, b) => a * b, "x * y"),
  vjp: (g, { inputs: [x, y], needsGrad }) => [
    needsGrad[0] ? unbroadcast(mul(g, y), x.shape) : null,
    needsGrad[1] ? unbroadcast(mul(g, x), y.shape) : null,
  ],
});

/** x / y element-wise, broadcasting. d/dy = −x/y² = −out/y. @example `div(tensor([1, 2]), 4) // [0.25, 0.5]` */
export const div: Op = defineOp({
  name: "div",
  inputNames: ["x", "y"],
  formula: "out = x / y",
  vjpFormula: "dx = unbroadcast(g / y), dy = unbroadcast(−g·out / y)",
  forward: ([x, y]) => mapBinary("div", x, y, (a, b) => a / b, "x / y"),
  vjp: (g, { inputs: [x, y], out, needsGrad }) => [
    needsGrad[0] ? unbroadcast(div(g, y), x.shape) : null,
    needsGrad[1] ? unbroadcast(neg(mul(g, div(out, y))), y.shape) : null,
  ],
});

/**
 * 1 where x equals y, else 0, element-wise with broadcasting. A comparison: no gradient
 * flows through it. Accepts int32 (labels, argmax results); the result is float: of the
 * inputs' dtype, float64 for int32 inputs, so that `mean(equal(argmax(z, 1), labels))` is an accuracy.
 * @example `equal(tensor([1, 2, 3]), 2) // [0, 1, 0]`
 */
export const equal: Op = comparison("equal", "=");

/**
 * 1 where x > y, else 0, element-wise with broadcasting; float like {@link equal}, int32
 * inputs accepted. No gradient flows through it.
 * @example `greater(tensor([1, 2, 3]), 2) // [0, 0, 1]`
 */
export const greater: Op = comparison("greater", ">");

/**
 * 1 where x < y, else 0, element-wise with broadcasting; float like {@link equal}, int32
 * inputs accepted. No gradient flows through it.
 * @example `less(tensor([1, 2, 3]), 2) // [1, 0, 0]`
 */
export const less: Op = comparison("less", "<");

/** A comparison op: float 0/1 (float64 for int32 inputs), and no gradient. */
function comparison(name: "equal" | "greater" | "less", relation: string): Op {
  return defineOp({
    name,
    inputNames: ["x", "y"],
    acceptsInt32: true,
    formula: `out = 1 if x ${relation} y else 0`,
    vjpFormula: "none (a comparison)",
    forward: ([x, y]) => mapPair(name, x, y),
    vjp: () => [null, null],
  });
}

const addScaledOp = defineOp<{ alpha: number }>({
  name: "addScaled",
  inputNames: ["x", "y"],
  formula: "out = x + α·y",
  vjpFormula: "dx = g, dy = α·g",
  forward: ([x, y], { alpha }) => addScaledKernel(x, y, alpha),
  vjp: (g, { attrs: { alpha }, needsGrad }) => [g, needsGrad[1] ? mul(g, alpha) : null],
});

/**
 * x + α·y for tensors of the same shape, in one pass: the update step of optimisers
 * (θ − η·g is `addScaled(θ, g, -η)`).
 * @example `addScaled(tensor([1, 2]), tensor([10, 20]), 0.5) // [6, 12]`
 */
export function addScaled(x: Tensor, y: Tensor, alpha: number): Tensor {
  checkTensor("addScaled", "x", x);
  checkTensor("addScaled", "y", y);
  if (typeof alpha !== "number") throw new Error(`addScaled: alpha must be a number, got ${String(alpha)}`);
  if (!shapesEqual(x.shape, y.shape)) {
    throw new Error(`addScaled: x has shape ${formatShape(x.shape)} and y has shape ${formatShape(y.shape)}; they must be equal`);
  }
  return addScaledOp.run([x, y], { alpha });
}

