import type { Op } from "./op";
import { add, div, equal, greater, less, mul, sub } from "./ops/binary";
import { avgPool2d, conv1d, conv2d, maxPool2d } from "./ops/conv";
import {
  abs,
  cos,
  elu,
  erf,
  exp,
  expm1,
  gelu,
  leakyRelu,
  log,
  log1p,
  neg,
  pow,
  relu,
  sigmoid,
  sign,
  silu,
  sin,
  softplus,
  sqrt,
  square,
  step,
  tanh,
} from "./ops/elementwise";
import { gather } from "./ops/indexing";
import { concat, pad, slice, split, stack } from "./ops/joining";
import { matmul } from "./ops/linalg";
import { astype, broadcastTo, reshape, transpose } from "./ops/movement";
import { logsumexp, max, mean, min, sum, variance } from "./ops/reduce";
import { argmax, argmin, clip, maximum, minimum, where } from "./ops/selection";
import { logSoftmax, softmax } from "./ops/softmax";
import { describeValue } from "./shape";
import { Tensor, type TensorLike } from "./tensor";

// Methods on Tensor, one per common op, each the op called with the tensor as its first
// argument. The table below is the only list: the methods' types are derived from it, and
// installTensorMethods puts them on Tensor.prototype (index.ts calls it, once the ops and
// the Tensor class both exist: the ops import tensor.ts, so tensor.ts cannot import them).

/** An op of one tensor, as a method takes it. */
type Unary = (x: Tensor) => Tensor;
/** An op of two, the second a tensor or a number. */
type Binary = (x: Tensor, y: TensorLike) => Tensor;

// The ops made with defineOp take any number of inputs as far as their type says; these
// give them their arity (the same function, only typed).
const unary = (op: Op): Unary => op;
const binary = (op: Op): Binary => op;

/** `[x, ...others]`, for the methods that join a tensor with others. */
function withOthers(opName: string, x: Tensor, others: Tensor | readonly Tensor[]): Tensor[] {
  if (others instanceof Tensor) return [x, others];
  if (!Array.isArray(others)) {
    throw new Error(`${opName}: others must be a Tensor or an array of tensors to join with this one, got ${describeValue(others)}`);
  }
  return [x, ...others];
}

const methods = {
  // Arithmetic, element-wise with broadcasting.
  /** `x.add(y)` is {@link add}`(x, y)`: x + y. */
  add: binary(add),
  /** `x.sub(y)` is {@link sub}`(x, y)`: x − y. */
  sub: binary(sub),
  /** `x.mul(y)` is {@link mul}`(x, y)`: x·y element-wise. */
  mul: binary(mul),
  /** `x.div(y)` is {@link div}`(x, y)`: x / y. */
  div: binary(div),
  /** `x.neg()` is {@link neg}`(x)`: −x. */
  neg: unary(neg),
  /** `x.pow(p)` is {@link pow}`(x, p)`: xᵖ for a scalar exponent p. */
  pow,
  /** `x.square()` is {@link square}`(x)`: x². */
  square: unary(square),
  /** `x.sqrt()` is {@link sqrt}`(x)`: √x. */
  sqrt: unary(sqrt),
  /** `x.abs()` is {@link abs}`(x)`: |x|. */
  abs: unary(abs),
  /** `x.sign()` is {@link sign}`(x)`: −1, 0 or 1. */
  sign: unary(sign),

  // Math functions, element-wise.
  /** `x.exp()` is {@link exp}`(x)`: eˣ. */
  exp: unary(exp),
  /** `x.expm1()` is {@link expm1}`(x)`: eˣ − 1, accurate for small x. */
  expm1: unary(expm1),
  /** `x.log()` is {@link log}`(x)`: ln x. */
  log: unary(log),
  /** `x.log1p()` is {@link log1p}`(x)`: ln(1 + x), accurate for small x. */
  log1p: unary(log1p),
  /** `x.sin()` is {@link sin}`(x)`. */
  sin: unary(sin),
  /** `x.cos()` is {@link cos}`(x)`. */
  cos: unary(cos),
  /** `x.erf()` is {@link erf}`(x)`: the error function. */
  erf: unary(erf),

  // Activations, element-wise.
  /** `x.tanh()` is {@link tanh}`(x)`. */
  tanh: unary(tanh),
  /** `x.sigmoid()` is {@link sigmoid}`(x)`: 1/(1 + e⁻ˣ). */
  sigmoid: unary(sigmoid),
  /** `x.relu()` is {@link relu}`(x)`: max(x, 0). */
  relu: unary(relu),
  /** `x.leakyRelu(slope)` is {@link leakyRelu}`(x, slope)`. */
  leakyRelu,
  /** `x.elu(alpha)` is {@link elu}`(x, alpha)`. */
  elu,
  /** `x.gelu(options)` is {@link gelu}`(x, options)`: x·Φ(x). */
  gelu,
  /** `x.softplus()` is {@link softplus}`(x)`: ln(1 + eˣ). */
  softplus: unary(softplus),
  /** `x.silu()` is {@link silu}`(x)`: x·σ(x). */
  silu: unary(silu),
  /** `x.step()` is {@link step}`(x)`: 1 where x > 0, else 0. */
  step: unary(step),

  // Reductions over axes (all axes when none is given).
  /** `x.sum(axis, keepDims)` is {@link sum}`(x, axis, keepDims)`. */
  sum,
  /** `x.mean(axis, keepDims)` is {@link mean}`(x, axis, keepDims)`. */
  mean,
  /** `x.max(axis, keepDims)` is {@link max}`(x, axis, keepDims)`, a reduction (for two tensors, `a.maximum(b)`). */
  max,
  /** `x.min(axis, keepDims)` is {@link min}`(x, axis, keepDims)`, a reduction (for two tensors, `a.minimum(b)`). */
  min,
  /** `x.variance(axis, keepDims)` is {@link variance}`(x, axis, keepDims)`: the population variance. */
  variance,
  /** `x.logsumexp(axis, keepDims)` is {@link logsumexp}`(x, axis, keepDims)`: log Σ eˣ, computed stably. */
  logsumexp,
  /** `x.argmax(axis)` is {@link argmax}`(x, axis)`: int32 indices of the largest elements. */
  argmax,
  /** `x.argmin(axis)` is {@link argmin}`(x, axis)`: int32 indices of the smallest elements. */
  argmin,

  // Moving, joining and cutting.
  /** `x.reshape(shape)` is {@link reshape}`(x, shape)`. */
  reshape,
  /** `x.transpose(perm)` is {@link transpose}`(x, perm)`: the axes reversed when perm is omitted. */
  transpose,
  /** `x.broadcastTo(shape)` is {@link broadcastTo}`(x, shape)`. */
  broadcastTo,
  /** `x.astype(dtype)` is {@link astype}`(x, dtype)`: the values converted to another dtype. */
  astype,
  /** `x.slice(begin, size)` is {@link slice}`(x, begin, size)`. */
  slice,
  /** `x.pad(paddings, value)` is {@link pad}`(x, paddings, value)`. */
  pad,
  /** `x.gather(indices, axis)` is {@link gather}`(x, indices, axis)`. */
  gather,
  /** `x.split(sizes, axis)` is {@link split}`(x, sizes, axis)`. */
  split,
  /** `x.concat(others, axis)` is {@link concat}`([x, ...others], axis)`; `others` may be one tensor. */
  concat: (x: Tensor, others: Tensor | readonly Tensor[], axis: number): Tensor => concat(withOthers("concat", x, others), axis),
  /** `x.stack(others, axis)` is {@link stack}`([x, ...others], axis)`; `others` may be one tensor. */
  stack: (x: Tensor, others: Tensor | readonly Tensor[], axis: number): Tensor => stack(withOthers("stack", x, others), axis),

  // Linear algebra, softmax, convolution.
  /** `a.matmul(b, options)` is {@link matmul}`(a, b, options)`: the matrix product a·b. */
  matmul,
  /** `x.softmax(axis)` is {@link softmax}`(x, axis)`. */
  softmax,
  /** `x.logSoftmax(axis)` is {@link logSoftmax}`(x, axis)`. */
  logSoftmax,
  /** `x.conv2d(w, options)` is {@link conv2d}`(x, w, options)`. */
  conv2d,
  /** `x.conv1d(w, options)` is {@link conv1d}`(x, w, options)`. */
  conv1d,
  /** `x.maxPool2d(options)` is {@link maxPool2d}`(x, options)`. */
  maxPool2d,
  /** `x.avgPool2d(options)` is {@link avgPool2d}`(x, options)`. */
  avgPool2d,

  // Comparisons (float 0/1, no gradient) and selection.
  /** `x.equal(y)` is {@link equal}`(x, y)`: 1 where x = y, else 0. */
  equal: binary(equal),
  /** `x.greater(y)` is {@link greater}`(x, y)`: 1 where x > y, else 0. */
  greater: binary(greater),
  /** `x.less(y)` is {@link less}`(x, y)`: 1 where x < y, else 0. */
  less: binary(less),
  /** `a.maximum(b)` is {@link maximum}`(a, b)`: the element-wise maximum of two. */
  maximum: binary(maximum),
  /** `a.minimum(b)` is {@link minimum}`(a, b)`: the element-wise minimum of two. */
  minimum: binary(minimum),
  /** `x.clip(min, max)` is {@link clip}`(x, min, max)`. */
  clip,
  /** `x.where(condition, y)` is {@link where}`(condition, x, y)`: x where the condition holds, else y (as PyTorch's `x.where`). */
  where: (x: Tensor, condition: TensorLike, y: TensorLike): Tensor => where(condition, x, y),
};

/** A function's type without its first parameter: the method that passes the tensor as that parameter. */
type WithoutFirst<F> = F extends (x: Tensor, ...rest: infer Rest) => infer Out ? (...args: Rest) => Out : never;

/**
 * The methods every tensor has: one per common op, each calling the op with the tensor as
 * its first argument, so that `x.matmul(W).add(b).tanh()` is `tanh(add(matmul(x, W), b))`.
 * The free functions remain; each method is documented with the op it calls. (`x.where(c, y)`
 * is `where(c, x, y)`, and `x.concat(others, axis)` joins x with the others.)
 *
 * @example
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);
 * x.matmul(x).add(1).tanh();        // tanh(add(matmul(x, x), 1))
 * x.sum(1).toArray();               // [3, 7]
 * x.square().mean().item();         // 7.5
 * x.where(x.greater(2), 0);         // where(greater(x, 2), x, 0): [[0, 0], [3, 4]]
 * ```
 * @interface
 */
export type TensorMethods = { [K in keyof typeof methods]: WithoutFirst<(typeof methods)[K]> };

declare module "./tensor" {
  // Declaration merging gives the Tensor class the methods installed below.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends TensorMethods {}
}

/**
 * Puts the methods on `Tensor.prototype` (not enumerable, like a class's own methods).
 * Called once by the package's entry point. @internal
 */
export function installTensorMethods(): void {
  for (const [name, fn] of Object.entries(methods) as Array<[string, (x: Tensor, ...rest: unknown[]) => unknown]>) {
    // A named function, so that stack traces show `Tensor.exp`.
    const method = {
      [name](this: Tensor, ...args: unknown[]) {
        return fn(this, ...args);
      },
    }[name];
    Object.defineProperty(Tensor.prototype, name, { value: method, writable: true, configurable: true, enumerable: false });
  }
}
