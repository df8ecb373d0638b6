import { allocate, type DType } from "../dtype";
import { broadcastShapes, broadcastStrides, sizeOf, type Shape } from "../shape";
import { Tensor } from "../tensor";
import { mapBinary } from "./elementwise";

/** An element function of two values, as a function and as the same expression in `x` and `y`. */
interface PairKernel {
  readonly fn: (x: number, y: number) => number;
  readonly expression: string;
}

/**
 * The element functions of the comparisons (0/1) and of maximum and minimum (NaN if
 * either value is NaN, as in numpy and PyTorch), one entry per op.
 */
export const pairKernels = {
  equal: { fn: (x, y) => (x === y ? 1 : 0), expression: "x === y ? 1 : 0" },
  greater: { fn: (x, y) => (x > y ? 1 : 0), expression: "x > y ? 1 : 0" },
  less: { fn: (x, y) => (x < y ? 1 : 0), expression: "x < y ? 1 : 0" },
  maximum: { fn: (x, y) => (x > y || x !== x ? x : y), expression: "x > y || x !== x ? x : y" },
  minimum: { fn: (x, y) => (x < y || x !== x ? x : y), expression: "x < y || x !== x ? x : y" },
} satisfies Record<string, PairKernel>;

/** The name of an entry of {@link pairKernels}. */
export type PairKernelName = keyof typeof pairKernels;

/**
 * Applies the entry `kernel` of {@link pairKernels} to x and y broadcast together. The
 * result has the inputs' dtype, except that a comparison of int32 inputs gives `float64`.
 */
export function mapPair(kernel: PairKernelName, x: Tensor, y: Tensor): Tensor {
  const { fn, expression } = pairKernels[kernel];
  const isComparison = kernel !== "maximum" && kernel !== "minimum";
  if (isComparison && x.dtype === "int32") return mapBroadcastInto(kernel, x, y, "float64", fn);
  return mapBinary(kernel, x, y, fn, expression);
}

/** x clipped into [min, max] element-wise; NaN stays NaN. */
export function clipValues(x: Tensor, min: number, max: number): Tensor {
  const input = x.data;
  const out = allocate(x.dtype, input.length);
  for (let i = 0; i < input.length; i++) {
    const v = input[i];
    out[i] = v < min ? min : v > max ? max : v;
  }
  return new Tensor(out, x.shape);
}

/**
 * Visits the positions of `shape` in row-major order, one innermost row at a time.
 * `strides[k]` reads operand k as if it had `shape` (0 on broadcast axes, as
 * `broadcastStrides` gives them); `row(start, offsets)` gets the flat index of the row's
 * first element and each operand's offset there, and loops along the row itself with
 * each operand's last stride. `offsets` is reused between calls: read it, do not keep it.
 */
export function forEachRow(
  shape: Shape,
  strides: readonly (readonly number[])[],
  row: (start: number, offsets: readonly number[]) => void,
): void {
  const size = sizeOf(shape);
  const offsets = new Array<number>(strides.length).fill(0);
  if (size === 0) return;
  if (shape.length === 0) {
    row(0, offsets);
    return;
  }
  const last = shape.length - 1;
  const inner = shape[last];
  const index = new Array<number>(last).fill(0);
  for (let start = 0; start < size; start += inner) {
    row(start, offsets);
    for (let axis = last - 1; axis >= 0; axis--) {
      for (let k = 0; k < strides.length; k++) offsets[k] += strides[k][axis];
      if (++index[axis] < shape[axis]) break;
      for (let k = 0; k < strides.length; k++) offsets[k] -= strides[k][axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

/**
 * out = a where `condition` is nonzero, else b, with the three broadcast together (numpy.where).
 * NaN counts as nonzero (true), as in numpy. The result has a's dtype.
 */
export function selectWhere(opName: string, condition: Tensor, a: Tensor, b: Tensor): Tensor {
  const shape = broadcastShapes(opName, broadcastShapes(opName, condition.shape, a.shape), b.shape);
  const size = sizeOf(shape);
  const out = allocate(a.dtype, size);
  const C = condition.data;
  const A = a.data;
  const B = b.data;
  const isFlat = (length: number) => length === size || length === 1;
  if (isFlat(C.length) && isFlat(A.length) && isFlat(B.length)) {
    const sc = C.length === size ? 1 : 0;
    const sa = A.length === size ? 1 : 0;
    const sb = B.length === size ? 1 : 0;
    for (let i = 0, ic = 0, ia = 0, ib = 0; i < size; i++, ic += sc, ia += sa, ib += sb) out[i] = C[ic] !== 0 ? A[ia] : B[ib];
    return new Tensor(out, shape);
  }
  const strides = [condition, a, b].map((t) => broadcastStrides(t.shape, shape));
  const last = shape.length - 1;
  const inner = shape[last];
  const [sc, sa, sb] = strides.map((s) => s[last]);
  forEachRow(shape, strides, (start, [oc, oa, ob]) => {
    for (let j = 0; j < inner; j++) out[start + j] = C[oc + j * sc] !== 0 ? A[oa + j * sa] : B[ob + j * sb];
  });
  return new Tensor(out, shape);
}

/**
 * f(x, y) element-wise with x and y broadcast together, into a new tensor of `dtype`
 * (for comparisons of int32 inputs, whose 0/1 result is float).
 */
function mapBroadcastInto(opName: string, x: Tensor, y: Tensor, dtype: DType, f: (a: number, b: number) => number): Tensor {
  const shape = broadcastShapes(opName, x.shape, y.shape);
  const out = allocate(dtype, sizeOf(shape));
  const X = x.data;
  const Y = y.data;
  const strides = [x, y].map((t) => broadcastStrides(t.shape, shape));
  const last = shape.length - 1;
  const inner = last < 0 ? 1 : shape[last];
  const [sx, sy] = last < 0 ? [0, 0] : strides.map((s) => s[last]);
  forEachRow(shape, strides, (start, [ox, oy]) => {
    for (let j = 0; j < inner; j++) out[start + j] = f(X[ox + j * sx], Y[oy + j * sy]);
  });
  return new Tensor(out, shape);
}
