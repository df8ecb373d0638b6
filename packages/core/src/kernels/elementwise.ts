import { allocate } from "../dtype";
import { broadcastShapes, broadcastStrides, sizeOf } from "../shape";
import { Tensor } from "../tensor";

/** Applies `f` to every element of `x`. */
export function mapUnary(x: Tensor, f: (v: number) => number): Tensor {
  const input = x.data;
  const out = allocate(x.dtype, input.length);
  for (let i = 0; i < input.length; i++) out[i] = f(input[i]);
  return new Tensor(out, x.shape);
}

/**
 * Applies `f` element-wise to `a` and `b` broadcast together, without materialising the
 * broadcast operands: equal shapes and scalar operands take flat loops, anything else a
 * strided walk whose innermost loop runs along the last axis.
 */
export function mapBinary(opName: string, a: Tensor, b: Tensor, f: (x: number, y: number) => number): Tensor {
  const shape = broadcastShapes(opName, a.shape, b.shape);
  const size = sizeOf(shape);
  const out = allocate(a.dtype, size);
  const A = a.data;
  const B = b.data;
  if (A.length === size && B.length === size) {
    for (let i = 0; i < size; i++) out[i] = f(A[i], B[i]);
  } else if (A.length === size && B.length === 1) {
    const y = B[0];
    for (let i = 0; i < size; i++) out[i] = f(A[i], y);
  } else if (B.length === size && A.length === 1) {
    const x = A[0];
    for (let i = 0; i < size; i++) out[i] = f(x, B[i]);
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

/** The logistic function, computed without overflow for large |x|. */
export function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
