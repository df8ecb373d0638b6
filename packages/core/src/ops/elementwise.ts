import { defineOp, type Op } from "../op";
import { GELU_BETA, GELU_KAPPA, mapBinary, mapUnary } from "../kernels/elementwise";
import { add, div, mul, sub } from "./binary";
import { Tensor, zerosLike, type TensorLike } from "../tensor";

// Element-wise functions of one tensor. Each vjp is one line of math on `g` (the gradient
// of the output), `x` (the input) and `out` (the output, reused where it is cheaper); the
// element functions themselves are the table in kernels/elementwise.ts. Ops with an
// attribute (pow, leakyRelu, elu, gelu) are defined here too, and called through the
// wrappers after the table, which check the attribute.

/** 2/√π, the derivative of erf at 0. */
const TWO_OVER_SQRT_PI = 1.1283791670955126;
/** 1/√(2π), the standard normal density at 0. */
const INV_SQRT_2PI = 0.3989422804014327;

/** −x, element-wise. @example `neg(tensor([1, -2])) // [-1, 2]` */
export const neg: Op = defineOp({
  name: "neg",
  inputNames: ["x"],
  formula: "out = −x",
  vjpFormula: "dx = −g",
  forward: ([x]) => mapUnary(x, "neg"),
  vjp: (g) => [neg(g)],
});

/** eˣ, element-wise. d/dx = eˣ = out. @example `exp(tensor([0, 1])) // [1, 2.718…]` */
export const exp: Op = defineOp({
  name: "exp",
  inputNames: ["x"],
  formula: "out = eˣ",
  vjpFormula: "dx = g·out",
  forward: ([x]) => mapUnary(x, "exp"),
  vjp: (g, { out }) => [mul(g, out)],
});

/**
 * eˣ − 1, element-wise, accurate for small x (where eˣ − 1 would cancel).
 * d/dx = eˣ = out + 1, as PyTorch computes it.
 * @example `expm1(tensor([0, 1e-10])) // [0, 1.00000000005e-10]`
 */
export const expm1: Op = defineOp({
  name: "expm1",
  inputNames: ["x"],
  formula: "out = eˣ − 1",
  vjpFormula: "dx = g·(out + 1)",
  forward: ([x]) => mapUnary(x, "expm1"),
  vjp: (g, { out }) => [mul(g, add(out, 1))],
});

/** Natural logarithm, element-wise. d/dx = 1/x. @example `log(tensor([1, Math.E])) // [0, 1]` */
export const log: Op = defineOp({
  name: "log",
  inputNames: ["x"],
  formula: "out = ln x",
  vjpFormula: "dx = g / x",
  forward: ([x]) => mapUnary(x, "log"),
  vjp: (g, { inputs: [x] }) => [div(g, x)],
});

/**
 * ln(1 + x), element-wise, accurate for small x (where 1 + x would round).
 * d/dx = 1/(1 + x).
 * @example `log1p(tensor([0, Math.E - 1])) // [0, 1]`
 */
export const log1p: Op = defineOp({
  name: "log1p",
  inputNames: ["x"],
  formula: "out = ln(1 + x)",
  vjpFormula: "dx = g / (1 + x)",
  forward: ([x]) => mapUnary(x, "log1p"),
  vjp: (g, { inputs: [x] }) => [div(g, add(x, 1))],
});

/** √x, element-wise. d/dx = 1/(2√x) = 1/(2·out). @example `sqrt(tensor([4, 9])) // [2, 3]` */
export const sqrt: Op = defineOp({
  name: "sqrt",
  inputNames: ["x"],
  formula: "out = √x",
  vjpFormula: "dx = g / (2·out)",
  forward: ([x]) => mapUnary(x, "sqrt"),
  vjp: (g, { out }) => [div(g, mul(out, 2))],
});

/** x², element-wise. d/dx = 2x. @example `square(tensor([-3, 2])) // [9, 4]` */
export const square: Op = defineOp({
  name: "square",
  inputNames: ["x"],
  formula: "out = x²",
  vjpFormula: "dx = g·2x",
  forward: ([x]) => mapUnary(x, "square"),
  vjp: (g, { inputs: [x] }) => [mul(g, mul(x, 2))],
});

// x⁰ is the constant 1 and x¹ is x: their vjps are 0 and g, so that no derivative of any
// order evaluates 0·x⁻¹ (NaN at x = 0).
const powOp = defineOp<{ exponent: number }>({
  name: "pow",
  inputNames: ["x"],
  formula: "out = xᵖ",
  vjpFormula: "dx = g·p·xᵖ⁻¹ (0 for p = 0, g for p = 1)",
  forward: ([x], { exponent }) => mapUnary(x, "pow", exponent),
  vjp: (g, { inputs: [x], attrs: { exponent } }) => [
    exponent === 0 ? zerosLike(x) : exponent === 1 ? g : mul(g, mul(pow(x, exponent - 1), exponent)),
  ],
});

/** sin x, element-wise (x in radians). d/dx = cos x. @example `sin(tensor([0, Math.PI / 2])) // [0, 1]` */
export const sin: Op = defineOp({
  name: "sin",
  inputNames: ["x"],
  formula: "out = sin x",
  vjpFormula: "dx = g·cos x",
  forward: ([x]) => mapUnary(x, "sin"),
  vjp: (g, { inputs: [x] }) => [mul(g, cos(x))],
});

/** cos x, element-wise (x in radians). d/dx = −sin x. @example `cos(tensor([0, Math.PI])) // [1, -1]` */
export const cos: Op = defineOp({
  name: "cos",
  inputNames: ["x"],
  formula: "out = cos x",
  vjpFormula: "dx = −g·sin x",
  forward: ([x]) => mapUnary(x, "cos"),
  vjp: (g, { inputs: [x] }) => [neg(mul(g, sin(x)))],
});

/** tanh x, element-wise. d/dx = 1 − tanh²x = 1 − out². @example `tanh(tensor([0])) // [0]` */
export const tanh: Op = defineOp({
  name: "tanh",
  inputNames: ["x"],
  formula: "out = tanh x",
  vjpFormula: "dx = g·(1 − out²)",
  forward: ([x]) => mapUnary(x, "tanh"),
  vjp: (g, { out }) => [tanhBackward(g, out)],
});

/**
 * The vjp of tanh as one op: g·(1 − y²) for the output y = tanh x, in one pass over the
 * data (PyTorch's tanh_backward). Differentiable again, so second order works.
 * @example `tanhBackward(tensor([2]), tensor([0.5])) // [1.5]`
 */
export const tanhBackward: Op = defineOp({
  name: "tanhBackward",
  inputNames: ["g", "y"],
  formula: "out = g·(1 − y²)",
  vjpFormula: "dg = h·(1 − y²), dy = −2·h·g·y",
  forward: ([g, y]) => mapBinary("tanhBackward", g, y, (a, b) => a * (1 - b * b), "x * (1 - y * y)"),
  vjp: (h, { inputs: [g, y], needsGrad }) => [
    needsGrad[0] ? tanhBackward(h, y) : null,
    needsGrad[1] ? mul(mul(h, g), mul(-2, y)) : null,
  ],
});

/**
 * The error function erf(x) = (2/√π)·∫₀ˣ e^(−t²) dt, element-wise, accurate to about an
 * ulp in float64 (fdlibm's rational approximations). d/dx = (2/√π)·e^(−x²).
 * @example `erf(tensor([0, 1, Infinity])) // [0, 0.8427007929497149, 1]`
 */
export const erf: Op = defineOp({
  name: "erf",
  inputNames: ["x"],
  formula: "out = erf x = (2/√π)·∫₀ˣ e^(−t²) dt",
  vjpFormula: "dx = g·(2/√π)·e^(−x²)",
  forward: ([x]) => mapUnary(x, "erf"),
  vjp: (g, { inputs: [x] }) => [mul(g, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI))],
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
  forward: ([x]) => mapUnary(x, "sigmoid"),
  vjp: (g, { out }) => [sigmoidBackward(g, out)],
});

/**
 * The vjp of σ as one op: g·y(1 − y) for the output y = σ(x), in one pass over the data
 * (PyTorch's sigmoid_backward). Differentiable again, so second order works.
 * @example `sigmoidBackward(tensor([2]), tensor([0.5])) // [0.5]`
 */
export const sigmoidBackward: Op = defineOp({
  name: "sigmoidBackward",
  inputNames: ["g", "y"],
  formula: "out = g·y·(1 − y)",
  vjpFormula: "dg = h·y·(1 − y), dy = h·g·(1 − 2y)",
  forward: ([g, y]) => mapBinary("sigmoidBackward", g, y, (a, b) => a * (b * (1 - b)), "x * (y * (1 - y))"),
  vjp: (h, { inputs: [g, y], needsGrad }) => [
    needsGrad[0] ? sigmoidBackward(h, y) : null,
    needsGrad[1] ? mul(mul(h, g), sub(1, mul(2, y))) : null,
  ],
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
  forward: ([x]) => mapUnary(x, "relu"),
  vjp: (g, { inputs: [x] }) => [reluBackward(g, x)],
});

/**
 * The vjp of relu as one op: g·step(x), in one pass over the data (PyTorch's
 * threshold_backward). Differentiable again in g (it is piecewise constant in x).
 * @example `reluBackward(tensor([2, 3]), tensor([-1, 1])) // [0, 3]`
 */
export const reluBackward: Op = defineOp({
  name: "reluBackward",
  inputNames: ["g", "x"],
  formula: "out = g·step(x)",
  vjpFormula: "dg = h·step(x), dx = none (piecewise constant)",
  forward: ([g, x]) => mapBinary("reluBackward", g, x, (a, b) => a * (b > 0 ? 1 : 0), "x * (y > 0 ? 1 : 0)"),
  vjp: (h, { inputs: [, x], needsGrad }) => [needsGrad[0] ? reluBackward(h, x) : null, null],
});

const leakyReluOp = defineOp<{ slope: number }>({
  name: "leakyRelu",
  inputNames: ["x"],
  formula: "out = x if x > 0 else slope·x",
  vjpFormula: "dx = g if x > 0 else slope·g",
  forward: ([x], { slope }) => mapUnary(x, "leakyRelu", slope),
  vjp: (g, { inputs: [x], attrs: { slope } }) => [mul(g, ifPositive(x, 1, slope))],
});

// The derivative for x ≤ 0 is α·eˣ, as PyTorch's elu_backward computes it from the input;
// e^min(x, 0) keeps the unused branch finite for large positive x.
const eluOp = defineOp<{ alpha: number }>({
  name: "elu",
  inputNames: ["x"],
  formula: "out = x if x > 0 else α·(eˣ − 1)",
  vjpFormula: "dx = g if x > 0 else g·α·eˣ",
  forward: ([x], { alpha }) => mapUnary(x, "elu", alpha),
  vjp: (g, { inputs: [x], attrs: { alpha } }) => [mul(g, ifPositive(x, 1, mul(exp(neg(relu(neg(x)))), alpha)))],
});

const geluOp = defineOp<{ approximate: GeluApproximation }>({
  name: "gelu",
  inputNames: ["x"],
  formula: "out = x·Φ(x) = ½x·(1 + erf(x/√2)); with approximate 'tanh', ½x·(1 + tanh(√(2/π)·(x + 0.044715x³)))",
  vjpFormula: "dx = g·(Φ(x) + x·φ(x)); with 'tanh', g·(½(1 + t) + ½x·(1 − t²)·√(2/π)·(1 + 3·0.044715x²)), t the tanh",
  forward: ([x], { approximate }) => mapUnary(x, approximate === "tanh" ? "geluTanh" : "gelu"),
  vjp: (g, { inputs: [x], attrs: { approximate } }) => [mul(g, approximate === "tanh" ? geluTanhDerivative(x) : geluDerivative(x))],
});

/**
 * The softplus ln(1 + eˣ), element-wise, as PyTorch computes it: ln(1 + eˣ) up to x = 20,
 * and x itself beyond (where they differ by less than e⁻²⁰), so it never overflows.
 * d/dx = σ(x), and 1 beyond 20, also as PyTorch.
 * @example `softplus(tensor([0, 1000, -1000])) // [ln 2, 1000, 0]`
 */
export const softplus: Op = defineOp({
  name: "softplus",
  inputNames: ["x"],
  formula: "out = ln(1 + eˣ) for x ≤ 20, x beyond",
  vjpFormula: "dx = g·σ(x) for x ≤ 20, g beyond",
  forward: ([x]) => mapUnary(x, "softplus"),
  vjp: (g, { inputs: [x] }) => {
    const s = sigmoid(x);
    const beyond = step(sub(x, 20)); // 1 where x > 20
    return [mul(g, add(s, mul(beyond, sub(1, s))))];
  },
});

/**
 * The SiLU (swish) x·σ(x) = x/(1 + e⁻ˣ), element-wise. d/dx = σ(x)·(1 + x·(1 − σ(x))).
 * @example `silu(tensor([0, 1])) // [0, 0.7310585786300049]`
 */
export const silu: Op = defineOp({
  name: "silu",
  inputNames: ["x"],
  formula: "out = x·σ(x)",
  vjpFormula: "dx = g·σ(x)·(1 + x·(1 − σ(x)))",
  forward: ([x]) => mapUnary(x, "silu"),
  vjp: (g, { inputs: [x] }) => {
    const s = sigmoid(x);
    return [mul(g, mul(s, add(mul(x, sub(1, s)), 1)))];
  },
});

/** |x|, element-wise. d/dx = sign(x) (0 at 0). @example `abs(tensor([-2, 3])) // [2, 3]` */
export const abs: Op = defineOp({
  name: "abs",
  inputNames: ["x"],
  formula: "out = |x|",
  vjpFormula: "dx = g·sign(x)",
  forward: ([x]) => mapUnary(x, "abs"),
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
  forward: ([x]) => mapUnary(x, "sign"),
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
  forward: ([x]) => mapUnary(x, "step"),
  vjp: () => [null],
});

// Helpers of the vjps above, written with ops.

/** `above` where x > 0 and `atOrBelow` elsewhere; step(x) is exactly 1 or 0, so each value is exact. */
function ifPositive(x: Tensor, above: TensorLike, atOrBelow: TensorLike): Tensor {
  const s = step(x);
  return add(mul(s, above), mul(sub(1, s), atOrBelow));
}

/** d/dx of x·Φ(x): Φ(x) + x·φ(x), with Φ = ½(1 + erf(x/√2)) and φ = e^(−x²/2)/√(2π). */
function geluDerivative(x: Tensor): Tensor {
  const cdf = mul(add(erf(mul(x, Math.SQRT1_2)), 1), 0.5);
  const pdf = mul(exp(mul(square(x), -0.5)), INV_SQRT_2PI);
  return add(cdf, mul(x, pdf));
}

/** d/dx of ½x·(1 + tanh u), u = β(x + κx³): ½(1 + tanh u) + ½x·(1 − tanh²u)·β(1 + 3κx²). */
function geluTanhDerivative(x: Tensor): Tensor {
  const x2 = square(x);
  const t = tanh(mul(add(x, mul(mul(x2, x), GELU_KAPPA)), GELU_BETA));
  const left = mul(add(t, 1), 0.5);
  const right = mul(mul(mul(x, 0.5), sub(1, square(t))), mul(add(mul(x2, 3 * GELU_KAPPA), 1), GELU_BETA));
  return add(left, right);
}

// The ops with attributes, called through wrappers that check them.

/**
 * xᵖ for a scalar exponent p, element-wise. d/dx = p·xᵖ⁻¹; for p = 0 (the constant 1) the
 * gradient is 0 everywhere, x = 0 included.
 * @example `pow(tensor([2, 3]), 3) // [8, 27]`
 */
export function pow(x: Tensor, exponent: number): Tensor {
  if (typeof exponent !== "number" || Number.isNaN(exponent)) {
    throw new Error(`pow: the exponent must be a number, got ${String(exponent)}; pow takes a scalar exponent`);
  }
  return powOp.run([x], { exponent });
}

/**
 * The leaky ReLU, element-wise: x where x > 0, else slope·x (PyTorch's leaky_relu, whose
 * default slope is 0.01). d/dx = 1 for x > 0, slope for x ≤ 0 (slope at 0, as PyTorch).
 * @example `leakyRelu(tensor([-2, 0, 3])) // [-0.02, 0, 3]`
 */
export function leakyRelu(x: Tensor, slope = 0.01): Tensor {
  checkFinite("leakyRelu", "slope", slope);
  return leakyReluOp.run([x], { slope });
}

/**
 * The ELU, element-wise: x where x > 0, else α·(eˣ − 1) (PyTorch's elu, α = 1 by default).
 * d/dx = 1 for x > 0, α·eˣ for x ≤ 0 (α at 0, as PyTorch).
 * @example `elu(tensor([-1, 0, 2])) // [e⁻¹ − 1, 0, 2]`
 */
export function elu(x: Tensor, alpha = 1): Tensor {
  checkFinite("elu", "alpha", alpha);
  return eluOp.run([x], { alpha });
}

/** How {@link gelu} computes Φ: exactly with erf (`'none'`), or with the tanh approximation. */
export type GeluApproximation = "none" | "tanh";

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** `'none'` (the default) for x·Φ(x) with erf; `'tanh'` for the tanh approximation, as PyTorch's `approximate`. */
  approximate?: GeluApproximation;
}

/**
 * The GELU x·Φ(x), Φ the standard normal distribution function, element-wise, as PyTorch's
 * gelu: exactly ½x·(1 + erf(x/√2)) by default, or with `approximate: 'tanh'`
 * ½x·(1 + tanh(√(2/π)·(x + 0.044715x³))). d/dx = Φ(x) + x·φ(x) (φ the normal density), or the
 * derivative of the approximation.
 * @example
 * ```ts
 * gelu(tensor([0, 1]));                           // [0, 0.8413447460685429]
 * gelu(tensor([1]), { approximate: "tanh" });     // [0.8411919906082768]
 * ```
 */
export function gelu(x: Tensor, options: GeluOptions = {}): Tensor {
  if (typeof options !== "object" || options === null || options instanceof Tensor || Array.isArray(options)) {
    throw new Error(`gelu: options must be an object such as { approximate: 'tanh' }, got ${options instanceof Tensor ? "a Tensor" : String(options)}`);
  }
  const approximate = options.approximate ?? "none";
  if (approximate !== "none" && approximate !== "tanh") {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got ${describeValue(approximate)}`);
  }
  return geluOp.run([x], { approximate });
}

function checkFinite(opName: string, attribute: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${opName}: ${attribute} must be a finite number, got ${describeValue(value)}`);
  }
}

function describeValue(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}
