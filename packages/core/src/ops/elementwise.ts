import { defineOp, type Op } from "../op";
import { mapUnary, stableSigmoid } from "../kernels/elementwise";
import { div, mul, sub } from "./binary";
import type { Tensor } from "../tensor";

// Element-wise functions of one tensor. Each vjp is one line of math on `g` (the gradient
// of the output), `x` (the input) and `out` (the output, reused where it is cheaper).

/** −x, element-wise. @example `neg(tensor([1, -2])) // [-1, 2]` */
export const neg: Op = defineOp({
  name: "neg",
  inputNames: ["x"],
  formula: "out = −x",
  vjpFormula: "dx = −g",
  forward: ([x]) => mapUnary(x, (v) => -v, "-x"),
  vjp: (g) => [neg(g)],
});

/** eˣ, element-wise. d/dx = eˣ = out. @example `exp(tensor([0, 1])) // [1, 2.718…]` */
export const exp: Op = defineOp({
  name: "exp",
  inputNames: ["x"],
  formula: "out = eˣ",
  vjpFormula: "dx = g·out",
  forward: ([x]) => mapUnary(x, Math.exp, "Math.exp(x)"),
  vjp: (g, { out }) => [mul(g, out)],
});

/** Natural logarithm, element-wise. d/dx = 1/x. @example `log(tensor([1, Math.E])) // [0, 1]` */
export const log: Op = defineOp({
  name: "log",
  inputNames: ["x"],
  formula: "out = ln x",
  vjpFormula: "dx = g / x",
  forward: ([x]) => mapUnary(x, Math.log, "Math.log(x)"),
  vjp: (g, { inputs: [x] }) => [div(g, x)],
});

/** √x, element-wise. d/dx = 1/(2√x) = 1/(2·out). @example `sqrt(tensor([4, 9])) // [2, 3]` */
export const sqrt: Op = defineOp({
  name: "sqrt",
  inputNames: ["x"],
  formula: "out = √x",
  vjpFormula: "dx = g / (2·out)",
  forward: ([x]) => mapUnary(x, Math.sqrt, "Math.sqrt(x)"),
  vjp: (g, { out }) => [div(g, mul(out, 2))],
});

/** x², element-wise. d/dx = 2x. @example `square(tensor([-3, 2])) // [9, 4]` */
export const square: Op = defineOp({
  name: "square",
  inputNames: ["x"],
  formula: "out = x²",
  vjpFormula: "dx = g·2x",
  forward: ([x]) => mapUnary(x, (v) => v * v, "x * x"),
  vjp: (g, { inputs: [x] }) => [mul(g, mul(x, 2))],
});

const powOp = defineOp<{ exponent: number }>({
  name: "pow",
  inputNames: ["x"],
  formula: "out = xᵖ",
  vjpFormula: "dx = g·p·xᵖ⁻¹",
  forward: ([x], { exponent }) => mapUnary(x, (v) => v ** exponent),
  vjp: (g, { inputs: [x], attrs: { exponent } }) => [mul(g, mul(pow(x, exponent - 1), exponent))],
});

/**
 * xᵖ for a scalar exponent p, element-wise. d/dx = p·xᵖ⁻¹.
 * @example `pow(tensor([2, 3]), 3) // [8, 27]`
 */
export function pow(x: Tensor, exponent: number): Tensor {
  if (typeof exponent !== "number" || Number.isNaN(exponent)) {
    throw new Error(`pow: the exponent must be a number, got ${String(exponent)}; pow takes a scalar exponent`);
  }
  return powOp.run([x], { exponent });
}

/** tanh x, element-wise. d/dx = 1 − tanh²x = 1 − out². @example `tanh(tensor([0])) // [0]` */
export const tanh: Op = defineOp({
  name: "tanh",
  inputNames: ["x"],
  formula: "out = tanh x",
  vjpFormula: "dx = g·(1 − out²)",
  forward: ([x]) => mapUnary(x, Math.tanh, "Math.tanh(x)"),
  vjp: (g, { out }) => [mul(g, sub(1, mul(out, out)))],
});

/**
 * σ(x) = 1/(1 + e⁻ˣ), element-wise, computed without overflow for large |x|.
 * d/dx = σ(x)(1 − σ(x)) = out·(1 − out).
 * @example `sigmoid(tensor([0, 1000, -1000])) // [0.5, 1, 0]`
 */
export const sigmoid: Op = defineOp({
  name: "sigmoid",
  inputNames: ["x"],
  formula: "out = σ(x) = 1 / (1 + e⁻ˣ)",
  vjpFormula: "dx = g·out·(1 − out)",
  forward: ([x]) => mapUnary(x, stableSigmoid, "x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))"),
  vjp: (g, { out }) => [mul(g, mul(out, sub(1, out)))],
});

/**
 * max(x, 0), element-wise. d/dx = step(x): 1 for x > 0, and 0 for x ≤ 0 (the subgradient 0 at 0).
 * @example `relu(tensor([-1, 0, 2])) // [0, 0, 2]`
 */
export const relu: Op = defineOp({
  name: "relu",
  inputNames: ["x"],
  formula: "out = max(x, 0)",
  vjpFormula: "dx = g·step(x)",
  forward: ([x]) => mapUnary(x, (v) => (v > 0 ? v : 0), "x > 0 ? x : 0"),
  vjp: (g, { inputs: [x] }) => [mul(g, step(x))],
});

/** |x|, element-wise. d/dx = sign(x) (0 at 0). @example `abs(tensor([-2, 3])) // [2, 3]` */
export const abs: Op = defineOp({
  name: "abs",
  inputNames: ["x"],
  formula: "out = |x|",
  vjpFormula: "dx = g·sign(x)",
  forward: ([x]) => mapUnary(x, Math.abs, "Math.abs(x)"),
  vjp: (g, { inputs: [x] }) => [mul(g, sign(x))],
});

/**
 * The sign of x (−1, 0 or 1), element-wise. Piecewise constant: no gradient flows through it.
 * @example `sign(tensor([-3, 0, 2])) // [-1, 0, 1]`
 */
export const sign: Op = defineOp({
  name: "sign",
  inputNames: ["x"],
  formula: "out = sign(x)",
  vjpFormula: "none (piecewise constant)",
  forward: ([x]) => mapUnary(x, (v) => (v > 0 ? 1 : v < 0 ? -1 : 0), "x > 0 ? 1 : x < 0 ? -1 : 0"),
  vjp: () => [null],
});

/**
 * The Heaviside step: 1 where x > 0, else 0 (0 at 0). Piecewise constant: no gradient flows through it.
 * @example `step(tensor([-1, 0, 2])) // [0, 0, 1]`
 */
export const step: Op = defineOp({
  name: "step",
  inputNames: ["x"],
  formula: "out = 1 if x > 0 else 0",
  vjpFormula: "none (piecewise constant)",
  forward: ([x]) => mapUnary(x, (v) => (v > 0 ? 1 : 0), "x > 0 ? 1 : 0"),
  vjp: () => [null],
});

