/**
 * tapegrad's core: immutable tensors over scijs ndarray, a gradient tape, differentiable
 * ops each defined with its vector-Jacobian product, custom ops, and gradient APIs.
 *
 * @example
 * ```ts
 * import { tensor, matmul, add, tanh, sum, valueAndGrad } from "@tapegrad/core";
 *
 * const loss = (W: Tensor, b: Tensor, x: Tensor) => sum(tanh(add(matmul(W, x), b)));
 * const { value, grads: [dW, db] } = valueAndGrad(loss)(W, b, x);
 * ```
 *
 * @module @tapegrad/core
 */
import { sealBuiltinOps } from "./op";
import { installTensorMethods } from "./methods";

export { Tensor, tensor, zeros, ones, full, eye, zerosLike, onesLike, isNdArray } from "./tensor";
export type { NestedArray, TensorInput, TensorLike, TensorOptions } from "./tensor";
export type { TensorMethods } from "./methods";
export type { DType, FloatDType, TypedArray } from "./dtype";
export { Random, randn, uniform, type RandomOptions } from "./random";
export { textTable } from "./format";
export {
  broadcastShapes,
  formatShape,
  normalizeAxes,
  normalizeAxis,
  reductionAxes,
  shapesEqual,
  sizeOf,
  stridesOf,
  type Shape,
} from "./shape";

export { defineOp, registeredOps, type InputKind, type Op, type OpDefinition, type VjpContext } from "./op";
export { detectAnomaly } from "./anomaly";
export { jvp, jacobian, hessian, hvp, type JvpResult } from "./transforms";
export { mapTensors, collectTensors, type TensorTree } from "./tree";
export {
  valueAndGrad,
  grad,
  vjp,
  noGrad,
  stopGradient,
  customVjp,
  type CustomVjpOptions,
  type GradientOf,
  type ValueAndGradients,
  type VjpResult,
} from "./grad";

export { neg, exp, expm1, log, log1p, sqrt, square, pow, sin, cos, tanh, erf, sigmoid, relu, tanhBackward, sigmoidBackward, reluBackward, leakyRelu, elu, gelu, softplus, silu, abs, sign, step, type GeluApproximation, type GeluOptions } from "./ops/elementwise";
export { add, sub, mul, div, equal, greater, less, addScaled } from "./ops/binary";
export { sum, mean, max, min, logsumexp, variance } from "./ops/reduce";
export { where, maximum, minimum, clip, argmax, argmin } from "./ops/selection";
export { reshape, transpose, broadcastTo, astype, identity, unbroadcast } from "./ops/movement";
export { matmul, type MatmulOptions } from "./ops/linalg";
export { softmax, logSoftmax } from "./ops/softmax";
export { conv2d, conv1d, maxPool2d, avgPool2d, type Conv2dOptions, type Conv1dOptions, type Pool2dOptions, type Pair } from "./ops/conv";
export { concat, stack, split, slice, pad } from "./ops/joining";
export { gather, scatterAdd, oneHot } from "./ops/indexing";
export {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  sigmoidCrossEntropy,
  softmaxCrossEntropy,
  mse,
  type Reduction,
  type LossOptions,
  type SoftmaxCrossEntropyOptions,
} from "./ops/losses";
export {
  traceGraph,
  toDot,
  type TracedGraph,
  type GraphNode,
  type GraphEdge,
  type GraphNodeKind,
  type TraceOptions,
  type DotOptions,
} from "./trace";
export { name, type GraphOp } from "./trace";
export {
  explainGradients,
  compareIntermediates,
  type ExplainOptions,
  type GradientExplanation,
  type ExplanationStep,
  type CotangentFlow,
  type FanOut,
  type ExplanationDotOptions,
  type IntermediateCompareOptions,
  type IntermediateComparison,
  type IntermediateRow,
  type Divergence,
} from "./explain";
export { setMatmulKernel, type MatmulKernel } from "./kernels/matmul";
export { matmulThreads, wasmSimdAvailable } from "./kernels/wasm/gemm";
export { setMatmulThreads } from "./kernels/wasm/threads";

// Every op defined above is built in: its name is reserved from here on.
sealBuiltinOps();
// Every tensor gets the ops as methods (x.matmul(W).add(b)); called here, where bundlers cannot drop it.
installTensorMethods();
