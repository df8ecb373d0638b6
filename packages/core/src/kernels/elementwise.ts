import { allocate, type TypedArray } from "../dtype";
import { broadcastShapes, broadcastStrides, shapesEqual, sizeOf } from "../shape";
import { Tensor } from "../tensor";
import { erf } from "./special";

// Element-wise kernels know each element function twice: as a JavaScript function, and as
// the same expression in source form ("Math.exp(x)"). From the source, a loop of its own is
// generated for each function (as ndarray-ops' cwise does), so the loop body is inlined
// instead of calling a shared, megamorphic callback per element. Where generating code is
// not allowed (a strict content-security policy), the callback loops run instead.

/**
 * A function of one element, in both forms: `fn` and `expression` compute the same thing
 * bit for bit, in terms of `x` (the element) and `a` (the op's scalar attribute, where it
 * has one: pow's exponent, leakyRelu's slope). An expression may call `Math` and the
 * functions in `expressionScope`.
 */
export interface UnaryKernel {
  readonly fn: (x: number, a: number) => number;
  readonly expression: string;
}

/** √(2/π) and the cubic coefficient of the tanh approximation of GELU, √(2/π) computed as PyTorch does. */
export const GELU_BETA = Math.SQRT2 * 1.1283791670955126 * 0.5;
export const GELU_KAPPA = 0.044715;

/** The functions of one element that the element-wise ops use, one entry per function. */
export const unaryKernels = {
  neg: { fn: (x) => -x, expression: "-x" },
  exp: { fn: (x) => Math.exp(x), expression: "Math.exp(x)" },
  expm1: { fn: (x) => Math.expm1(x), expression: "Math.expm1(x)" },
  log: { fn: (x) => Math.log(x), expression: "Math.log(x)" },
  log1p: { fn: (x) => Math.log1p(x), expression: "Math.log1p(x)" },
  sqrt: { fn: (x) => Math.sqrt(x), expression: "Math.sqrt(x)" },
  square: { fn: (x) => x * x, expression: "x * x" },
  pow: { fn: (x, a) => x ** a, expression: "x ** a" },
  sin: { fn: (x) => Math.sin(x), expression: "Math.sin(x)" },
  cos: { fn: (x) => Math.cos(x), expression: "Math.cos(x)" },
  tanh: { fn: (x) => Math.tanh(x), expression: "Math.tanh(x)" },
  erf: { fn: (x) => erf(x), expression: "erf(x)" },
  sigmoid: { fn: (x) => stableSigmoid(x), expression: "x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))" },
  relu: { fn: (x) => (x > 0 ? x : 0), expression: "x > 0 ? x : 0" },
  leakyRelu: { fn: (x, a) => (x > 0 ? x : a * x), expression: "x > 0 ? x : a * x" },
  elu: { fn: (x, a) => (x > 0 ? x : a * Math.expm1(x)), expression: "x > 0 ? x : a * Math.expm1(x)" },
  gelu: { fn: (x) => x * 0.5 * (1 + erf(x * Math.SQRT1_2)), expression: "x * 0.5 * (1 + erf(x * Math.SQRT1_2))" },
  geluTanh: {
    fn: (x) => 0.5 * x * (1 + Math.tanh(GELU_BETA * (x + GELU_KAPPA * (x * x * x)))),
    expression: `0.5 * x * (1 + Math.tanh(${GELU_BETA} * (x + ${GELU_KAPPA} * (x * x * x))))`,
  },
  softplus: { fn: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))), expression: "x > 20 ? x : Math.log1p(Math.exp(x))" },
  silu: { fn: (x) => x / (1 + Math.exp(-x)), expression: "x / (1 + Math.exp(-x))" },
  abs: { fn: (x) => Math.abs(x), expression: "Math.abs(x)" },
  sign: { fn: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0), expression: "x > 0 ? 1 : x < 0 ? -1 : 0" },
  step: { fn: (x) => (x > 0 ? 1 : 0), expression: "x > 0 ? 1 : 0" },
} satisfies Record<string, UnaryKernel>;

/** The name of an entry of {@link unaryKernels}. */
export type UnaryKernelName = keyof typeof unaryKernels;

/** The functions, besides `Math`, that a generated loop's expression may call. */
const expressionScope = { erf };

type UnaryLoop = (input: ArrayLike<number>, out: TypedArray, a: number) => void;
type BinaryLoop = (a: ArrayLike<number>, b: ArrayLike<number>, out: TypedArray, strideA: number, strideB: number, alpha?: number) => void;

// One cache per dtype, keyed by the expression (a string the caller holds, so the lookup
// hashes no new string).
const unaryLoops: Record<string, Map<string, UnaryLoop | null>> = { float32: new Map(), float64: new Map(), int32: new Map() };
const binaryLoops: Record<string, Map<string, BinaryLoop | null>> = { float32: new Map(), float64: new Map(), int32: new Map() };

let generatedLoopsAllowed = true;

/** Switches the generated loops off (the callback loops run) or on; for tests of both paths. @internal */
export function allowGeneratedLoops(allowed: boolean): void {
  generatedLoopsAllowed = allowed;
}

function generate<T>(cache: Map<string, T | null>, source: string, make: () => T): T | null {
  if (!generatedLoopsAllowed) return null;
  const cached = cache.get(source);
  if (cached !== undefined) return cached;
  let made: T | null;
  try {
    made = make();
  } catch {
    made = null;
  }
  cache.set(source, made);
  return made;
}

/**
 * out[i] = f(input[i]), where f is `expression` in `x` and `a`; `null` where code cannot be
 * generated. One loop is generated per dtype, so that each sees one kind of typed array
 * and the engine compiles it for that kind alone. @internal
 */
export function unaryLoop(expression: string, dtype = "float64"): UnaryLoop | null {
  return generate(unaryLoops[dtype], expression, () => {
    const body = `for (let i = 0; i < out.length; i++) { const x = input[i]; out[i] = ${expression}; }`;
    const make = new Function(...Object.keys(expressionScope), `return function (input, out, a) { ${body} };`);
    return make(...Object.values(expressionScope)) as UnaryLoop;
  });
}

/** out[i] = f(a[i·strideA], b[i·strideB]): strides of 0 broadcast a scalar; `alpha` is a number the expression may use. One loop per dtype. */
function binaryLoop(expression: string, dtype: string): BinaryLoop | null {
  return generate(binaryLoops[dtype], expression, () =>
    new Function("a", "b", "out", "strideA", "strideB", "alpha", `for (let i = 0, ia = 0, ib = 0; i < out.length; i++, ia += strideA, ib += strideB) { const x = a[ia], y = b[ib]; out[i] = ${expression}; }`) as BinaryLoop,
  );
}

/** x + α·y for tensors of one shape, in one generated loop per dtype (the optimisers' update); a plain loop where code cannot be generated. */
export function addScaledKernel(x: Tensor, y: Tensor, alpha: number): Tensor {
  const X = x.data;
  const Y = y.data;
  const out = allocate(x.dtype, X.length);
  const loop = binaryLoop("x + alpha * y", x.dtype);
  if (loop !== null) loop(X, Y, out, 1, 1, alpha);
  else for (let i = 0; i < out.length; i++) out[i] = X[i] + alpha * Y[i];
  return new Tensor(out, x.shape);
}

/**
 * Applies an element function to every element of `x`: the entry `kernel` of
 * {@link unaryKernels} with attribute `a`, or, for a function outside the table, `f`
 * (whose body, in terms of `x`, is `expression`, if given).
 */
export function mapUnary(x: Tensor, kernel: UnaryKernelName, a?: number): Tensor;
export function mapUnary(x: Tensor, f: (v: number) => number, expression?: string): Tensor;
export function mapUnary(x: Tensor, kernel: UnaryKernelName | ((v: number) => number), option?: number | string): Tensor {
  const { fn, expression }: { fn: (x: number, a: number) => number; expression?: string } =
    typeof kernel === "function" ? { fn: kernel, expression: option as string | undefined } : unaryKernels[kernel];
  const a = typeof option === "number" ? option : 0;
  const input = x.data;
  const out = allocate(x.dtype, input.length);
  const loop = expression === undefined ? null : unaryLoop(expression, x.dtype);
  if (loop !== null) loop(input, out, a);
  else for (let i = 0; i < input.length; i++) out[i] = fn(input[i], a);
  return new Tensor(out, x.shape);
}

/**
 * Applies `f` element-wise to `a` and `b` broadcast together, without materialising the
 * broadcast operands: equal shapes and scalar operands take flat loops, anything else a
 * strided walk whose innermost loop runs along the last axis.
 */
export function mapBinary(opName: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number, expression?: string): Tensor {
  const shape = b.rank === 0 || shapesEqual(a.shape, b.shape) ? a.shape : a.rank === 0 ? b.shape : broadcastShapes(opName, a.shape, b.shape);
  const size = shape === a.shape ? a.size : sizeOf(shape);
  const out = allocate(a.dtype, size);
  const A = a.data;
  const B = b.data;
  const loop = expression === undefined ? null : binaryLoop(expression, a.dtype);
  const flat = (A.length === size || A.length === 1) && (B.length === size || B.length === 1);
  if (flat && loop !== null) {
    loop(A, B, out, A.length === size ? 1 : 0, B.length === size ? 1 : 0);
  } else if (A.length === size && B.length === size) {
    for (let i = 0; i < size; i++) out[i] = f(A[i], B[i]);
  } else if (A.length === size && B.length === 1) {
    const y = B[0];
    for (let i = 0; i < size; i++) out[i] = f(A[i], y);
  } else if (B.length === size && A.length === 1) {
    const x = A[0];
    for (let i = 0; i < size; i++) out[i] = f(x, B[i]);
  } else if (loop !== null && isRowBroadcast(a.shape, b.shape, shape)) {
    // The common bias case, [m, n] with [n] or [1, n] (either side): one generated loop per row.
    const n = shape[shape.length - 1];
    const aIsFull = A.length === size;
    for (let row = 0; row < size / n; row++) {
      const segment = out.subarray(row * n, row * n + n);
      if (aIsFull) loop(A.subarray(row * n, row * n + n), B, segment, 1, 1);
      else loop(A, B.subarray(row * n, row * n + n), segment, 1, 1);
    }
  } else if (size > 0) {
    const stridesA = broadcastStrides(a.shape, shape);
    const stridesB = broadcastStrides(b.shape, shape);
    const last = shape.length - 1;
    const inner = shape[last];
    const innerA = stridesA[last];
    const innerB = stridesB[last];
    const index = new Array<number>(last).fill(0);
    let offsetA = 0;
    let offsetB = 0;
    for (let p = 0; p < size; ) {
      for (let j = 0; j < inner; j++) out[p++] = f(A[offsetA + j * innerA], B[offsetB + j * innerB]);
      for (let axis = last - 1; axis >= 0; axis--) {
        offsetA += stridesA[axis];
        offsetB += stridesB[axis];
        if (++index[axis] < shape[axis]) break;
        offsetA -= stridesA[axis] * shape[axis];
        offsetB -= stridesB[axis] * shape[axis];
        index[axis] = 0;
      }
    }
  }
  return new Tensor(out, shape);
}

/** Whether one operand is the full shape and the other one row of it, as a bias is. */
function isRowBroadcast(shapeA: readonly number[], shapeB: readonly number[], shape: readonly number[]): boolean {
  const n = shape[shape.length - 1];
  const isRow = (s: readonly number[]) => s[s.length - 1] === n && sizeOf(s) === n;
  const size = sizeOf(shape);
  return n > 0 && ((sizeOf(shapeA) === size && isRow(shapeB)) || (sizeOf(shapeB) === size && isRow(shapeA)));
}

/** The logistic function, computed without overflow for large |x|. */
export function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
